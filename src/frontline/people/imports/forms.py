"""Forms of the import and export pages: upload, column mapping, confirmation, unmasked export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Jurisdiction, Place, PlaceKind
from frontline.core.permissions import Action
from frontline.people.imports import HOTEL_KINDS, import_jurisdictions
from frontline.people.imports.columns import COLUMNS, KIND_FIELDS
from frontline.people.models import ImportJob, ImportKind, ImportMode

ENCODING_CHOICES = [
    ("", _("detect (UTF-8 or GB18030)")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030 / GBK"),
]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file lists"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (.xlsx or .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    jurisdiction = forms.ModelChoiceField(
        label=_("For"), queryset=Jurisdiction.objects.none(), required=False,  # scoped-ok
        help_text=_("The people of the file must live in this area."))
    place = forms.ModelChoiceField(
        label=_("Hotel or school"), queryset=Place.objects.none(), required=False,  # scoped-ok
        help_text=_("For hotel lodgers: the hotel, unless the file has a hotel column. "
                    "For a school list: the school (required)."))
    encoding = forms.ChoiceField(label=_("Encoding of a CSV file"), choices=ENCODING_CHOICES,
                                 required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        jurisdictions = import_jurisdictions(actor=actor)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
            actor, Action.CHANGE).filter(pk__in=[j.pk for j in jurisdictions])
        if len(jurisdictions) <= 1:
            self.fields["jurisdiction"].widget = forms.HiddenInput()
        self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
            actor, Action.CHANGE).filter(kind__in=(*HOTEL_KINDS, PlaceKind.SCHOOL),
                                         is_active=True).order_by("kind", "name")


class ImportMappingForm(forms.Form):
    """One choice per column of the file: the field it holds, or nothing (ignored)."""

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —"))] + [
            (f, COLUMNS[f].header) for f in KIND_FIELDS[job.kind]]
        headers = job.mapping.get("headers", [])
        fields = job.mapping.get("fields", [])
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("(column without a name)"), choices=choices, required=False,
                initial=fields[index] if index < len(fields) else "")

    def mapped_fields(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}", "") for i in range(len(self.headers))]


class ImportConfirmForm(forms.Form):
    mode = forms.ChoiceField(label=_("How to import"), choices=ImportMode.choices,
                             widget=forms.RadioSelect, initial=ImportMode.ALL_OR_NOTHING)


class UnmaskedExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", ".xlsx"), ("csv", ".csv")])
    reason = forms.CharField(label=_("Reason"), min_length=4, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Why the full document numbers and phones are needed; "
                                         "it is logged with the export."))
