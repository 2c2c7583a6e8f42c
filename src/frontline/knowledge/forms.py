"""Forms of the knowledge pages: note versions, policies, FAQ, booklets and training."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.knowledge.models import (
    LANGUAGES,
    NOTE_SECTIONS,
    Audience,
    Booklet,
    CountryNote,
    Language,
    Policy,
)

DATE = widgets.DateInput()
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _lang_label(language: str, label) -> str:
    return f"{label} · {dict(Language.choices)[language]}"


class NoteForm(forms.Form):
    """A new version of a country's note, both languages side by side."""

    country = forms.ChoiceField(label=_("country"), choices=list(countries))
    name_zh = forms.CharField(label=pgettext_lazy("country note", "Chinese name"), max_length=100,
                              required=False)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    embassy_phone = forms.CharField(label=_("embassy phone"), max_length=60, required=False)
    embassy_website = forms.URLField(label=_("embassy website"), required=False,
                                       assume_scheme="https")
    change_summary = forms.CharField(label=_("what changed"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for language in LANGUAGES:
            for key, label in NOTE_SECTIONS:
                self.fields[f"{language}__{key}"] = forms.CharField(
                    label=_lang_label(language, label), required=False, widget=TEXTAREA)

    def texts(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {language: {key: data.get(f"{language}__{key}", "") for key, _l in NOTE_SECTIONS}
                for language in LANGUAGES}


class PolicyForm(forms.Form):
    code = forms.SlugField(label=_("reference"), max_length=60)
    source = forms.CharField(label=_("source"), max_length=200)
    source_url = forms.URLField(label=_("source address"), required=False,
                                  assume_scheme="https")
    effective_from = forms.DateField(label=_("in force from"), widget=DATE)
    supersedes = forms.ModelChoiceField(label=_("supersedes"), required=False,
                                        queryset=Policy.objects.filter(superseded_on__isnull=True))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for language in LANGUAGES:
            self.fields[f"{language}__title"] = forms.CharField(
                label=_lang_label(language, _("title")), max_length=300, required=False)
            self.fields[f"{language}__summary"] = forms.CharField(
                label=_lang_label(language, _("summary")), required=False, widget=TEXTAREA)
            self.fields[f"{language}__full_text"] = forms.CharField(
                label=_lang_label(language, _("full text")), required=False,
                widget=forms.Textarea(attrs={"rows": 8}))

    def texts(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {language: {k: data.get(f"{language}__{k}", "") for k in
                           ("title", "summary", "full_text")} for language in LANGUAGES}


class FaqForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for language in LANGUAGES:
            self.fields[f"{language}__question"] = forms.CharField(
                label=_lang_label(language, _("question")), required=False, widget=TEXTAREA)
            self.fields[f"{language}__answer"] = forms.CharField(
                label=_lang_label(language, _("answer")), required=False,
                widget=forms.Textarea(attrs={"rows": 5}))

    def texts(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {language: {k: data.get(f"{language}__{k}", "") for k in ("question", "answer")}
                for language in LANGUAGES}


class BookletForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    notes = forms.ModelMultipleChoiceField(label=_("countries"), required=False,
                                           queryset=CountryNote.objects.all(),
                                           widget=forms.CheckboxSelectMultiple)
    policies = forms.ModelMultipleChoiceField(
        label=_("policies"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Policy.objects.filter(superseded_on__isnull=True).prefetch_related("texts"))


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("date and time"),
                                    widget=widgets.DateTimeInput())
    location = forms.CharField(label=_("where the session is held"), max_length=200)
    audience = forms.ChoiceField(label=_("audience"), choices=Audience.choices)
    place = forms.ModelChoiceField(
        label=_("team's place"), required=False,
        queryset=Place.objects.filter(kind__in=[PlaceKind.OBSERVATION_HOTEL,
                                                PlaceKind.LODGING_HOTEL,
                                                PlaceKind.TRANSFER_POINT], is_active=True))
    jurisdiction = forms.ModelChoiceField(
        label=_("team's street"), required=False,
        queryset=Jurisdiction.objects.filter(level=Level.STREET, is_active=True))
    trainer = forms.CharField(label=_("trainer"), max_length=100)
    notes = forms.ModelMultipleChoiceField(label=_("country notes"), required=False,
                                           queryset=CountryNote.objects.all(),
                                           widget=forms.CheckboxSelectMultiple)
    policies = forms.ModelMultipleChoiceField(
        label=_("policies"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Policy.objects.filter(superseded_on__isnull=True).prefetch_related("texts"))
    booklets = forms.ModelMultipleChoiceField(label=_("booklets"), required=False,
                                              queryset=Booklet.objects.all(),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            restrict_form_fields(self, actor, Action.CHANGE)
