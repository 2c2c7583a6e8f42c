"""Reads of the audit logs, restricted to the viewer's jurisdiction, with the page's filters."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from frontline.audit.models import AccessLogEntry, ChangeLogEntry
from frontline.core.models import code_prefix_q
from frontline.core.permissions import Action


def _day_bounds(day: date | None, *, end: bool) -> datetime | None:
    if day is None:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(day, time.max if end else time.min, tzinfo=zone)


def _filter(qs: QuerySet, *, actor_name: str, code: str, since: date | None,
            until: date | None) -> QuerySet:
    if actor_name:
        qs = qs.filter(actor_label__icontains=actor_name)
    if code:
        qs = qs.filter(code_prefix_q("jurisdiction_code", code))
    if since:
        qs = qs.filter(time__gte=_day_bounds(since, end=False))
    if until:
        qs = qs.filter(time__lte=_day_bounds(until, end=True))
    return qs


def change_list(*, actor: Any, actor_name: str = "", action: str = "", object_type: str = "",
                code: str = "", since: date | None = None, until: date | None = None
                ) -> QuerySet[ChangeLogEntry]:
    qs = ChangeLogEntry.objects.restrict(actor, Action.VIEW_AUDIT)
    qs = _filter(qs, actor_name=actor_name, code=code, since=since, until=until)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs.order_by("-time", "-id")


def access_list(*, actor: Any, actor_name: str = "", event: str = "", code: str = "",
                since: date | None = None, until: date | None = None
                ) -> QuerySet[AccessLogEntry]:
    qs = AccessLogEntry.objects.restrict(actor, Action.VIEW_AUDIT)
    qs = _filter(qs, actor_name=actor_name, code=code, since=since, until=until)
    if event:
        qs = qs.filter(event=event)
    return qs.order_by("-time", "-id")
