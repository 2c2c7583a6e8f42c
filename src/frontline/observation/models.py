"""Medical observation: hotels' rooms, observation periods (in a hotel or at home), the policy
that sets their length, daily health checks, alerts, personal self-report links and purges.

Scope: an observation belongs to the jurisdiction responsible for the person (a street or a
community: `jurisdiction_code`) and, when centralised, to its hotel (`hotel`), so hotel duty
staff see their guests and the street sees its people wherever they stay. Health checks and
alerts copy both from their observation, so lists filter on one indexed table.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.core.models import ScopedModel

TEMPERATURE_MIN, TEMPERATURE_MAX = 34, 43


class RoomKind(models.TextChoices):
    SINGLE = "single", _("single room")
    DOUBLE = "double", _("double room")
    FAMILY = "family", _("family room")


class RoomStatus(models.TextChoices):
    FREE = "free", pgettext_lazy("room", "free")
    OCCUPIED = "occupied", pgettext_lazy("room", "occupied")
    CLEANING = "cleaning", pgettext_lazy("room", "cleaning")
    OUT_OF_SERVICE = "out_of_service", pgettext_lazy("room", "out of service")


class Room(ScopedModel):
    """A room of an observation hotel; `beds` people can share it (a family stays together)."""

    scope_place_field = "hotel"

    hotel = models.ForeignKey("areas.Place", verbose_name=_("hotel"), on_delete=models.PROTECT,
                              related_name="rooms")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    number = models.CharField(pgettext_lazy("room", "number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), default=1)
    kind = models.CharField(_("room type"), max_length=10, choices=RoomKind.choices,
                            default=RoomKind.SINGLE)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1,
                                            validators=[MinValueValidator(1),
                                                        MaxValueValidator(8)])
    status = models.CharField(_("status"), max_length=20, choices=RoomStatus.choices,
                              default=RoomStatus.FREE)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["hotel_id", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["hotel", "number"],
                                               name="observation_room_unique")]
        indexes = [models.Index(fields=["jurisdiction_code", "hotel", "floor"],
                                name="observation_room_scope")]

    def __str__(self) -> str:
        return f"{self.hotel} {self.number}"


class ObservationPolicy(ScopedModel):
    """How long observation lasts and how often checks are due, from a date on.

    The policy in force on an observation's start date sets its length once, at the start: a
    later policy never rewrites an observation already running."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    days = models.PositiveSmallIntegerField(
        _("days of observation"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    checks_per_day = models.PositiveSmallIntegerField(
        _("health checks a day"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)])
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True,
                                    help_text=_("The first day it no longer applies."))
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("observation policy")
        verbose_name_plural = _("observation policies")
        ordering = ["jurisdiction_code", "-effective_from"]

    def __str__(self) -> str:
        return _("%(days)s days from %(date)s") % {"days": self.days,
                                                  "date": self.effective_from}


class ObservationKind(models.TextChoices):
    CENTRALISED = "centralised", _("centralised (hotel)")
    HOME = "home", _("at home")


class ObservationStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("observation", "active")
    COMPLETED = "completed", pgettext_lazy("observation", "completed")
    HOSPITAL = "hospital", _("transferred to hospital")
    MOVED = "moved", _("moved to another jurisdiction")
    ENDED_EARLY = "ended_early", _("ended early")


CLOSED_STATUSES = [s for s in ObservationStatus.values if s != ObservationStatus.ACTIVE]


