"""The traveller's registration form: every label and message is in the portal's catalogs (13
languages); field errors of Django's own fields come from Django's catalogs."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from frontline.areas.apps import JURISDICTIONS, PLACES
from frontline.areas.romanise import romanised
from frontline.arrivals import selectors
from frontline.core import refcache, widgets
from frontline.core.choices import country_choices

FORM_SALT = "frontline.portal.form"
MIN_FILL_SECONDS = 2
MAX_FORM_AGE = 4 * 3600
VISITED_FIELDS = ("visited_1", "visited_2", "visited_3", "visited_4")

TRAVEL_MODES = [("flight", pgettext_lazy("portal", "Flight")),
                ("train", pgettext_lazy("portal", "Train")),
                ("other", pgettext_lazy("portal", "Other"))]
SEXES = [("F", pgettext_lazy("portal", "Female")), ("M", pgettext_lazy("portal", "Male")),
         ("X", pgettext_lazy("portal", "Unspecified"))]
DOC_TYPES = [("passport", pgettext_lazy("portal", "Passport")),
             ("hk_macau_permit", pgettext_lazy("portal", "Travel permit (Hong Kong / Macau)")),
             ("taiwan_permit", pgettext_lazy("portal", "Travel permit (Taiwan)")),
             ("diplomatic_id", pgettext_lazy("portal", "Diplomatic or consular ID")),
             ("other", pgettext_lazy("portal", "Other document"))]
SYMPTOMS = [("fever", pgettext_lazy("portal", "Fever")),
            ("cough", pgettext_lazy("portal", "Cough")),
            ("breath", pgettext_lazy("portal", "Shortness of breath")),
            ("fatigue", pgettext_lazy("portal", "Fatigue")),
            ("taste", pgettext_lazy("portal", "Loss of taste or smell")),
            ("diarrhoea", pgettext_lazy("portal", "Diarrhoea"))]
DATE = widgets.DateInput()


def form_token() -> str:
    """A signed time stamp the form carries: a post sooner than a person can type, or much
    later, is refused (with the hidden honeypot field, this replaces a captcha)."""
    return signing.TimestampSigner(salt=FORM_SALT).sign(str(int(timezone.now().timestamp())))


def form_token_ok(token: str) -> bool:
    try:
        issued = int(signing.TimestampSigner(salt=FORM_SALT).unsign(token or "",
                                                                    max_age=MAX_FORM_AGE))
    except (signing.BadSignature, ValueError):
        return False
    return timezone.now().timestamp() - issued >= MIN_FILL_SECONDS


class RegistrationForm(forms.Form):
    """One traveller. Companions and children register one by one from the pass page."""

    transfer_point = forms.TypedChoiceField(label=pgettext_lazy("portal", "Arrival point"),
                                            coerce=int)
    travel_mode = forms.ChoiceField(label=pgettext_lazy("portal", "Travelling by"),
                                    choices=TRAVEL_MODES, initial="flight",
                                    widget=forms.RadioSelect)
    carrier_number = forms.CharField(label=pgettext_lazy("portal", "Flight or train number"),
                                     max_length=12, required=False)
    travel_date = forms.DateField(label=pgettext_lazy("portal", "Arrival date"), widget=DATE)
    seat = forms.CharField(label=pgettext_lazy("portal", "Seat"), max_length=8, required=False)
    departure_country = forms.ChoiceField(label=pgettext_lazy("portal", "Departure country"),
                                          required=False)
    visited_1 = forms.ChoiceField(
        label=pgettext_lazy("portal", "Countries you stayed in during the past 14 days"),
        required=False)
    # Shown under the first one's label; a screen reader names each by that label too.
    visited_2 = forms.ChoiceField(label="", required=False, widget=forms.Select(attrs={
        "aria-label": pgettext_lazy("portal", "Countries you stayed in during the past 14 days")}))
    visited_3 = forms.ChoiceField(label="", required=False, widget=forms.Select(attrs={
        "aria-label": pgettext_lazy("portal", "Countries you stayed in during the past 14 days")}))
    visited_4 = forms.ChoiceField(label="", required=False, widget=forms.Select(attrs={
        "aria-label": pgettext_lazy("portal", "Countries you stayed in during the past 14 days")}))
    mrz = forms.CharField(
        label=pgettext_lazy("portal", "Document lines (MRZ), optional"), required=False,
        max_length=200,
        help_text=pgettext_lazy("portal", "The two or three lines of letters and < at the "
                                          "bottom of your passport page. If you type them, we "
                                          "fill in your name and document for you."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off",
                                     "class": "mono"}))
    family_name = forms.CharField(label=pgettext_lazy("portal", "Family name (as in your "
                                                                "document)"),
                                  max_length=100, required=False)
    given_names = forms.CharField(label=pgettext_lazy("portal", "Given names"), max_length=150,
                                  required=False)
    sex = forms.ChoiceField(label=pgettext_lazy("portal", "Sex"), choices=SEXES, initial="X")
    birth_date = forms.DateField(label=pgettext_lazy("portal", "Date of birth"), required=False,
                                 widget=DATE)
    nationality = forms.ChoiceField(label=pgettext_lazy("portal", "Nationality"),
                                    required=False)
    doc_type = forms.ChoiceField(label=pgettext_lazy("portal", "Travel document"),
                                 choices=DOC_TYPES, initial="passport")
    doc_number = forms.CharField(label=pgettext_lazy("portal", "Document number"),
                                 max_length=40, required=False)
    doc_country = forms.ChoiceField(label=pgettext_lazy("portal", "Issued by"), required=False)
    doc_expiry = forms.DateField(label=pgettext_lazy("portal", "Valid until"), required=False,
                                 widget=DATE)
    destination = forms.ChoiceField(label=pgettext_lazy("portal", "Destination area (if you "
                                                                  "know it)"), required=False)
    destination_address = forms.CharField(
        label=pgettext_lazy("portal", "Where you will stay in the city (address)"),
        max_length=300, required=False)
    phone = forms.CharField(label=pgettext_lazy("portal", "Phone number, with country code"),
                            max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "tel"}))
    symptoms = forms.MultipleChoiceField(
        label=pgettext_lazy("portal", "Symptoms in the past 14 days"), choices=SYMPTOMS,
        required=False, widget=forms.CheckboxSelectMultiple)
    temperature = forms.DecimalField(label=pgettext_lazy("portal", "Body temperature (°C)"),
                                     required=False, max_digits=4, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1",
                                                                     "inputmode": "decimal"}))
    guardian_name = forms.CharField(
        label=pgettext_lazy("portal", "For a child under 14: name of the parent or guardian"),
        max_length=150, required=False)
    guardian_consent = forms.BooleanField(
        label=pgettext_lazy("portal", "As the parent or guardian, I consent to the processing "
                                      "of this child's personal information."),
        required=False)
    commitment_signed = forms.BooleanField(
        label=pgettext_lazy("portal", "I sign the health commitment above."), required=False)
    sensitive_consent = forms.BooleanField(
        label=pgettext_lazy("portal", "I consent to the processing of my sensitive personal "
                                      "information as described above."),
        required=False)
    # Bot deterrents: a field people never see, and the signed time the form was served.
    website = forms.CharField(required=False, label="",
                              widget=forms.TextInput(attrs={"tabindex": "-1",
                                                            "autocomplete": "off"}))
    ft = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, points: list, destinations: list, editing: bool = False,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.editing = editing
        for name in ("departure_country", "nationality", "doc_country", *VISITED_FIELDS):
            self.fields[name].choices = country_choices()
        self.fields["transfer_point"].choices = [(p.pk, p.name_en or p.name) for p in points]
        if len(points) == 1:
            self.fields["transfer_point"].widget = forms.HiddenInput()
            self.fields["transfer_point"].initial = points[0].pk
        self.fields["destination"].choices = [("", "—"), *[
            (j.code, destination_label(j)) for j in destinations]]
        if editing:
            del self.fields["transfer_point"]
        self.editing = editing

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(pgettext_lazy(
                "portal", "The form could not be accepted. Please try again."), code="honeypot")
        if not self.editing and not form_token_ok(data.get("ft", "")):
            raise forms.ValidationError(pgettext_lazy(
                "portal", "The form expired or was sent too quickly. Please check it and send "
                          "it again."), code="form_token")
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        data.pop("ft", None)
        data.pop("transfer_point", None)
        visited = [data.pop(name, "") for name in VISITED_FIELDS]
        data["visited_countries"] = [v for v in visited if v]
        if not data.get("mrz"):
            data.pop("mrz", None)
        if not data.get("destination") and not self.editing:  # an edit may clear it
            data.pop("destination", None)
        if data.get("temperature") is None:
            data["temperature"] = None
        return data


def initial_from(arrival: Any) -> dict[str, Any]:
    """The edit form's initial values from a registration (the document number stays masked:
    the traveller types it again only to change it)."""
    visited = list(arrival.visited_countries or [])[:4]
    initial = {
        "travel_mode": arrival.travel_mode, "carrier_number": arrival.carrier_number,
        "travel_date": arrival.travel_date, "seat": arrival.seat,
        "departure_country": str(arrival.departure_country or ""),
        "family_name": arrival.family_name, "given_names": arrival.given_names,
        "sex": arrival.sex, "birth_date": arrival.birth_date,
        "nationality": str(arrival.nationality or ""), "doc_type": arrival.doc_type,
        "doc_country": str(arrival.doc_country or ""), "doc_expiry": arrival.doc_expiry,
        "destination": arrival.destination.code if arrival.destination_id else "",
        "destination_address": arrival.destination_address, "phone": arrival.phone,
        "symptoms": arrival.symptoms, "temperature": arrival.temperature,
        "guardian_name": arrival.guardian_name,
        "guardian_consent": bool(arrival.guardian_consent_at),
        "commitment_signed": bool(arrival.commitment_signed_at),
        "sensitive_consent": bool(arrival.sensitive_consent_at),
    }
    for name, value in zip(VISITED_FIELDS, visited, strict=False):
        initial[name] = value
    return initial


def companion_initial(lead: Any) -> dict[str, Any]:
    """A companion travels on the same journey to the same place."""
    keep = ("travel_mode", "carrier_number", "travel_date", "departure_country", "destination",
            "destination_address", "phone", *VISITED_FIELDS)
    base = initial_from(lead)
    return {k: base[k] for k in keep if k in base}


def destination_label(jurisdiction: Any) -> str:
    """A street as a traveller reads it: in Chinese on the Chinese pages; elsewhere its
    English name where the office set one, else its pinyin, with the Chinese that is on the
    signs and in addresses (Donghuamen · 东华门街道)."""
    name = jurisdiction.name
    if (translation.get_language() or "").startswith("zh"):
        return name
    latin = jurisdiction.name_en or romanised(name)
    return f"{latin} · {name}" if latin else name


def public_choices() -> tuple[list, list]:
    """The transfer points and streets the portal offers: read once per process and kept
    while the two tables are unchanged (every registration asks; they change rarely)."""

    def load() -> tuple[list, list]:
        points = selectors.public_transfer_points()
        return points, selectors.public_destinations(points)

    points, destinations = refcache.cached_on("portal.public_choices",
                                              [PLACES, JURISDICTIONS], load)
    # The chosen point goes into a new arrival: a copy. The streets only label choices.
    return [copy.copy(p) for p in points], list(destinations)

