"""Foreign-related emergencies: contingency plans (预案) as versioned checklists, incidents with
their steps and timeline, the liaison directory and its notifications, information reports
(信息报送), public-opinion entries (舆情), and who must be told by severity.

Scope: an incident belongs to a jurisdiction (and maybe a place, such as a hotel or the
transfer point, whose staff then see it); its steps, timeline, notices, reports, liaison
records and people copy the incident's code. Plans belong to the office that wrote them and
apply to everything below it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.accounts.roles import Role
from frontline.core.models import ScopedModel


class IncidentType(models.TextChoices):
    POSITIVE_TEST = "positive_test", _("a foreign national tests positive")
    REFUSES_OBSERVATION = "refuses_observation", _("refuses observation")
    SERIOUS_ILLNESS = "serious_illness", _("falls seriously ill or dies")
    DIPLOMATIC = "diplomatic", _("diplomatic or consular staff involved")
    GROUP_ARRIVAL = "group_arrival", _("a group arrives")
    MEDIA_EVENT = "media_event", _("a media or public-opinion event")
    EMBASSY_COMPLAINT = "embassy_complaint", _("an embassy complains")
    OTHER = "other", _("other incident")


class Severity(models.IntegerChoices):
    """Levels I (most severe) to IV, as in the national emergency plans."""

    I = 1, _("level I (especially serious)")  # noqa: E741 - the official level's name
    II = 2, _("level II (serious)")
    III = 3, _("level III (major)")
    IV = 4, _("level IV (general)")


class ContingencyPlan(ScopedModel):
    """One version of the plan for one incident type, written by an office; editing a plan
    writes a new version and keeps the old (incidents keep the version they were opened with)."""

    incident_type = models.CharField(_("incident type"), max_length=30,
                                     choices=IncidentType.choices)
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=pgettext_lazy("incident", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        ordering = ["incident_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "incident_type", "version"],
                                    name="incidents_plan_version"),
            models.UniqueConstraint(fields=["jurisdiction", "incident_type"],
                                    condition=Q(is_current=True),
                                    name="incidents_plan_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PlanStep(models.Model):
    """A step of a plan version: what, who (a role), within how long, required or not."""

    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("step"), max_length=300)
    responsible_role = models.CharField(_("responsible role"), max_length=20,
                                        choices=Role.choices)
    minutes = models.PositiveIntegerField(_("time limit (minutes)"))
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["plan_id", "order"]

    def __str__(self) -> str:
        return self.title


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "open")
    CLOSED = "closed", pgettext_lazy("incident", "closed")


class Incident(ScopedModel):
    scope_place_field = "place"

    incident_type = models.CharField(_("incident type"), max_length=30,
                                     choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", verbose_name=_("place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(ContingencyPlan, verbose_name=_("contingency plan"), null=True,
                             blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("opened from"), max_length=60, blank=True,
                              help_text=_("Where the problem showed: the desk, a hotel, an "
                                          "alert, a question…"))
    status = models.CharField(_("status"), max_length=10, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(pgettext_lazy("incident", "closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing with steps open"), max_length=300,
                                    blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "status", "severity"],
                                name="incidents_scope")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class _IncidentChild(ScopedModel):
    """A row of an incident, scoped like its incident."""

    scope_place_field = "place"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    place = models.ForeignKey("areas.Place", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        abstract = True


class IncidentPerson(_IncidentChild):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("people.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("involvement"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("person involved")
        verbose_name_plural = _("people involved")
        constraints = [models.UniqueConstraint(fields=["incident", "person"],
                                               name="incidents_person_once")]


class StepStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("step", "to do")
    DONE = "done", pgettext_lazy("step", "done")
    SKIPPED = "skipped", _("not applicable")


class IncidentStep(_IncidentChild):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("step"), max_length=300)
    responsible_role = models.CharField(_("responsible role"), max_length=20,
                                        choices=Role.choices)
    required = models.BooleanField(_("required"), default=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices,
                              default=StepStatus.OPEN)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(pgettext_lazy("incident", "done"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(pgettext_lazy("incident", "escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["incident_id", "order"]
        indexes = [models.Index(fields=["status", "due_at"], name="incidents_step_due")]

    def __str__(self) -> str:
        return self.title


class TimelineKind(models.TextChoices):
    OPENED = "opened", _("opened")
    STEP = "step", _("step")
    NOTE = "note", _("note")
    PERSON = "person", _("person linked")
    LIAISON = "liaison", _("liaison")
    REPORT = "report", _("information report")
    NOTICE = "notice", _("leaders told")
    ESCALATION = "escalation", _("escalation")
    OPINION = "opinion", _("public opinion")
    CLOSED = "closed", pgettext_lazy("incident", "closed")


class TimelineEntry(_IncidentChild):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TimelineKind.choices)
    text = models.TextField(_("what"))

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["incident_id", "at", "id"]


class ContactKind(models.TextChoices):
    EMBASSY = "embassy", _("embassy")
    CONSULATE = "consulate", _("consulate")
    PARTNER = "partner", _("partner office")


class Contact(models.Model):
    """The liaison directory: embassies, consulates and partner offices. Public information,
    not personal data: every staff member can read it; the office edits it."""

    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    country = models.CharField(_("country"), max_length=2, blank=True)
    name = models.CharField(pgettext_lazy("contact", "name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    duty_phone = models.CharField(_("duty phone (24 h)"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    duty_contact = models.CharField(_("duty contact"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    verified = models.BooleanField(_("verified by the office"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("liaison contact")
        verbose_name_plural = _("liaison directory")
        ordering = ["kind", "country", "name"]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    SENT = "sent", pgettext_lazy("incident", "sent")
    RECEIVED = "received", _("received")


class LiaisonRecord(_IncidentChild):
    """A notification sent to or received from an embassy or a partner office, with its text."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="liaison")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.PROTECT,
                                related_name="+")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    channel = models.CharField(pgettext_lazy("incident", "by"), max_length=40,
                               help_text=_("phone, e-mail, note verbale…"))
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("time"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("liaison record")
        verbose_name_plural = _("liaison records")
        ordering = ["incident_id", "at"]


class ReportKind(models.TextChoices):
    FIRST = "first", _("first report")
    FOLLOW_UP = "follow_up", _("follow-up report")
    FINAL = "final", _("final report")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    SENT = "sent", pgettext_lazy("incident", "sent")


class IncidentReport(_IncidentChild):
    """An information report (信息报送) generated from the timeline, approved, then sent."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    number = models.PositiveSmallIntegerField(pgettext_lazy("incident", "number"))
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    recipients = models.CharField(_("sent to"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("information report")
        verbose_name_plural = _("information reports")
        ordering = ["incident_id", "number"]
        constraints = [models.UniqueConstraint(fields=["incident", "number"],
                                               name="incidents_report_number")]


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("positive")
    NEUTRAL = "neutral", _("neutral")
    NEGATIVE = "negative", _("negative")


class OpinionStatus(models.TextChoices):
    WATCHING = "watching", _("watching")
    HANDLED = "handled", _("handled")


class OpinionEntry(ScopedModel):
    """A public-opinion item (舆情): where, what, how it reads, and what was done."""

    jurisdiction_code = models.CharField(max_length=12, editable=False)
    source = models.CharField(_("source"), max_length=100)
    link = models.URLField(_("link"), blank=True)
    summary = models.TextField(_("summary"))
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    incident = models.ForeignKey(Incident, verbose_name=_("related incident"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="opinions")
    follow_up = models.TextField(_("follow-up"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OpinionStatus.choices,
                              default=OpinionStatus.WATCHING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("public-opinion entry")
        verbose_name_plural = _("public opinion")
        ordering = ["-created_at"]


class NoticeRule(ScopedModel):
    """By severity, which role must be told within how many minutes (the leadership group,
    the duty office)."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=pgettext_lazy("incident", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    max_severity = models.PositiveSmallIntegerField(
        _("for incidents of this level or more severe"), choices=Severity.choices)
    role = models.CharField(_("who"), max_length=20, choices=Role.choices)
    minutes = models.PositiveIntegerField(_("within (minutes)"))

    class Meta:
        verbose_name = _("notice rule")
        verbose_name_plural = _("notice rules")
        ordering = ["jurisdiction_code", "max_severity", "role"]


class IncidentNotice(_IncidentChild):
    """One person who had to be told of an incident, and whether they acknowledged in time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="+")
    role = models.CharField(pgettext_lazy("incident", "role"), max_length=20, choices=Role.choices)
    due_at = models.DateTimeField(_("acknowledge by"))
    sent_at = models.DateTimeField(_("told"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")
        constraints = [models.UniqueConstraint(fields=["incident", "user"],
                                               name="incidents_notice_once")]
