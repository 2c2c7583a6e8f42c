"""The foreign-language talent pool (外语人才库): members, their languages, posts, needs, offers,
shifts, requests from the front line and remote interpreting.

Members, posts and everything hanging from a post are scoped by the division code of the
district or street that owns them; a need, offer or shift of a hotel's post is also visible to
that hotel's duty staff (`scope_place_field`). No member is ever on two overlapping shifts:
services lock the member's row inside the transaction, and on PostgreSQL an exclusion
constraint (migration 0002) refuses an overlapping active shift from any client.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.core.models import ScopedModel

LEVEL_MIN, LEVEL_MAX = 1, 5
SKILLS = ("listening", "speaking", "reading", "writing")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")
    RUSSIAN = "ru", _("Russian")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    ITALIAN = "it", _("Italian")
    GERMAN = "de", _("German")
    PORTUGUESE = "pt", _("Portuguese")
    ARABIC = "ar", _("Arabic")
    PERSIAN = "fa", _("Persian")


class MemberKind(models.TextChoices):
    STAFF = "staff", _("staff member")
    VOLUNTEER = "volunteer", _("outside volunteer")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("linguist status", "active")
    RESERVE = "reserve", pgettext_lazy("linguist status", "reserve")
    DEPLOYED = "deployed", pgettext_lazy("linguist status", "deployed")
    INACTIVE = "inactive", pgettext_lazy("linguist status", "inactive")


class Linguist(ScopedModel):
    """A member (库员) of the language talent pool: a staff member or an outside volunteer.

    Scoped by the district or street the member belongs to; `department` names the office
    or unit for staff members. A member with a `user` answers offers from their own page.
    """

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=MemberKind.choices,
                            default=MemberKind.STAFF)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user account"),
                                null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="linguist")
    unit = models.ForeignKey("areas.Jurisdiction", verbose_name=_("district or street"),
                             on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    department = models.CharField(_("department"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices,
                              default=MemberStatus.ACTIVE)
    interpreting = models.BooleanField(_("interpreting"), default=True)
    translating = models.BooleanField(_("translating"), default=False)
    proofreading = models.BooleanField(_("proofreading"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The weekly availability slots in one text ("0 08:00 16:00;4 18:00 02:00"), kept by the
    # services, so ranking reads them with the member instead of thousands of slot rows.
    weekly = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        ordering = ["jurisdiction_code", "name", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "name", "id"],
                                name="linguists_member_scope"),
                   models.Index(fields=["status"], name="linguists_member_status")]

    def __str__(self) -> str:
        return self.name

    def language_summary(self) -> str:
        return ", ".join(f"{lang.get_language_display()} {lang.speaking}"
                         for lang in self.languages.all())


class LinguistLanguage(models.Model):
    """One language of a member, with a level from 1 to 5 for each skill."""

    linguist = models.ForeignKey(Linguist, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    listening = models.PositiveSmallIntegerField(
        _("listening"), validators=[MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)])
    speaking = models.PositiveSmallIntegerField(
        _("speaking"), validators=[MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)])
    reading = models.PositiveSmallIntegerField(
        _("reading"), validators=[MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)])
    writing = models.PositiveSmallIntegerField(
        _("writing"), validators=[MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)])
    in_reserve_pool = models.BooleanField(
        _("in the reserve pool"), default=False,
        help_text=_("Offered when the first offers of a need in this language go unanswered."))
    # The member's division code, kept by the services: ranking reads the speakers of one
    # language in one scope as a single index range (language, code).
    jurisdiction_code = models.CharField(max_length=12, editable=False, default="")

    class Meta:
        verbose_name = _("member language")
        verbose_name_plural = _("member languages")
        ordering = ["linguist_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["linguist", "language"],
                                    name="linguists_language_once"),
            *[models.CheckConstraint(
                condition=Q(**{f"{skill}__gte": LEVEL_MIN, f"{skill}__lte": LEVEL_MAX}),
                name=f"linguists_{skill}_scale") for skill in SKILLS],
        ]
        indexes = [models.Index(fields=["language", "linguist"], name="linguists_lang_member"),
                   models.Index(fields=["language", "jurisdiction_code"],
                                name="linguists_lang_scope")]

    def __str__(self) -> str:
        return self.get_language_display()


class CertificateKind(models.TextChoices):
    CATTI = "catti", "CATTI"
    TEM8 = "tem8", "TEM-8"
    JLPT = "jlpt", "JLPT"
    TOPIK = "topik", "TOPIK"
    DELF = "delf", "DELF/DALF"
    DELE = "dele", "DELE"
    TORFL = "torfl", "TORFL"
    CEFR = "cefr", _("CEFR level")
    OTHER = "other", _("other certificate")


class Certificate(models.Model):
    """A language certificate of a member (CATTI level 2, JLPT N1, CEFR C1, …)."""

    linguist = models.ForeignKey(Linguist, on_delete=models.CASCADE,
                                 related_name="certificates")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    kind = models.CharField(pgettext_lazy("linguist", "certificate"), max_length=10,
                            choices=CertificateKind.choices)
    level = models.CharField(pgettext_lazy("linguist", "level"), max_length=20, blank=True)
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("linguist", "certificate")
        verbose_name_plural = _("certificates")
        ordering = ["linguist_id", "language", "kind"]
        # The ranking counts the certificates of the need's language per member.
        indexes = [models.Index(fields=["language", "linguist"],
                                name="linguists_certificate_lang")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.level}".strip()


class Availability(models.Model):
    """A weekly slot when a member is usually available (local time; may pass midnight)."""

    linguist = models.ForeignKey(Linguist, on_delete=models.CASCADE,
                                 related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                               (3, _("Thursday")), (4, _("Friday")), (5, _("Saturday")),
                               (6, _("Sunday"))])
    start = models.TimeField(pgettext_lazy("linguist", "from"))
    end = models.TimeField(pgettext_lazy("linguist", "until"),
                           help_text=_("Earlier than the start means the next day."))

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["linguist_id", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Unavailability(models.Model):
    """A period when a member cannot be called on (leave, illness, other duty)."""

    linguist = models.ForeignKey(Linguist, on_delete=models.CASCADE,
                                 related_name="unavailable")
    starts_at = models.DateTimeField(pgettext_lazy("linguist", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("linguist", "until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unavailable period")
        verbose_name_plural = _("unavailable periods")
        ordering = ["linguist_id", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="linguists_unavail_order")]

    def __str__(self) -> str:
        return self.reason or str(self.starts_at)


class PostKind(models.TextChoices):
    STREET_DESK = "street_desk", _("street desk")
    TRANSFER_POINT = "transfer_point", _("transfer point")
    OBSERVATION_HOTEL = "observation_hotel", _("observation hotel")
    HOTLINE = "hotline", _("hotline")


class Post(ScopedModel):
    """A place of duty: a street desk, the transfer point, an observation hotel, the hotline."""

    scope_place_field = "place"

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", verbose_name=_("place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    essential = models.BooleanField(_("essential"), default=False,
                                    help_text=_("Essential posts are filled first."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-essential", "jurisdiction_code", "name", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "name"], name="linguists_post_scope")]

    def __str__(self) -> str:
        return self.name


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("need status", "open")
    FILLED = "filled", pgettext_lazy("need status", "filled")
    CANCELLED = "cancelled", pgettext_lazy("need status", "cancelled")


class Need(ScopedModel):
    """A need: post × language × minimum level per skill × time window × number of people."""

    scope_place_field = "place"

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT,
                             related_name="needs")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                              on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    min_listening = models.PositiveSmallIntegerField(_("minimum listening"), default=0)
    min_speaking = models.PositiveSmallIntegerField(_("minimum speaking"), default=0)
    min_reading = models.PositiveSmallIntegerField(_("minimum reading"), default=0)
    min_writing = models.PositiveSmallIntegerField(_("minimum writing"), default=0)
    starts_at = models.DateTimeField(pgettext_lazy("linguist", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("linguist", "until"))
    people = models.PositiveSmallIntegerField(pgettext_lazy("linguist", "people"), default=1)
    essential = models.BooleanField(_("essential"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=NeedStatus.choices,
                              default=NeedStatus.OPEN)
    escalate_after = models.PositiveIntegerField(
        _("escalate after (minutes)"), default=30,
        help_text=_("Unanswered offers go to the reserve pool after this wait."))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "starts_at"],
                                name="linguists_need_scope"),
                   models.Index(fields=["status", "language"], name="linguists_need_status")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="linguists_need_order"),
            *[models.CheckConstraint(condition=Q(**{f"min_{skill}__lte": LEVEL_MAX}),
                                     name=f"linguists_need_{skill}_scale") for skill in SKILLS],
            models.CheckConstraint(condition=Q(people__gte=1), name="linguists_need_people"),
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.get_language_display()}"

    def minimums(self) -> dict[str, int]:
        return {skill: getattr(self, f"min_{skill}") for skill in SKILLS}


class OfferStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("offer status", "waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("offer status", "accepted")
    DECLINED = "declined", pgettext_lazy("offer status", "declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("offer status", "withdrawn")
    EXPIRED = "expired", pgettext_lazy("offer status", "expired")


class Offer(ScopedModel):
    """A need offered to one member (抽调); the first members to accept fill the need."""

    scope_place_field = "place"

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="offers")
    linguist = models.ForeignKey(Linguist, on_delete=models.CASCADE, related_name="offers")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                              on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices,
                              default=OfferStatus.PENDING)
    from_reserve = models.BooleanField(_("from the reserve"), default=False)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-sent_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "linguist"],
                                               name="linguists_offer_once")]
        indexes = [models.Index(fields=["status", "expires_at"], name="linguists_offer_due"),
                   models.Index(fields=["jurisdiction_code"], name="linguists_offer_scope")]

    def __str__(self) -> str:
        return f"{self.need} → {self.linguist}"


class ShiftStatus(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("shift status", "assigned")
    CHECKED_IN = "checked_in", pgettext_lazy("shift status", "on duty")
    COMPLETED = "completed", pgettext_lazy("shift status", "completed")
    NO_SHOW = "no_show", pgettext_lazy("shift status", "no-show")
    CANCELLED = "cancelled", pgettext_lazy("shift status", "cancelled")


ACTIVE_SHIFT = (ShiftStatus.ASSIGNED, ShiftStatus.CHECKED_IN, ShiftStatus.COMPLETED)


class Shift(ScopedModel):
    """A duty shift (值守) of one member at one need's post and time."""

    scope_place_field = "place"

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="shifts")
    linguist = models.ForeignKey(Linguist, on_delete=models.PROTECT, related_name="shifts")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                              on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(pgettext_lazy("linguist", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("linguist", "until"))
    status = models.CharField(_("status"), max_length=12, choices=ShiftStatus.choices,
                              default=ShiftStatus.ASSIGNED)
    offer = models.OneToOneField(Offer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="shift")
    checked_in_at = models.DateTimeField(pgettext_lazy("linguist", "checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    minutes_served = models.PositiveIntegerField(_("minutes served"), default=0)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="linguists_shift_order")]
        # The ranking's hours served and load read only this index (it covers the status
        # and the minutes): one short range per candidate and status.
        indexes = [models.Index(fields=["linguist", "status", "starts_at", "minutes_served"],
                                name="linguists_shift_member_load"),
                   models.Index(fields=["jurisdiction_code", "starts_at"],
                                name="linguists_shift_scope"),
                   models.Index(fields=["starts_at", "ends_at"], name="linguists_shift_time")]

    def __str__(self) -> str:
        return f"{self.linguist} · {self.need.post}"

    @property
    def hours_served(self) -> float:
        return round(self.minutes_served / 60, 1)


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("request status", "submitted")
    DISPATCHING = "dispatching", pgettext_lazy("request status", "being dispatched")
    FILLED = "filled", pgettext_lazy("request status", "speaker assigned")
    CANCELLED = "cancelled", pgettext_lazy("request status", "cancelled")


class SpeakerRequest(ScopedModel):
    """A front-line request for a speaker: a hotel or a street asks, the office dispatches."""

    scope_place_field = "place"

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT,
                             related_name="requests")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", null=True, blank=True, editable=False,
                              on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    starts_at = models.DateTimeField(pgettext_lazy("linguist", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("linguist", "until"))
    people = models.PositiveSmallIntegerField(pgettext_lazy("linguist", "people"), default=1)
    note = models.CharField(_("what for"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.SUBMITTED)
    need = models.OneToOneField(Need, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="request")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("speaker request")
        verbose_name_plural = _("speaker requests")
        ordering = ["-created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="linguists_request_order")]

    def __str__(self) -> str:
        return f"{self.post} · {self.get_language_display()}"


class RemoteAssignment(ScopedModel):
    """A member assigned to a person for phone interpreting; scoped like the person."""

    linguist = models.ForeignKey(Linguist, on_delete=models.PROTECT,
                                 related_name="remote_assignments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    is_active = models.BooleanField(_("active"), default=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("remote interpreting assignment")
        verbose_name_plural = _("remote interpreting assignments")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.linguist} · {self.get_language_display()}"


class CallLog(models.Model):
    """One interpreted phone call: when, how long, about what."""

    assignment = models.ForeignKey(RemoteAssignment, on_delete=models.CASCADE,
                                   related_name="calls")
    started_at = models.DateTimeField(_("time"))
    minutes = models.PositiveIntegerField(_("duration (minutes)"),
                                          validators=[MaxValueValidator(600)])
    topic = models.CharField(_("topic"), max_length=300)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "id"]

    def __str__(self) -> str:
        return self.topic
