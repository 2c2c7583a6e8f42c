"""Forms of the observation pages; every choice list is restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.observation.models import (
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    ObservationKind,
    ObservationStatus,
    Room,
    RoomKind,
    RoomStatus,
    Symptom,
)

DATE = widgets.DateInput()


class StartForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("kind"), choices=ObservationKind.choices,
                             widget=forms.RadioSelect, initial=ObservationKind.CENTRALISED)
    jurisdiction = forms.ModelChoiceField(
        label=_("responsible jurisdiction"),
        queryset=Jurisdiction.objects.filter(level__in=[Level.STREET, Level.COMMUNITY],
                                             is_active=True),
        help_text=_("The street or community that follows this person."))
    start_date = forms.DateField(label=_("start"), widget=DATE)
    hotel = forms.ModelChoiceField(
        label=_("hotel"), required=False,
        queryset=Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL, is_active=True))
    room = forms.ModelChoiceField(label=_("room"), required=False,
                                  queryset=Room.objects.filter(status=RoomStatus.FREE))
    address = forms.CharField(label=_("address of home observation"), max_length=300,
                              required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.VIEW)
        self.fields["room"].queryset = self.fields["room"].queryset.select_related("hotel")
        self.fields["room"].label_from_instance = lambda r: f"{r.hotel} · {r.number}"
        if not self.is_bound and not self.fields["hotel"].queryset.exists():
            # Nobody here runs an observation hotel (a community): home is what they start.
            self.initial.setdefault("kind", ObservationKind.HOME)


class AdjustForm(forms.Form):
    days = forms.IntegerField(label=_("days to add (negative to shorten)"), min_value=-60,
                              max_value=60)
    reason = forms.CharField(label=_("reason"), max_length=300)


class EndForm(forms.Form):
    status = forms.ChoiceField(label=_("how it ends"), choices=[
        c for c in ObservationStatus.choices if c[0] != ObservationStatus.ACTIVE])
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class TransferForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("transfer to"),
        queryset=Jurisdiction.objects.filter(is_active=True, level__in=[
            Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("code"),
        to_field_name="code", widget=forms.TextInput(attrs={
            "placeholder": _("division code, e.g. 110102001"), "inputmode": "numeric",
            "list": "transfer-targets", "autocomplete": "off"}),
        error_messages={"invalid_choice": _(
            "No district, street or community in use has this code: choose one from the "
            "list or type its 6-, 9- or 12-digit code.")})
    reason = forms.CharField(label=_("reason"), max_length=300)


class MoveForm(forms.Form):
    room = forms.ModelChoiceField(label=_("new room"), queryset=Room.objects.none())

    def __init__(self, *args, observation=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if observation is not None and observation.hotel_id:
            self.fields["room"].queryset = (
                Room.objects.restrict(actor, Action.CHANGE)
                .filter(hotel_id=observation.hotel_id)
                .exclude(status__in=[RoomStatus.OUT_OF_SERVICE, RoomStatus.CLEANING])
                .exclude(pk=observation.room_id))


class CheckForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("temperature (°C)"), max_digits=3, decimal_places=1, min_value=TEMPERATURE_MIN,
        max_value=TEMPERATURE_MAX,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("symptoms"), choices=Symptom.choices,
                                         required=False, widget=forms.CheckboxSelectMultiple)


class CheckCorrectForm(CheckForm):
    reason = forms.CharField(label=_("why the check is corrected"), max_length=300,
                             min_length=4)


class CheckWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("why the check is withdrawn"), max_length=300,
                             min_length=4)


class RoomForm(forms.Form):
    number = forms.CharField(label=pgettext_lazy("room", "number"), max_length=20)
    floor = forms.IntegerField(label=_("floor"), min_value=-5, max_value=200, initial=1)
    kind = forms.ChoiceField(label=_("room type"), choices=RoomKind.choices)
    beds = forms.IntegerField(label=_("beds"), min_value=1, max_value=8, initial=1)


class PolicyForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=_("jurisdiction"), queryset=Jurisdiction.objects.filter(
            level__in=[Level.CITY, Level.DISTRICT, Level.STREET], is_active=True))
    days = forms.IntegerField(label=_("days of observation"), min_value=1, max_value=60,
                              initial=14)
    checks_per_day = forms.IntegerField(label=_("health checks a day"), min_value=1,
                                        max_value=4, initial=2)
    effective_from = forms.DateField(label=_("in force from"), widget=DATE)
    effective_to = forms.DateField(label=_("in force until"), required=False, widget=DATE)
    note = forms.CharField(label=_("source or note"), max_length=300, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)


class AlertCloseForm(forms.Form):
    note = forms.CharField(label=_("what was done"), max_length=300)


class PurgeForm(forms.Form):
    older_than_days = forms.IntegerField(label=_("closed more than … days ago"), min_value=1,
                                         max_value=3650)
    confirm = forms.BooleanField(label=_("Remove the personal data now (not a dry run)"),
                                 required=False)
