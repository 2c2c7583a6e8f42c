"""The question desk: front-line questions (a hotel, the transfer point, a street) answered
around the clock by whoever is on duty in the office, with escalation timers."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.core.models import ScopedModel


class Urgency(models.TextChoices):
    URGENT = "urgent", _("urgent")
    NORMAL = "normal", pgettext_lazy("urgency", "normal")


# How long the person on duty has to answer before the question goes to the next person.
TIMERS = {Urgency.URGENT: datetime.timedelta(minutes=15),
          Urgency.NORMAL: datetime.timedelta(hours=2)}


class DutyPosition(models.TextChoices):
    PRIMARY = "primary", _("on duty")
    BACKUP = "backup", _("next on duty")
    LEADER = "leader", _("leader on duty")


class DutySlot(ScopedModel):
    """One shift of the office's 24-hour duty roster (值班表): who answers, and in what order."""

    jurisdiction = models.ForeignKey("areas.Jurisdiction",
                                     verbose_name=pgettext_lazy("foreign affairs office", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("helpdesk", "staff member"),
                             on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("position"), max_length=10, choices=DutyPosition.choices,
                                default=DutyPosition.PRIMARY)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["starts_at", "position", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "starts_at", "ends_at"],
                                name="helpdesk_duty_when")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="helpdesk_duty_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_position_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("waiting for an answer")
    ANSWERED = "answered", pgettext_lazy("helpdesk", "answered")
    CLOSED = "closed", pgettext_lazy("helpdesk", "closed")


class Question(ScopedModel):
    """A question from the front line. Scoped by where it was asked: the asker's place (a hotel,
    the transfer point) or jurisdiction (a street or community); the office's duty staff see
    every question of their district."""

    scope_place_field = "place"

    text = models.TextField(_("question"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=QuestionStatus.choices,
                              default=QuestionStatus.OPEN)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"),
                                 on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey("areas.Place", verbose_name=_("asked from"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    office_code = models.CharField(_("answering office"), max_length=12, editable=False)
    person = models.ForeignKey("people.Person", verbose_name=pgettext_lazy("helpdesk", "about"),
                               null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    breaches = models.PositiveSmallIntegerField(_("timers breached"), default=0)
    first_answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("helpdesk", "closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "created_at"],
                                name="helpdesk_question_scope"),
                   models.Index(fields=["status", "due_at"], name="helpdesk_question_due")]

    def __str__(self) -> str:
        return self.text[:60]


class ReplyKind(models.TextChoices):
    ANSWER = "answer", _("answer")
    CLARIFICATION = "clarification", _("clarification")
    EVENT = "event", _("event")


class Reply(models.Model):
    """One message in a question's thread: an answer, a clarification, or a routing event."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(_("kind"), max_length=15, choices=ReplyKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(pgettext_lazy("helpdesk", "written"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class Attachment(models.Model):
    """An image or PDF attached to a question, its type checked from its content."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="helpdesk/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(pgettext_lazy("helpdesk", "uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
