"""Forms of the document center; every choice of a scoped model is restricted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.documents.kinds import (
    ISSUABLE_CHOICES,
    KIND_SPECS,
    DocumentKind,
    target_languages,
    traveller_languages,
)
from frontline.documents.models import (
    BatchOutput,
    DocumentTemplate,
    ProofreadRequest,
    TranslationState,
)


def _language_choices(*, source: bool = True) -> list[tuple[str, str]]:
    return [(code, name) for code, name in traveller_languages() if source or code != "zh-hans"]


OFFICE_LEVELS = [Level.DISTRICT, Level.CITY]


def _offices(user: Any, action: Action):
    """District (or city) jurisdictions where the user may do `action`."""
    return Jurisdiction.objects.restrict(user, action).filter(  # scoped-ok: restricted
        level__in=OFFICE_LEVELS).order_by("code")


class TemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "class": "wide"})}


class TemplateCreateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["jurisdiction", "kind", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "class": "wide"})}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            level__in=OFFICE_LEVELS).order_by("code")
        self.fields["kind"].choices = ISSUABLE_CHOICES  # FAQ entries start on the FAQ page
        restrict_form_fields(self, actor, Action.CONFIGURE)


def translation_form(template: DocumentTemplate, data: Any = None, *,
                     initial: dict[str, Any] | None = None) -> forms.Form:
    """A form with the title and one field per source segment."""
    form = forms.Form(data, initial=initial)
    form.fields["title"] = forms.CharField(label=_("title"), required=False, max_length=300)
    for i, segment in enumerate(template.segments):
        form.fields[f"seg_{i}"] = forms.CharField(
            label=segment.text, required=False, max_length=4000,
            widget=forms.Textarea(attrs={"rows": 2 if len(segment.text) < 60 else 4}))
    return form


class CommentForm(forms.Form):
    segment = forms.TypedChoiceField(label=_("about"), required=False, coerce=int,
                                     empty_value=None)
    text = forms.CharField(label=_("comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, template: DocumentTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("the whole translation")), ("-1", _("the title"))]
        choices += [(str(i), _("segment %(n)s") % {"n": i + 1})
                    for i in range(len(template.segments))]
        self.fields["segment"].choices = choices


class QueueFilterForm(forms.Form):
    language = forms.ChoiceField(label=_("language"), required=False)
    state = forms.ChoiceField(label=_("state"), required=False,
                              choices=[("", _("all"))] + list(TranslationState.choices))
    kind = forms.ChoiceField(label=_("kind"), required=False,
                             choices=[("", _("all"))] + list(DocumentKind.choices))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("all"))] + _language_choices(source=False)


class ExportForm(forms.Form):
    language = forms.ChoiceField(label=_("language"))
    format = forms.ChoiceField(label=_("format"), choices=[("xliff", "XLIFF 2.0"),
                                                           ("xlsx", "Excel (.xlsx)")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices(source=False)


class ImportForm(forms.Form):
    format = forms.ChoiceField(label=_("format"), choices=[("xliff", "XLIFF 2.0"),
                                                           ("xlsx", "Excel (.xlsx)")])
    file = forms.FileField(label=_("file"),
                           help_text=_("At most 2 MB; a file exported from this page."))


class GlossaryForm(forms.Form):
    """A term, its flags, and per language the approved and the forbidden equivalents."""

    jurisdiction = forms.ModelChoiceField(label=pgettext_lazy("foreign affairs office", "office"),
                                          queryset=Jurisdiction.objects.none())
    source = forms.CharField(label=_("Chinese term"), max_length=100)
    note = forms.CharField(label=_("note"), max_length=300, required=False)
    do_not_translate = forms.BooleanField(label=_("do not translate"), required=False)

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["jurisdiction"]
        else:
            offices = (_offices(actor, Action.PROOFREAD) | _offices(actor, Action.CONFIGURE))
            self.fields["jurisdiction"].queryset = offices.distinct()
        for code, name in _language_choices(source=False):
            self.fields[f"approved_{code}"] = forms.CharField(
                label=name, required=False, max_length=600,
                help_text=_("Approved equivalents, separated by “;”."))
            self.fields[f"forbidden_{code}"] = forms.CharField(
                label=_("%(language)s: forbidden") % {"language": name}, required=False,
                max_length=600)

    @staticmethod
    def _split(value: str) -> list[str]:
        return [part.strip() for part in (value or "").split(";") if part.strip()]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "source": data["source"], "note": data.get("note", ""),
            "do_not_translate": data.get("do_not_translate", False),
            "equivalents": {code: self._split(data.get(f"approved_{code}", ""))
                            for code in target_languages()},
            "forbidden": {code: self._split(data.get(f"forbidden_{code}", ""))
                          for code in target_languages()},
        }

    def language_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"approved_{code}"], self[f"forbidden_{code}"])
                for code in target_languages()]


PERSONAL_KINDS = [(k, label) for k, label in DocumentKind.choices if KIND_SPECS[k].personal]


class IssueForm(forms.Form):
    """Issue one document for a person typed in by hand (other apps issue from records)."""

    kind = forms.ChoiceField(label=_("kind"), choices=PERSONAL_KINDS,
                             initial=DocumentKind.END_CERTIFICATE)
    language = forms.ChoiceField(label=_("reader's language"), initial="en")
    bilingual = forms.BooleanField(label=_("bilingual (Chinese and the reader's language)"),
                                   required=False, initial=True)
    jurisdiction = forms.ModelChoiceField(label=_("jurisdiction of the person"),
                                          queryset=Jurisdiction.objects.order_by("code"))
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=200)
    document_number = forms.CharField(
        label=_("identity document number"), max_length=40, required=False,
        help_text=_("Printed masked; the full number is not stored."))
    nationality = forms.CharField(label=_("nationality"), max_length=100, required=False)
    start_date = forms.DateField(label=_("first day of observation"), required=False,
                                 widget=widgets.DateInput())
    end_date = forms.DateField(label=_("last day of observation"), required=False,
                               widget=widgets.DateInput())
    hotel = forms.CharField(label=_("observation hotel"), max_length=200, required=False)
    room = forms.CharField(label=_("room"), max_length=40, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    community = forms.CharField(label=_("community"), max_length=100, required=False)

    CONTEXT_FIELDS = ("name", "document_number", "nationality", "start_date", "end_date",
                      "hotel", "room", "address", "community")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices()
        restrict_form_fields(self, actor, Action.CHANGE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data[
                "start_date"]:
            self.add_error("end_date", _("the last day is before the first day"))
        return data

    def context(self) -> dict[str, Any]:
        data = self.cleaned_data
        context = {k: data[k] for k in self.CONTEXT_FIELDS if data.get(k)}
        context["jurisdiction_code"] = data["jurisdiction"].code
        return context


class BatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=PERSONAL_KINDS,
                             initial=DocumentKind.END_CERTIFICATE)
    language_policy = forms.ChoiceField(label=_("language"), initial="person")
    bilingual = forms.BooleanField(label=_("bilingual (Chinese and the reader's language)"),
                                   required=False, initial=True)
    output = forms.ChoiceField(label=_("output"), choices=BatchOutput.choices,
                               initial=BatchOutput.ZIP)
    jurisdiction = forms.ModelChoiceField(
        label=_("jurisdiction"), queryset=Jurisdiction.objects.order_by("code"),
        help_text=_("Used for rows without a jurisdiction_code column."))
    file = forms.FileField(
        label=_("list of people (.csv or .xlsx)"),
        help_text=_("Columns: name, document_number, nationality, start_date, end_date, hotel, "
                    "room, address, community, language, jurisdiction_code. At most 2 MB."))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language_policy"].choices = [("person", _("each person's own language"))] + (
            _language_choices())
        restrict_form_fields(self, actor, Action.CHANGE)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


class PrintRunForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=pgettext_lazy("foreign affairs office", "office"),
        queryset=Jurisdiction.objects.filter(level__in=OFFICE_LEVELS))
    kind = forms.ChoiceField(label=_("kind"), choices=ISSUABLE_CHOICES,
                             initial=DocumentKind.POSTER)
    languages = forms.MultipleChoiceField(label=_("languages"),
                                          widget=forms.CheckboxSelectMultiple)
    quantity = forms.IntegerField(label=_("copies"), min_value=1, max_value=10_000_000)
    printed_on = forms.DateField(label=_("printed on"), required=False,
                                 widget=widgets.DateInput())
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)
        self.fields["languages"].choices = _language_choices()


class DistributionForm(forms.Form):
    place = forms.ModelChoiceField(label=_("place"), queryset=Place.objects.all(),
                                   required=False)
    target = forms.ModelChoiceField(label=_("or a jurisdiction"),
                                    queryset=Jurisdiction.objects.all(), required=False)
    quantity = forms.IntegerField(label=_("copies"), min_value=1)
    distributed_on = forms.DateField(label=_("handed over on"), required=False,
                                     widget=widgets.DateInput())
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Any, office_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.VIEW)
        self.fields["place"].queryset = self.fields["place"].queryset.filter(
            jurisdiction_code__startswith=office_code).order_by("name")
        self.fields["target"].queryset = self.fields["target"].queryset.filter(
            code__startswith=office_code).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("place")) == bool(data.get("target")):
            raise forms.ValidationError(_("choose either a place or a jurisdiction"))
        return data


class ProofreadCreateForm(forms.ModelForm):
    text = forms.CharField(label=_("text"), required=False, max_length=50_000,
                           widget=forms.Textarea(attrs={"rows": 14, "class": "wide"}))
    file = forms.FileField(label=_("or upload a .txt file"), required=False)

    class Meta:
        model = ProofreadRequest
        fields = ["place", "title", "language"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)
        self.fields["place"].queryset = self.fields["place"].queryset.filter(
            kind__in=[PlaceKind.OBSERVATION_HOTEL, PlaceKind.LODGING_HOTEL])
        self.fields["language"] = forms.ChoiceField(label=_("language"), initial="en",
                                                    choices=_language_choices(source=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("text") and not data.get("file"):
            raise forms.ValidationError(_("paste the text or upload a file"))
        return data


class ProofreadEditForm(forms.Form):
    corrected_text = forms.CharField(label=_("corrected text"), max_length=50_000,
                                     widget=forms.Textarea(attrs={"rows": 16, "class": "wide"}))


class ProofreadCommentForm(forms.Form):
    paragraph = forms.TypedChoiceField(label=_("paragraph"), required=False, coerce=int,
                                       empty_value=None)
    text = forms.CharField(label=_("comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, paragraphs: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paragraph"].choices = [("", _("the whole text"))] + [
            (str(i), _("paragraph %(n)s") % {"n": i + 1}) for i in range(paragraphs)]


class OfficeProfileForm(forms.Form):
    phone = forms.CharField(label=_("telephone"), max_length=40, required=False)
    seal = forms.FileField(label=_("seal image (PNG or JPEG, at most 1 MB)"), required=False)
    clear_seal = forms.BooleanField(label=_("remove the seal image (print the demo seal)"),
                                    required=False)
