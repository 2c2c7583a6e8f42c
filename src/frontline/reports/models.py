"""Daily figures: the figures an office asks for, report definitions with a cut-off and a
deadline, the run of each period (its snapshot), each unit's submission (computed from the
registry, confirmed or corrected, submitted, approved and locked), the daily bulletin, and
coordination meetings with action items.

Scope: a run belongs to the office that defined the report; a submission to its unit (a
community or a street), so each unit sees its own and the street its communities'.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from frontline.core.models import ScopedModel


class FigureSource(models.TextChoices):
    REGISTRY = "registry", _("computed from the registry")
    MANUAL = "manual", _("entered by hand")


class Figure(ScopedModel):
    """One figure an office asks its units for."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(pgettext_lazy("figure", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=FigureSource.choices)
    computation = models.CharField(_("computation"), max_length=40, blank=True,
                                   help_text=_("Which registry count fills it."))
    part_of = models.ForeignKey("self", verbose_name=_("part of"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="parts",
                                help_text=_("A figure that can never exceed another."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "key"],
                                               name="reports_figure_key")]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str = "") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's interface language (the English name where one is set)."""
        return self.label(get_language() or "")


class Period(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")


class ReportDefinition(ScopedModel):
    """A report the office asks for: its figures, its period, the snapshot time (cut-off),
    the deadline (to the minute, Beijing time) and the reminder times."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    name = models.CharField(pgettext_lazy("report", "name"), max_length=100)
    figures = models.ManyToManyField(Figure, verbose_name=_("figures"), related_name="+")
    period = models.CharField(_("period"), max_length=10, choices=Period.choices,
                              default=Period.DAILY)
    cutoff = models.TimeField(_("snapshot at"), default=datetime.time(8, 0))
    deadline = models.TimeField(_("deadline"), default=datetime.time(12, 0))
    reminders = models.JSONField(_("reminders at"), default=list, blank=True,
                                 help_text=_("Times of day, e.g. 10:00 and 11:30."))
    recipients = models.TextField(_("bulletin recipients"), blank=True,
                                  help_text=_("E-mail addresses, one a line."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report definition")
        verbose_name_plural = _("report definitions")
        ordering = ["jurisdiction_code", "name"]

    def __str__(self) -> str:
        return self.name


class ReportRun(ScopedModel):
    """One period of a report: the snapshot taken at the cut-off and its deadline."""

    definition = models.ForeignKey(ReportDefinition, on_delete=models.PROTECT,
                                   related_name="runs")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    period_date = models.DateField(_("date"))
    cutoff_at = models.DateTimeField(_("snapshot at"))
    deadline_at = models.DateTimeField(_("deadline"))
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    compute_seconds = models.FloatField(null=True, blank=True, editable=False)
    reminders_sent = models.JSONField(default=list, blank=True, editable=False)
    by_country = models.JSONField(_("arrivals by country"), default=dict, blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-period_date", "id"]
        constraints = [models.UniqueConstraint(fields=["definition", "period_date"],
                                               name="reports_run_once")]

    def __str__(self) -> str:
        return f"{self.definition} {self.period_date}"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("not submitted")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")


class Submission(ScopedModel):
    """A unit's figures for a run: what the registry computed, what the unit confirms."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="submissions")
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("unit"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    level = models.CharField(_("level"), max_length=10)
    computed = models.JSONField(_("from the registry"), default=dict)
    values = models.JSONField(_("figures"), default=dict)
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    by_country = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.PENDING)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    unlocked_at = models.DateTimeField(_("unlocked"), null=True, blank=True)
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["run_id", "jurisdiction_code"]
        constraints = [models.UniqueConstraint(fields=["run", "jurisdiction"],
                                               name="reports_submission_once")]
        indexes = [models.Index(fields=["run", "jurisdiction_code"], name="reports_sub_scope"),
                   models.Index(fields=["run", "status"], name="reports_sub_status")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.run.period_date}"

    @property
    def is_locked(self) -> bool:
        return self.status == SubmissionStatus.APPROVED


class Bulletin(ScopedModel):
    """The daily bulletin (日通报) of a run, as PDF and .xlsx, archived."""

    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="bulletins")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    english = models.BooleanField(_("with English"), default=False)
    pdf_path = models.CharField(max_length=300, blank=True)
    xlsx_path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    sent_to = models.TextField(_("sent to"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, default="pending")
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-created_at"]


class MeetingKind(models.TextChoices):
    DISPATCH = "dispatch", _("daily dispatch")
    CONSULTATION = "consultation", _("daily consultation")


class Meeting(ScopedModel):
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    kind = models.CharField(_("kind"), max_length=15, choices=MeetingKind.choices)
    held_at = models.DateTimeField(_("held"))
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return self.title


class ActionItem(ScopedModel):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="items")
    jurisdiction_code = models.CharField(max_length=12, editable=False)
    text = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.CharField(_("how it was done"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "done_at", "due_at"],
                                name="reports_item_scope")]

    def __str__(self) -> str:
        return self.text
