"""Reads of incident handling, in the actor's scope: lists, the dashboard, overdue steps."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.incidents.models import (
    ContingencyPlan,
    Incident,
    IncidentNotice,
    IncidentStatus,
    IncidentStep,
    OpinionEntry,
    StepStatus,
)


def incident_list(*, actor: Any, status: str = "open", severity: int | None = None
                  ) -> QuerySet[Incident]:
    qs = Incident.objects.restrict(actor, Action.VIEW).select_related("jurisdiction", "place")
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    return qs.annotate(open_steps=Count("steps", filter=Q(steps__status=StepStatus.OPEN))
                       ).order_by("severity", "opened_at", "id")


def incident_detail(*, actor: Any, pk: int) -> Incident:
    try:
        return (Incident.objects.restrict(actor, Action.VIEW)
                .select_related("jurisdiction", "place", "plan").get(pk=pk))
    except Incident.DoesNotExist:
        raise OutOfScope() from None


def overdue_steps(*, actor: Any, now: datetime.datetime | None = None) -> QuerySet[IncidentStep]:
    now = now or timezone.now()
    return (IncidentStep.objects.restrict(actor, Action.VIEW)
            .filter(status=StepStatus.OPEN, due_at__lt=now, incident__status=IncidentStatus.OPEN)
            .select_related("incident").order_by("due_at"))


def dashboard(*, actor: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Open incidents by severity and age, overdue steps, unacknowledged notices."""
    now = now or timezone.now()
    open_incidents = list(incident_list(actor=actor))
    by_severity = dict.fromkeys((1, 2, 3, 4), 0)
    ages = {"lt1h": 0, "lt24h": 0, "lt7d": 0, "older": 0}
    for incident in open_incidents:
        by_severity[incident.severity] += 1
        age = now - incident.opened_at
        key = ("lt1h" if age < datetime.timedelta(hours=1) else "lt24h"
               if age < datetime.timedelta(days=1) else "lt7d"
               if age < datetime.timedelta(days=7) else "older")
        ages[key] += 1
        incident.age = age
    return {
        "open": open_incidents, "by_severity": by_severity, "ages": ages,
        "overdue": list(overdue_steps(actor=actor, now=now)[:100]),
        "unacknowledged": list(IncidentNotice.objects.restrict(actor, Action.VIEW)
                               .filter(acknowledged_at__isnull=True,
                                       incident__status=IncidentStatus.OPEN)
                               .select_related("incident", "user").order_by("due_at")[:100]),
    }


def plan_list(*, actor: Any, current_only: bool = True) -> QuerySet[ContingencyPlan]:
    """Plans of the actor's offices and of every office above them (a street works by the
    district's plans)."""
    from frontline.core.models import scope_for

    scope = scope_for(actor, Action.VIEW)
    above = {code[:n] for code in scope.codes for n in (2, 6, 9) if len(code) > n}
    qs = (ContingencyPlan.objects.restrict(actor, Action.VIEW)
          | ContingencyPlan.objects.filter(jurisdiction_code__in=above))  # scoped-ok: above
    qs = qs.select_related("jurisdiction").order_by("incident_type", "-jurisdiction_code",
                                                   "-version")
    return qs.filter(is_current=True) if current_only else qs


def opinion_list(*, actor: Any) -> QuerySet[OpinionEntry]:
    return OpinionEntry.objects.restrict(actor, Action.VIEW).select_related("incident")


def notice_rules(*, actor: Any):
    """Who must be told, by level: the rules of the actor's offices and of those above."""
    from frontline.core.models import scope_for
    from frontline.incidents.models import NoticeRule

    scope = scope_for(actor, Action.VIEW)
    above = {code[:n] for code in scope.codes for n in (2, 6, 9) if len(code) > n}
    return ((NoticeRule.objects.restrict(actor, Action.VIEW)
             | NoticeRule.objects.filter(jurisdiction_code__in=above))  # scoped-ok: above
            .select_related("jurisdiction").order_by("jurisdiction_code", "max_severity", "role"))
