"""Forms of the transfer-point pages; choice lists are restricted to what the user may use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Jurisdiction, Level, Place
from frontline.arrivals import selectors
from frontline.arrivals.models import ArrivalCategory, Disposition, Symptom, TravelMode
from frontline.core import widgets
from frontline.core.choices import country_choices
from frontline.core.models import code_prefix_q
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.people.models import DocumentType, Sex

DATE = widgets.DateInput()


def destination_queryset(actor: Any):
    """Communities and streets of the desk's offices, and every district (for transfers)."""
    offices = {p.jurisdiction_code[:6] for p in selectors.transfer_points(
        actor=actor, action=Action.VIEW)}
    scope = actor.scope_for(Action.VIEW)
    offices |= {c[:6] for c in scope.codes if len(c) >= 6}
    q = Q(level=Level.DISTRICT)
    for code in offices:
        q |= code_prefix_q("code", code) & Q(level__in=[Level.STREET, Level.COMMUNITY])
    if scope.everything:
        q = Q()
    return Jurisdiction.objects.filter(q, is_active=True).order_by("code")  # scoped-ok: the
    # names of destinations are not personal data; the service checks what is chosen.


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Scan the QR code or type the short code"), max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off",
                                      "spellcheck": "false", "class": "mono scan"}))


class DeskRegistrationForm(forms.Form):
    mrz = forms.CharField(
        label=_("MRZ (the two or three lines at the bottom of the passport)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "spellcheck": "false",
                                     "autocomplete": "off"}))
    family_name = forms.CharField(label=_("family name"), max_length=100, required=False)
    given_names = forms.CharField(label=_("given names"), max_length=150, required=False)
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices, initial=Sex.UNSPECIFIED)
    birth_date = forms.DateField(label=_("date of birth"), required=False, widget=DATE)
    nationality = forms.ChoiceField(label=_("nationality"), required=False)
    doc_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices)
    doc_number = forms.CharField(label=_("document number"), max_length=40, required=False)
    doc_country = forms.ChoiceField(label=_("issuing country"), required=False)
    doc_expiry = forms.DateField(label=_("expiry date"), required=False, widget=DATE)
    travel_mode = forms.ChoiceField(label=_("travel mode"), choices=TravelMode.choices)
    carrier_number = forms.CharField(label=_("flight or train number"), max_length=12,
                                     required=False)
    travel_date = forms.DateField(label=_("arrival date"), widget=DATE)
    seat = forms.CharField(label=_("seat"), max_length=8, required=False)
    departure_country = forms.ChoiceField(label=_("departure country"), required=False)
    visited_countries = forms.MultipleChoiceField(
        label=_("countries visited in the past 14 days"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}))
    destination = forms.ModelChoiceField(label=_("destination"), queryset=Jurisdiction.objects
                                         .none(), required=False)
    destination_address = forms.CharField(label=_("destination address"), max_length=300,
                                          required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("language"), choices=settings.TRAVELLER_LANGUAGES,
                                 initial="en")
    categories = forms.MultipleChoiceField(
        label=_("categories"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(ArrivalCategory.DIPLOMAT.value, ArrivalCategory.DIPLOMAT.label)])
    symptoms = forms.MultipleChoiceField(label=_("symptoms"), choices=Symptom.choices,
                                         required=False, widget=forms.CheckboxSelectMultiple)
    temperature = forms.DecimalField(label=_("temperature (°C)"), required=False,
                                     max_digits=4, decimal_places=1)
    guardian_name = forms.CharField(label=_("guardian (for a child under 14)"), max_length=150,
                                    required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("nationality", "doc_country", "departure_country"):
            self.fields[name].choices = country_choices()
        self.fields["visited_countries"].choices = country_choices(blank=False)
        self.fields["destination"].queryset = destination_queryset(actor)
        self.fields["destination"].label_from_instance = lambda j: f"{j.code} {j.name}"

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        destination = data.pop("destination", None)
        if destination is not None:
            data["destination"] = destination
        if not data.get("mrz"):
            data.pop("mrz", None)
        return data


class CheckInForm(forms.Form):
    pass_text = forms.CharField(widget=forms.HiddenInput, required=False)
    mrz = forms.CharField(
        label=_("Verify: scan the MRZ of the document shown"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono", "spellcheck": "false",
                                     "autocomplete": "off", "autofocus": True}))
    destination = forms.ModelChoiceField(label=_("destination"),
                                         queryset=Jurisdiction.objects.none())
    disposition = forms.ChoiceField(label=_("disposition"), choices=Disposition.choices)
    hotel = forms.ModelChoiceField(label=_("observation hotel"), queryset=Place.objects.none(),
                                   required=False)
    override_reason = forms.CharField(
        label=_("reason for overriding the suggestion"), max_length=300, required=False)
    nationality = forms.ChoiceField(
        label=_("nationality"), required=True,
        help_text=_("Missing from the registration: read it from the document shown."))

    def __init__(self, *args, actor, ask_nationality=False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_nationality:
            self.fields["nationality"].choices = country_choices()
        else:
            del self.fields["nationality"]
        self.fields["destination"].queryset = destination_queryset(actor)
        self.fields["destination"].label_from_instance = lambda j: f"{j.code} {j.name}"
        self.fields["hotel"].queryset = selectors.hotels(actor=actor)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


class RuleForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("office"), queryset=Jurisdiction.objects.all())
    name = forms.CharField(label=_("name"), max_length=200)
    priority = forms.IntegerField(label=_("priority"), min_value=0, max_value=100000,
                                  initial=100, help_text=_("Smaller numbers are tried first."))
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)
    effective_to = forms.DateField(label=_("effective until"), required=False, widget=DATE)
    destination_prefix = forms.CharField(label=_("destination division code starts with"),
                                         max_length=12, required=False)
    countries = forms.MultipleChoiceField(label=_("visited any of these countries"),
                                          required=False,
                                          widget=forms.SelectMultiple(attrs={"size": 6}))
    categories = forms.MultipleChoiceField(label=_("has any of these categories"),
                                           choices=ArrivalCategory.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    disposition = forms.ChoiceField(label=_("disposition"), choices=Disposition.choices)
    hotel = forms.ModelChoiceField(label=_("observation hotel"), queryset=Place.objects.all(),
                                   required=False)
    transfer_to = forms.ModelChoiceField(
        label=_("transfer to district"), required=False,
        queryset=Jurisdiction.objects.filter(level=Level.DISTRICT))
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = country_choices(blank=False)
        restrict_form_fields(self, actor, Action.CONFIGURE)
        self.fields["hotel"].queryset = Place.objects.restrict(actor, Action.VIEW).filter(
            kind="observation_hotel")
        self.fields["transfer_to"].queryset = Jurisdiction.objects.filter(  # scoped-ok: names
            level=Level.DISTRICT)


class ImportForm(forms.Form):
    transfer_point = forms.ModelChoiceField(label=_("transfer point"),
                                            queryset=Place.objects.none())
    file = forms.FileField(label=_("arrival list (.xlsx or .csv)"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer_point"].queryset = selectors.transfer_points(actor=actor)


class ReferenceForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("office"), queryset=Jurisdiction.objects.all())
    title = forms.CharField(label=_("document"), max_length=200)
    title_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    description = forms.CharField(label=_("how to recognise it"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    exempts = forms.CharField(label=_("what it exempts"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    disposition = forms.ChoiceField(label=_("usual disposition"), required=False,
                                    choices=[("", "—"), *Disposition.choices])
    order = forms.IntegerField(label=_("order"), min_value=0, initial=100)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)
