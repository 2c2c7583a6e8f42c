"""Forms for places and jurisdiction names; every choice list is restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Jurisdiction, Place
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields


class PlaceForm(forms.ModelForm):
    class Meta:
        model = Place
        fields = ["name", "name_en", "kind", "jurisdiction", "location", "address", "capacity",
                  "contact_name", "contact_phone", "is_active"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)
        # Where a place physically is may lie outside one's own district (hotels in Huairou).
        self.fields["location"].queryset = Jurisdiction.objects.filter(is_active=True)
        self.fields["location"].widget = forms.TextInput(attrs={"placeholder": "110116"})
        self.fields["location"].to_field_name = "code"
        self.fields["location"].help_text = _(
            "The division code of where the place is, if outside the responsible jurisdiction."
        )
        if self.instance and self.instance.location_id:
            self.initial["location"] = self.instance.location.code


class JurisdictionNameForm(forms.Form):
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)


class DivisionUploadForm(forms.Form):
    file = forms.FileField(label=_("division CSV file"),
                           help_text=_("Columns code,name,level,parent_code; UTF-8."))