class Observation(ScopedModel):
    """One period of medical observation of one person."""

    scope_place_field = "hotel"

    person = models.ForeignKey("people.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="observations")
    kind = models.CharField(_("kind"), max_length=12, choices=ObservationKind.choices)
    jurisdiction = models.ForeignKey(
        "areas.Jurisdiction", verbose_name=_("responsible jurisdiction"),
        on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    hotel = models.ForeignKey("areas.Place", verbose_name=_("hotel"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="observations")
    address = models.CharField(_("address of home observation"), max_length=300, blank=True)
    start_date = models.DateField(_("start"))
    policy = models.ForeignKey(ObservationPolicy, verbose_name=_("policy"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("days set by the policy"))
    adjustment_days = models.SmallIntegerField(_("days added or removed"), default=0)
    end_date = models.DateField(_("planned end"),
                                help_text=_("The last day of observation."))
    checks_per_day = models.PositiveSmallIntegerField(_("health checks a day"), default=2)
    # The latest (day, slot) with a check, as `slot_ordinal`; 0 when none. Kept by the check
    # services so the overdue list is a comparison, not a search through the checks.
    last_check = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=ObservationStatus.choices,
                              default=ObservationStatus.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for the end"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    transfer_to = models.ForeignKey(
        "areas.Jurisdiction", verbose_name=_("transfer requested to"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    transfer_to_code = models.CharField(max_length=12, blank=True, editable=False)
    transfer_reason = models.CharField(_("reason for the transfer"), max_length=300,
                                       blank=True)
    certificate = models.ForeignKey("documents.IssuedDocument", verbose_name=_("certificate"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    source = models.CharField(_("source"), max_length=40, blank=True,
                              help_text=_("Where the observation came from, e.g. an arrival."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["end_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"),
                                    name="observation_one_active_per_person"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="observation_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "status", "end_date"],
                         name="observation_scope"),
            models.Index(fields=["status", "checks_per_day", "last_check"],
                         name="observation_last_check"),
            models.Index(fields=["hotel", "status", "end_date"], name="observation_hotel"),
            models.Index(fields=["status", "closed_at"], name="observation_closed"),
            models.Index(fields=["transfer_to_code"], name="observation_transfer",
                         condition=~Q(transfer_to_code="")),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.start_date}–{self.end_date}"

    @property
    def is_active(self) -> bool:
        return self.status == ObservationStatus.ACTIVE

    def day_number(self, day: datetime.date) -> int:
        """1 on the first day of observation."""
        return (day - self.start_date).days + 1


EPOCH = datetime.date(2000, 1, 1)


def slot_ordinal(day: datetime.date, slot: int) -> int:
    """A number that orders (day, slot) pairs: later checks have larger numbers."""
    return (day - EPOCH).days * 4 + slot + 1


class Adjustment(ScopedModel):
    """An extension (positive days) or reduction (negative) of one observation, with why."""

    scope_place_field = "hotel"

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE,
                                    related_name="adjustments")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    hotel = models.ForeignKey("areas.Place", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    days = models.SmallIntegerField(_("days"))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["created_at", "id"]


class Symptom(models.TextChoices):
    COUGH = "cough", _("cough")
    SORE_THROAT = "sore_throat", _("sore throat")
    BREATH = "breath", _("shortness of breath")
    FATIGUE = "fatigue", _("fatigue")
    DIARRHOEA = "diarrhoea", _("diarrhoea")
    SMELL_TASTE = "smell_taste", _("loss of smell or taste")
    OTHER = "other", _("other symptom")


class CheckSource(models.TextChoices):
    STAFF = "staff", _("staff")
    SELF = "self", _("self-report")
    API = "api", _("API")


class HealthCheck(ScopedModel):
    """One temperature-and-symptoms check of one observation, for one slot of one day."""

    scope_place_field = "hotel"

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE,
                                    related_name="checks")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    hotel = models.ForeignKey("areas.Place", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    day = models.DateField(_("day"))
    slot = models.PositiveSmallIntegerField(_("check of the day"))
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1,
        validators=[MinValueValidator(TEMPERATURE_MIN), MaxValueValidator(TEMPERATURE_MAX)])
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=CheckSource.choices,
                              default=CheckSource.STAFF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-day", "-slot", "id"]
        constraints = [models.UniqueConstraint(fields=["observation", "day", "slot"],
                                               name="observation_check_once")]
        indexes = [models.Index(fields=["jurisdiction_code", "day"], name="observation_check_scope")]

    @property
    def is_abnormal(self) -> bool:
        return bool(self.symptoms) or self.temperature >= fever_threshold()


def fever_threshold():
    from decimal import Decimal

    return Decimal(str(settings.OBSERVATION_FEVER_C))


class AlertKind(models.TextChoices):
    FEVER = "fever", _("fever")
    SYMPTOMS = "symptoms", _("symptoms")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLOSED = "closed", pgettext_lazy("alert", "closed")


class Alert(ScopedModel):
    """A fever or symptoms found by a check, until someone acknowledges and closes it."""

    scope_place_field = "hotel"

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE,
                                    related_name="alerts")
    check_record = models.ForeignKey(HealthCheck, verbose_name=_("health check"),
                                     on_delete=models.CASCADE, related_name="alerts")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    hotel = models.ForeignKey("areas.Place", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(pgettext_lazy("alert", "closed"), null=True, blank=True)
    note = models.CharField(_("what was done"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["check_record", "kind"],
                                               name="observation_alert_once")]
        indexes = [models.Index(fields=["jurisdiction_code", "status"], name="observation_alert_scope"),
                   models.Index(fields=["hotel", "status"], name="observation_alert_hotel")]


class SelfReportLink(ScopedModel):
    """A personal link with which the person reports their own checks, without an account.

    Only a hash of the secret is stored; the link ends with the observation (or when revoked).
    """

    scope_place_field = "hotel"

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE,
                                    related_name="links")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    hotel = models.ForeignKey("areas.Place", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-report link")
        verbose_name_plural = _("self-report links")
        ordering = ["-created_at"]


class PurgeRun(ScopedModel):
    """One run (or dry run) of the retention purge, with what it found and did."""

    jurisdiction_code = models.CharField(max_length=12, editable=False)
    dry_run = models.BooleanField(_("dry run"))
    older_than_days = models.PositiveSmallIntegerField(_("closed more than … days ago"))
    people = models.PositiveIntegerField(_("people"), default=0)
    observations = models.PositiveIntegerField(_("observations"), default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-created_at"]
