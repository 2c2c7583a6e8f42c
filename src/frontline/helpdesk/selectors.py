"""Reads of the question desk, always restricted: questions, their threads, the duty roster,
and the figures (questions per day, median time to a first answer, timers breached)."""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.helpdesk.models import DutySlot, Question, QuestionStatus


def question_list(*, actor: Any, status: str = "", mine: bool = False,
                  action: Action = Action.VIEW) -> QuerySet[Question]:
    qs = Question.objects.restrict(actor, action)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(assignee=actor) | Q(asked_by=actor))
    return qs.select_related("asked_by", "assignee", "place").order_by("-created_at", "-id")


def question_detail(*, actor: Any, pk: int) -> Question:
    question = (Question.objects.restrict(actor, Action.VIEW)
                .select_related("asked_by", "assignee", "place", "person").filter(pk=pk).first())
    if question is None:
        raise OutOfScope()
    return question


def duty_list(*, actor: Any, since: datetime.datetime | None = None) -> QuerySet[DutySlot]:
    since = since or timezone.now() - datetime.timedelta(days=1)
    return (DutySlot.objects.restrict(actor, Action.VIEW).filter(ends_at__gt=since)
            .select_related("user", "jurisdiction").order_by("starts_at", "position", "id"))


def figures(*, actor: Any, days: int = 7) -> dict[str, Any]:
    """Questions per day, the median minutes to a first answer and the timers breached, over
    the last `days` days in the actor's scope."""
    since = timezone.now() - datetime.timedelta(days=days)
    qs = Question.objects.restrict(actor, Action.VIEW).filter(created_at__gte=since)
    per_day = list(qs.annotate(day=TruncDate("created_at")).values("day")
                   .annotate(n=Count("id")).order_by("day"))
    waits = [(answered - asked).total_seconds() / 60 for asked, answered in
             qs.filter(first_answered_at__isnull=False)
             .values_list("created_at", "first_answered_at")[:10_000]]
    return {
        "days": days,
        "per_day": [{"day": row["day"], "count": row["n"]} for row in per_day],
        "asked": sum(row["n"] for row in per_day),
        "median_first_answer_minutes": round(statistics.median(waits), 1) if waits else None,
        "breached": qs.filter(breaches__gt=0).count(),
        "open": qs.filter(status=QuestionStatus.OPEN).count(),
    }
