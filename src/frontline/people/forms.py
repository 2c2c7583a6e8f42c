"""Forms of the registry pages; every choice list is restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core import widgets
from frontline.core.choices import country_choices
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.people.models import Category, DocumentType, Sex

DATE = widgets.DateInput()


class PersonForm(forms.Form):
    mrz = forms.CharField(
        label=_("MRZ (the two or three lines at the bottom of the passport)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "spellcheck": "false",
                                     "autocomplete": "off", "autofocus": True}),
        help_text=_("Type, paste or scan the lines, then press “Fill from MRZ”: the check digits "
                    "are verified and the fields below are filled."),
    )
    family_name = forms.CharField(label=_("family name (as in the travel document)"),
                                  max_length=100)
    given_names = forms.CharField(label=_("given names (as in the travel document)"),
                                  max_length=150, required=False)
    name_native = forms.CharField(label=_("name in native script"), max_length=200,
                                  required=False)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices, initial=Sex.UNSPECIFIED)
    birth_date = forms.DateField(label=_("date of birth"), required=False, widget=DATE)
    nationality = forms.ChoiceField(label=_("nationality"))
    categories = forms.MultipleChoiceField(label=_("categories"), choices=Category.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    phone_alt = forms.CharField(label=_("second phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    preferred_language = forms.ChoiceField(label=_("preferred language"), required=False)
    residence = forms.ModelChoiceField(
        label=_("community of residence"),
        queryset=Jurisdiction.objects.filter(level__in=[Level.COMMUNITY, Level.STREET],
                                             is_active=True))
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    organisation = forms.ModelChoiceField(
        label=_("employer or school"), required=False,
        queryset=Place.objects.filter(is_active=True))
    arrived_on = forms.DateField(label=_("last arrived in the city"), required=False,
                                 widget=DATE)
    notes = forms.CharField(label=_("notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = country_choices()
        self.fields["preferred_language"].choices = [("", "—"), *settings.TRAVELLER_LANGUAGES]
        restrict_form_fields(self, actor, Action.CHANGE)
        self.fields["organisation"].queryset = Place.objects.restrict(actor, Action.VIEW).filter(
            is_active=True)
        self.fields["residence"].label_from_instance = lambda j: f"{j.code} {j.name}"


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices)
    number = forms.CharField(label=_("document number"), max_length=40)
    issuing_country = forms.ChoiceField(label=_("issuing country"))
    expiry_date = forms.DateField(label=_("expiry date"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_country"].choices = country_choices()


class PersonCreateForm(PersonForm):
    """The registration form: the person and, optionally, the first identity document."""

    doc_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices,
                                 initial=DocumentType.PASSPORT)
    doc_number = forms.CharField(label=_("document number"), max_length=40, required=False)
    doc_country = forms.ChoiceField(label=_("issuing country"), required=False)
    doc_expiry = forms.DateField(label=_("expiry date"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_country"].choices = country_choices()


class PersonRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("the request"), max_length=300,
        help_text=_("Who asked, when and how (e.g. the letter's reference); it is logged."))


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300,
                             help_text=_("Why you need the full number; it is logged."))


class TravelForm(forms.Form):
    country = forms.ChoiceField(label=_("country"))
    from_date = forms.DateField(label=_("from"), widget=DATE)
    to_date = forms.DateField(label=_("until"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()


class StayForm(forms.Form):
    place = forms.ModelChoiceField(
        label=_("hotel"), queryset=Place.objects.filter(
            kind__in=[PlaceKind.LODGING_HOTEL, PlaceKind.OBSERVATION_HOTEL], is_active=True))
    room = forms.CharField(label=_("room"), max_length=20, required=False)
    check_in = forms.DateTimeField(label=_("check-in"),
                                   widget=widgets.DateTimeInput())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)


class RiskCountryForm(forms.Form):
    country = forms.ChoiceField(label=_("country"))
    jurisdiction = forms.ModelChoiceField(label=_("set by"), queryset=Jurisdiction.objects.filter(
        level__in=[Level.CITY, Level.DISTRICT]))
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)
    effective_to = forms.DateField(label=_("effective until"), required=False, widget=DATE,
                                   help_text=_("Leave empty while in force."))
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        restrict_form_fields(self, actor, Action.CONFIGURE)


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("category"), required=False,
                                 choices=[("", "—"), *Category.choices])
    nationality = forms.ChoiceField(label=_("nationality"), required=False)
    code = forms.RegexField(label=_("division code"), required=False, regex=r"^[0-9]{2,12}$",
                            error_messages={"invalid": _("2 to 12 digits.")})
    arrived_recently = forms.BooleanField(label=_("arrived recently"), required=False)
    from_risk_country = forms.BooleanField(label=_("from a risk country"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = country_choices()

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"query": data["q"], "category": data["category"],
                "nationality": data["nationality"], "code": data["code"] or "",
                "arrived_recently": data["arrived_recently"],
                "from_risk_country": data["from_risk_country"]}
