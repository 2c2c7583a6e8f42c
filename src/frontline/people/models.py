"""The person registry: people, their identity documents, lodging stays, travel and risk rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from frontline.core.models import ScopedModel


class Category(models.TextChoices):
    PERMANENT_RESIDENT = "permanent_resident", _("foreign permanent resident")
    HK_MO_TW_RESIDENT = "hk_mo_tw_resident", _("Hong Kong, Macau or Taiwan resident")
    HOTEL_LODGER = "hotel_lodger", _("hotel temporary lodger")
    FOREIGN_TEACHER = "foreign_teacher", _("foreign teacher")
    FOREIGN_STUDENT = "foreign_student", _("foreign student")
    DIPLOMAT = "diplomat", _("diplomatic or consular staff")
    BUSINESS_VISITOR = "business_visitor", _("business visitor")
    OTHER = "other", _("other")


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNSPECIFIED = "X", _("unspecified")


class Person(ScopedModel):
    """A foreign national or Hong Kong / Macau / Taiwan resident living or staying in the district.

    Scoped by the jurisdiction of residence: a community worker sees the people who live in
    their community. A merged duplicate keeps its row (`merged_into`) for the history.
    """

    # What the history shows for audited values that are not fields (audit_tags.changes).
    audit_labels = {"categories": (_("categories"), Category.choices)}

    family_name = models.CharField(_("family name (as in the travel document)"), max_length=100)
    given_names = models.CharField(_("given names (as in the travel document)"), max_length=150,
                                   blank=True)
    name_native = models.CharField(_("name in native script"), max_length=200, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNSPECIFIED)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"))
    phone = models.CharField(_("phone"), max_length=20, blank=True,
                             help_text=_("International format, such as +8613800000000."))
    phone_alt = models.CharField(_("second phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    residence = models.ForeignKey(
        "areas.Jurisdiction", verbose_name=_("community of residence"), on_delete=models.PROTECT,
        related_name="+",
    )
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "areas.Place", verbose_name=_("employer or school"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    arrived_on = models.DateField(
        _("last arrived in the city"), null=True, blank=True,
        help_text=_("The date of the latest arrival from abroad."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # Normalised forms for de-duplication and search, kept by the services.
    name_key = models.CharField(max_length=300, editable=False, db_index=True)
    search_text = models.TextField(editable=False, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_from")
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Set by the retention purge: the personal data are gone, what statistics need stays.
    purged_at = models.DateTimeField(_("personal data purged"), null=True, blank=True,
                                     editable=False)
    age_band = models.CharField(_("age band"), max_length=8, blank=True, editable=False)

    audit_exclude = ("search_text", "name_key")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["jurisdiction_code", "family_name", "given_names", "id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "family_name", "given_names", "id"],
                         name="people_person_scope"),
            models.Index(fields=["nationality", "birth_date"], name="people_person_natdob"),
            models.Index(fields=["phone"], name="people_person_phone"),
            models.Index(fields=["arrived_on"], name="people_person_arrived"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def latin_name(self) -> str:
        return f"{self.family_name}, {self.given_names}" if self.given_names else self.family_name

    @property
    def display_name(self) -> str:
        extra = self.name_zh or self.name_native
        return f"{self.latin_name} ({extra})" if extra else self.latin_name

    @property
    def categories(self) -> list[str]:
        """The person's category codes (prefetch `category_links` on lists)."""
        return sorted(link.category for link in self.category_links.all())

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class PersonCategory(models.Model):
    """One category of a person (several allowed): permanent resident, foreign teacher, …"""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="category_links")
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)

    class Meta:
        verbose_name = _("person category")
        verbose_name_plural = _("person categories")
        constraints = [models.UniqueConstraint(fields=["person", "category"],
                                               name="people_category_unique")]
        indexes = [models.Index(fields=["category", "person"], name="people_category_lookup")]

    def __str__(self) -> str:
        return self.get_category_display()


