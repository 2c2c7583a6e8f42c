"""Arrivals (入境人员): pre-registrations, transfer-point check-ins, sorting rules, hand-over
batches and the office's reference of diplomatic identity documents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from frontline.core.models import RestrictedQuerySet, ScopedModel, code_prefix_q, scope_for
from frontline.core.permissions import Action, Scope


class InTransitQuerySet(RestrictedQuerySet):
    """Scoped by the destination's division code, by the destination place (an observation
    hotel) and, while in transit, by the registering desk (`desk_place`, cleared on receipt).

    A row is visible to the desk that registered it until its destination acknowledges the
    hand-over, and afterwards only to the destination (DESIGN.md).
    """

    def restrict(self, user: Any, action: Action | str = Action.VIEW) -> InTransitQuerySet:
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        if scope.everything:
            qs = self.all()
        else:
            q = Q(pk__in=[])
            for code in sorted(scope.codes):
                q |= code_prefix_q("jurisdiction_code", code)
            if scope.place_ids:
                places = sorted(scope.place_ids)
                q |= Q(desk_place_id__in=places) | Q(destination_place_id__in=places)
            qs = self.filter(q)
        qs._restricted = True  # noqa: SLF001 - marks the queryset for the base views' check
        return qs


class InTransitModel(ScopedModel):
    """Abstract base of the rows scoped like arrivals (see InTransitQuerySet)."""

    scope_place_field = "desk_place"
    objects = InTransitQuerySet.as_manager()

    class Meta:
        abstract = True

    def within(self, scope: Scope) -> bool:
        """InTransitQuerySet.restrict's test on this row's values."""
        return scope.covers_code(self.jurisdiction_code) or scope.covers_place(
            self.desk_place_id) or scope.covers_place(self.destination_place_id)


class TravelMode(models.TextChoices):
    FLIGHT = "flight", _("flight")
    TRAIN = "train", _("train")
    OTHER = "other", pgettext_lazy("travel mode", "other")


class Disposition(models.TextChoices):
    CENTRALISED = "centralised", _("centralised observation (hotel)")
    HOME = "home", _("home observation (community)")
    TRANSFER = "transfer", _("transfer to another district")
    HOSPITAL = "hospital", _("hospital referral")
    EXEMPT = "exempt", _("exempt")


class ArrivalStatus(models.TextChoices):
    EXPECTED = "expected", _("expected (from a list)")
    REGISTERED = "registered", _("pre-registered")
    CHECKED_IN = "checked_in", _("checked in")
    IN_BATCH = "in_batch", _("in a hand-over batch")
    RECEIVED = "received", _("received")
    MISSING = "missing", _("missing at hand-over")
    CANCELLED = "cancelled", _("cancelled")


WAITING = (ArrivalStatus.EXPECTED, ArrivalStatus.REGISTERED)
EDITABLE = WAITING


class Source(models.TextChoices):
    PORTAL = "portal", _("traveller portal")
    DESK = "desk", _("transfer-point desk")
    IMPORT = "import", _("arrival list")


class ArrivalCategory(models.TextChoices):
    DIPLOMAT = "diplomat", _("diplomatic or consular staff")
    CHILD = "child", _("child under 14")
    SYMPTOMS = "symptoms", _("has symptoms or fever")
    RISK_COUNTRY = "risk_country", _("was in a listed risk country")


class Symptom(models.TextChoices):
    FEVER = "fever", _("fever")
    COUGH = "cough", _("cough")
    BREATH = "breath", _("shortness of breath")
    FATIGUE = "fatigue", _("fatigue")
    TASTE = "taste", _("loss of taste or smell")
    DIARRHOEA = "diarrhoea", _("diarrhoea")


FEVER_CELSIUS = 37.3
CHILD_AGE = 14


def format_reference(reference: str) -> str:
    """The short code as travellers and staff read it: XXXX-XXXX."""
    return f"{reference[:4]}-{reference[4:]}" if len(reference) == 8 else reference


class Arrival(InTransitModel):
    """A person arriving from abroad (入境人员): from pre-registration or an arrival list to
    check-in at the transfer point, sorting, hand-over and receipt at the destination.

    `jurisdiction_code` is the destination's division code (the transfer point's office until
    the arrival is sorted); `desk_place` is the registering transfer point while the arrival is
    the desk's responsibility, and is cleared when the destination receives it. Nothing here is
    a Person until the desk checks it in (`person` is set then).
    """

    reference = models.CharField(_("short code"), max_length=12, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=ArrivalStatus.choices,
                              default=ArrivalStatus.REGISTERED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    transfer_point = models.ForeignKey("areas.Place", verbose_name=_("transfer point"),
                                       on_delete=models.PROTECT, related_name="+")
    desk_place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                                   on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    destination = models.ForeignKey("areas.Jurisdiction", verbose_name=_("destination"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    destination_place = models.ForeignKey("areas.Place", verbose_name=_("observation hotel"),
                                          null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    party_lead = models.ForeignKey("self", verbose_name=_("travels with"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="party")
    language = models.CharField(_("language"), max_length=10, default="en")
    # The journey.
    travel_mode = models.CharField(_("travel mode"), max_length=10, choices=TravelMode.choices,
                                   default=TravelMode.FLIGHT)
    carrier_number = models.CharField(_("flight or train number"), max_length=12, blank=True)
    travel_date = models.DateField(_("arrival date"))
    seat = models.CharField(_("seat"), max_length=8, blank=True)
    departure_country = CountryField(_("departure country"), blank=True)
    visited_countries = models.JSONField(_("countries visited in the past 14 days"),
                                         default=list, blank=True)
    destination_address = models.CharField(_("destination address"), max_length=300,
                                           blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The person and their travel document (the number is encrypted; a blind index finds it).
    family_name = models.CharField(_("family name"), max_length=100)
    given_names = models.CharField(_("given names"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=1, default="X")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    doc_type = models.CharField(_("document type"), max_length=30, default="passport")
    doc_number_encrypted = models.TextField(editable=False, blank=True)
    doc_number_index = models.CharField(max_length=64, editable=False, blank=True)
    doc_number_masked = models.CharField(_("document number"), max_length=40, editable=False,
                                         blank=True)
    doc_country = CountryField(_("issuing country"), blank=True)
    doc_expiry = models.DateField(_("expiry date"), null=True, blank=True)
    mrz_verified = models.BooleanField(_("checked against the MRZ"), default=False)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    # Health and consent.
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1,
                                      null=True, blank=True)
    commitment_signed_at = models.DateTimeField(_("health commitment signed"), null=True,
                                                blank=True)
    sensitive_consent_at = models.DateTimeField(_("consent to sensitive data"), null=True,
                                                blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    guardian_name = models.CharField(_("guardian"), max_length=150, blank=True)
    guardian_consent_at = models.DateTimeField(_("guardian's consent"), null=True, blank=True)
    # Sorting.
    suggested_disposition = models.CharField(_("suggested disposition"), max_length=12,
                                             choices=Disposition.choices, blank=True)
    suggested_rule = models.ForeignKey("SortingRule", verbose_name=_("matched rule"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    disposition = models.CharField(_("disposition"), max_length=12, choices=Disposition.choices,
                                   blank=True)
    override_reason = models.CharField(_("reason for overriding"), max_length=300, blank=True)
    # The desk and after.
    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    batch = models.ForeignKey("HandoverBatch", verbose_name=_("hand-over batch"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="arrivals")
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    import_job = models.ForeignKey("ArrivalImport", null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    audit_mask = ("doc_number_encrypted",)
    audit_exclude = ("doc_number_index",)

    class Meta:
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        ordering = ["-travel_date", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "-travel_date"], name="arrivals_scope"),
            models.Index(fields=["desk_place", "status", "travel_date"], name="arrivals_desk"),
            models.Index(fields=["destination_place", "status"], name="arrivals_hotel"),
            models.Index(fields=["doc_number_index", "travel_date"], name="arrivals_doc_day"),
            models.Index(fields=["transfer_point", "checked_in_at"], name="arrivals_checkins"),
        ]
        constraints = [
            # The same document on the same day is one arrival (a second is a duplicate).
            models.UniqueConstraint(
                fields=["doc_number_index", "travel_date"], name="arrivals_doc_once_a_day",
                condition=~Q(doc_number_index="") & ~Q(status="cancelled")),
        ]

    @property
    def short_code(self) -> str:
        return format_reference(self.reference)

    def __str__(self) -> str:
        name = f"{self.family_name}, {self.given_names}" if self.given_names else self.family_name
        return f"{self.reference} {name}"

    @property
    def latin_name(self) -> str:
        return f"{self.family_name}, {self.given_names}" if self.given_names else self.family_name

    @property
    def in_transit(self) -> bool:
        return self.desk_place_id is not None

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


class SortingRule(ScopedModel):
    """A rule of the office that sorts arrivals (分流规则): conditions → a disposition.

    Rules are tried by ascending priority among those in force on the arrival date; the first
    whose every condition holds is suggested at the desk. Empty conditions match anything.
    """

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    name = models.CharField(_("name"), max_length=200)
    priority = models.PositiveIntegerField(_("priority"), default=100,
                                           help_text=_("Smaller numbers are tried first."))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True,
                                    help_text=_("Leave empty while in force."))
    destination_prefix = models.CharField(
        _("destination division code starts with"), max_length=12, blank=True,
        help_text=_("Empty: any destination."))
    countries = models.JSONField(
        _("visited any of these countries"), default=list, blank=True,
        help_text=_("ISO codes; empty: any travel history."))
    categories = models.JSONField(_("has any of these categories"), default=list, blank=True)
    disposition = models.CharField(_("disposition"), max_length=12, choices=Disposition.choices)
    hotel = models.ForeignKey("areas.Place", verbose_name=_("observation hotel"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    transfer_to = models.ForeignKey("areas.Jurisdiction", verbose_name=_("transfer to district"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sorting rule")
        verbose_name_plural = _("sorting rules")
        ordering = ["priority", "id"]

    @property
    def category_labels(self) -> list[str]:
        """The categories in words (unknown codes as they are)."""
        return [str(ArrivalCategory(c).label) if c in ArrivalCategory.values else c
                for c in self.categories or []]

    def __str__(self) -> str:
        return f"{self.priority} · {self.name}"


class BatchStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("in transit")
    CONFIRMED = "confirmed", _("confirmed by the receiver")


class HandoverBatch(InTransitModel):
    """A hand-over batch (交接批次): one bus or car taking checked-in arrivals to one destination
    (a street, a community or an observation hotel); the receiver confirms each person."""

    reference = models.CharField(_("batch number"), max_length=20, unique=True)
    transfer_point = models.ForeignKey("areas.Place", verbose_name=_("transfer point"),
                                       on_delete=models.PROTECT, related_name="+")
    desk_place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                                   on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey("areas.Jurisdiction", verbose_name=_("destination"),
                                    on_delete=models.PROTECT, related_name="+")
    destination_place = models.ForeignKey("areas.Place", verbose_name=_("observation hotel"),
                                          null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    vehicle = models.CharField(_("vehicle"), max_length=50, blank=True)
    escort = models.CharField(_("escort"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices,
                              default=BatchStatus.IN_TRANSIT)
    departed_at = models.DateTimeField(_("departed"))
    confirm_by = models.DateTimeField(_("to be confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("overdue alert sent"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("hand-over batch")
        verbose_name_plural = _("hand-over batches")
        ordering = ["-departed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "confirm_by"], name="arrivals_batch_due"),
            models.Index(fields=["jurisdiction_code", "-departed_at"], name="arrivals_batch_scope"),
        ]

    def __str__(self) -> str:
        return self.reference


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be read")
    READING = "reading", _("being read")
    DONE = "done", _("done")
    REFUSED = "refused", _("refused")


class ArrivalImport(ScopedModel):
    """An uploaded flight manifest or arrival list (.xlsx/.csv) that pre-created expected
    arrivals at a transfer point."""

    scope_place_field = "transfer_point"

    transfer_point = models.ForeignKey("areas.Place", verbose_name=_("transfer point"),
                                       on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    file_name = models.CharField(_("file"), max_length=200)
    file_path = models.CharField(max_length=300, editable=False, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    message = models.TextField(_("message"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # The uploader's language: the task that reads the list writes its messages in it.
    language = models.CharField(_("language"), max_length=10, blank=True, editable=False)

    class Meta:
        verbose_name = _("arrival list")
        verbose_name_plural = _("arrival lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def rows_refused(self) -> int:
        """Rows that became no arrival (the list of `errors` stops at its first 200)."""
        return max(self.rows_total - self.created, len(self.errors or []))


class IdentityReference(models.Model):
    """One entry of the office's reference of diplomatic and consular identity documents
    (外交人员身份证件): what the card looks like and what it exempts. Reference content with no
    personal data: every staff member may read it; the office edits it."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("office"),
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("document"), max_length=200)
    title_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("how to recognise it"), blank=True)
    exempts = models.TextField(_("what it exempts"), blank=True)
    disposition = models.CharField(_("usual disposition"), max_length=12,
                                   choices=Disposition.choices, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("identity document reference")
        verbose_name_plural = _("identity document references")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title