class PersonNameGram(models.Model):
    """A two-character piece of a person's names: an index that finds 2-character Chinese
    queries (and any partial name) on SQLite and PostgreSQL alike, without full scans."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    gram = models.CharField(max_length=2)

    class Meta:
        indexes = [models.Index(fields=["gram", "person"], name="people_gram_lookup")]
        constraints = [models.UniqueConstraint(fields=["person", "gram"],
                                               name="people_gram_unique")]

    def __str__(self) -> str:
        return self.gram


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("passport")
    HK_MACAU_PERMIT = "hk_macau_permit", _("Mainland travel permit for Hong Kong and Macau residents")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    PERMANENT_RESIDENCE_ID = "permanent_residence_id", _("foreign permanent residence ID card")
    RESIDENCE_PERMIT = "residence_permit", _("residence permit")
    DIPLOMATIC_ID = "diplomatic_id", _("diplomatic or consular identity document")
    OTHER = "other", _("other")


class IdentityDocument(ScopedModel):
    """A travel or identity document. The number is encrypted at rest; a keyed blind index finds
    it exactly; lists show only the masked form."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="documents")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    doc_type = models.CharField(_("document type"), max_length=30, choices=DocumentType.choices)
    number_encrypted = models.TextField(editable=False)
    number_index = models.CharField(max_length=64, editable=False)
    number_masked = models.CharField(_("number"), max_length=40, editable=False)
    issuing_country = CountryField(_("issuing country"))
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    verified_by_mrz = models.BooleanField(_("checked against the MRZ"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_mask = ("number_encrypted",)
    audit_exclude = ("number_index",)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["person_id", "doc_type"]
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "issuing_country", "number_index"],
                                    name="people_document_unique"),
        ]
        indexes = [models.Index(fields=["number_index"], name="people_document_index")]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number_masked}"


class LodgingStay(ScopedModel):
    """A stay in a hotel, from check-in to check-out; hotel duty staff see their own hotel's."""

    scope_place_field = "place"

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="stays")
    place = models.ForeignKey("areas.Place", verbose_name=_("hotel"), on_delete=models.PROTECT,
                              related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    room = models.CharField(_("room"), max_length=20, blank=True)
    check_in = models.DateTimeField(_("check-in"))
    check_out = models.DateTimeField(_("check-out"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="manual")

    class Meta:
        verbose_name = _("lodging stay")
        verbose_name_plural = _("lodging stays")
        ordering = ["-check_in", "id"]
        indexes = [
            models.Index(fields=["place", "check_out"], name="people_stay_current"),
            models.Index(fields=["jurisdiction_code", "-check_in"], name="people_stay_scope"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "place", "check_in"],
                                    name="people_stay_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.place}"


class Travel(ScopedModel):
    """A country a person stayed in or passed through, with dates (travel history)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="travels")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    country = CountryField(_("country"))
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("until"))

    class Meta:
        verbose_name = _("travel")
        verbose_name_plural = _("travel history")
        ordering = ["-to_date", "id"]
        indexes = [models.Index(fields=["country", "to_date"], name="people_travel_country")]

    def __str__(self) -> str:
        return f"{self.country} {self.from_date}–{self.to_date}"


class RiskCountry(ScopedModel):
    """A country the office lists as high-risk from one date to another (policies change)."""

    country = CountryField(_("country"))
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("set by"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True,
                                    help_text=_("Leave empty while in force."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("risk country")
        verbose_name_plural = _("risk countries")
        ordering = ["country", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.country.name} ({self.effective_from}–{self.effective_to or ''})"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("to review")
    MERGED = "merged", _("merged")
    DISMISSED = "dismissed", _("not the same person")


class DuplicateCandidate(ScopedModel):
    """A pair of records that may be the same person, waiting for a person to decide."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    reason = models.CharField(_("reason"), max_length=20)  # document | name
    status = models.CharField(_("status"), max_length=10, choices=DuplicateStatus.choices,
                              default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["status", "-found_at"]
        constraints = [models.UniqueConstraint(fields=["first", "second"],
                                               name="people_duplicate_pair")]

    def __str__(self) -> str:
        return f"{self.first} ≟ {self.second}"


class DuplicateSearchQueued(models.Model):
    """A person registered or changed by hand (at the desk, on a page, through the API) whose
    possible duplicates are yet to be looked for: written in the same transaction as the
    person (both or neither), taken by the periodic search a few seconds later
    (`services.duplicates_search_queued`). A desk checking in a planeload queues rows, not a
    task each for the worker."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate search queued")
        verbose_name_plural = _("duplicate searches queued")

    def __str__(self) -> str:
        return f"#{self.person_id}"


class ImportKind(models.TextChoices):
    RESIDENTS = "residents", _("residents")
    LODGERS = "lodgers", _("hotel lodgers")
    SCHOOL = "school", _("teachers and students of a school")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("all or nothing")
    VALID_ROWS = "valid", _("import the valid rows")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked, waiting for confirmation")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    REFUSED = "refused", _("refused")


class ImportJob(ScopedModel):
    """One uploaded file of residents, hotel lodgers or a school's list, and what became of it."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("for"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", verbose_name=_("hotel or school"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    file_path = models.CharField(max_length=300, editable=False)
    file_sha256 = models.CharField(_("file fingerprint"), max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices,
                            default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    message = models.TextField(_("message"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def progress_percent(self) -> int:
        total = self.rows_total or 0
        return 100 if not total else min(100, round(100 * self.rows_done / total))
