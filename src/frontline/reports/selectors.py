"""Reads of daily figures in the actor's scope: the runs, the late board and its rates, the
roll-up by street, trends for the dashboard, overdue action items."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from frontline.areas.models import Level
from frontline.core.models import OutOfScope, code_prefix_q, scope_for
from frontline.core.permissions import Action
from frontline.reports.models import (
    ActionItem,
    Figure,
    Meeting,
    ReportRun,
    Submission,
    SubmissionStatus,
)


def runs(*, actor: Any) -> QuerySet[ReportRun]:
    """Runs the actor takes part in or oversees: those of their offices and of the offices
    above them (whose figures they submit), and those of the offices below them (the city
    office reads each district's figures and bulletins)."""
    scope = scope_for(actor, Action.VIEW)
    if scope.everything:
        return ReportRun.objects.select_related("definition").order_by("-period_date", "id")
    codes = {code[:n] for code in scope.codes for n in (2, 6, 9, 12) if len(code) >= n}
    where = Q(jurisdiction_code__in=codes)
    for code in scope.codes:
        where |= code_prefix_q("jurisdiction_code", code)
    return (ReportRun.objects.filter(where)  # scoped-ok: above, own or below
            .select_related("definition").order_by("-period_date", "id"))


def run_detail(*, actor: Any, pk: int) -> ReportRun:
    try:
        return runs(actor=actor).get(pk=pk)
    except ReportRun.DoesNotExist:
        raise OutOfScope() from None


def latest_run(*, actor: Any) -> ReportRun | None:
    return runs(actor=actor).filter(computed_at__isnull=False).first()


def submissions(*, actor: Any, run: ReportRun) -> QuerySet[Submission]:
    return (Submission.objects.restrict(actor, Action.VIEW).filter(run=run)
            .select_related("jurisdiction", "submitted_by").order_by("jurisdiction_code"))


def late_board(*, actor: Any, run: ReportRun, now: datetime.datetime | None = None
               ) -> dict[str, Any]:
    """Who has not submitted, with the time left; on-time and late marks; reporting rates.

    The expected units are those the snapshot opened a submission for that are still active:
    a unit created after the snapshot is not expected, a unit closed meanwhile is not either
    (unless it submitted), so no rate can exceed 100 %."""
    now = now or timezone.now()
    rows = list(submissions(actor=actor, run=run))
    expected = [s for s in rows if s.jurisdiction.is_active or s.status != SubmissionStatus.PENDING]
    submitted = [s for s in expected if s.status != SubmissionStatus.PENDING]
    on_time = [s for s in submitted if s.on_time]

    def rate(part: list, whole: list) -> float:
        return round(100 * len(part) / len(whole), 1) if whole else 100.0

    return {
        "rows": rows, "pending": [s for s in expected if s.status == SubmissionStatus.PENDING],
        "expected": len(expected), "submitted": len(submitted), "on_time": len(on_time),
        "submitted_rate": rate(submitted, expected), "on_time_rate": rate(on_time, expected),
        "seconds_left": max(int((run.deadline_at - now).total_seconds()), 0),
        "overdue": now > run.deadline_at,
    }


def figures_of(run: ReportRun) -> list[Figure]:
    return list(run.definition.figures.filter(is_active=True).order_by("order", "id"))


def street_table(*, actor: Any, run: ReportRun) -> list[dict[str, Any]]:
    """Per street in scope: its figures, the sum of its communities, and flags where the
    submitted figure differs from the registry."""
    figures = figures_of(run)
    subs = list(submissions(actor=actor, run=run))
    communities: dict[str, dict[str, int]] = {}
    for s in subs:
        if s.level == Level.COMMUNITY:
            sums = communities.setdefault(s.jurisdiction_code[:9], {})
            for key, n in s.values.items():
                sums[key] = sums.get(key, 0) + int(n)
    table = []
    for s in subs:
        if s.level != Level.STREET:
            continue
        cells = []
        for f in figures:
            value = s.values.get(f.key)
            computed = s.computed.get(f.key)
            rolled = communities.get(s.jurisdiction_code, {}).get(f.key)
            cells.append({"figure": f, "value": value, "computed": computed, "rollup": rolled,
                          "differs": computed is not None and value is not None
                          and int(value) != int(computed),
                          "comment": s.comments.get(f.key, "")})
        table.append({"submission": s, "cells": cells})
    return table


def totals(*, actor: Any, run: ReportRun, table: list[dict[str, Any]] | None = None
           ) -> dict[str, int]:
    """The sum over the streets in scope (the district's figure), by figure."""
    result: dict[str, int] = {}
    for row in table if table is not None else street_table(actor=actor, run=run):
        for cell in row["cells"]:
            if cell["value"] is not None:
                key = cell["figure"].key
                result[key] = result.get(key, 0) + int(cell["value"])
    return result


def trend(*, actor: Any, run: ReportRun, days: int = 14, street: str = ""
          ) -> dict[str, Any]:
    """Each figure's total over the last `days` runs of the same definition (in scope)."""
    earlier = list(ReportRun.objects.filter(  # scoped-ok: same definition, visible runs
        definition=run.definition, period_date__lte=run.period_date,
        period_date__gt=run.period_date - datetime.timedelta(days=days),
        computed_at__isnull=False).order_by("period_date"))
    figures = figures_of(run)
    qs = Submission.objects.restrict(actor, Action.VIEW).filter(
        run__in=earlier, level=Level.STREET)
    if street:
        qs = qs.filter(jurisdiction_code=street)
    sums: dict[int, dict[str, int]] = {r.pk: {} for r in earlier}
    for run_id, values in qs.values_list("run_id", "values"):
        for key, n in values.items():
            sums[run_id][key] = sums[run_id].get(key, 0) + int(n)
    return {"dates": [r.period_date.isoformat() for r in earlier],
            "series": [{"key": f.key, "name": f.display_name,
                        "data": [sums[r.pk].get(f.key, 0) for r in earlier]} for f in figures]}


def by_country(*, actor: Any, run: ReportRun, streets: list[Submission] | None = None
               ) -> list[tuple[str, int]]:
    """Arrivals by nationality over the streets in scope, most first. `streets`: the street
    submissions of `run` already read for the actor (the dashboard's table), not read again."""
    if streets is None:
        streets = list(Submission.objects.restrict(actor, Action.VIEW).filter(
            run=run, level=Level.STREET))
    result: dict[str, int] = {}
    for s in streets:
        if s.run_id != run.pk or s.level != Level.STREET:
            raise ValueError("by_country: street submissions of this run only")
        for country, n in s.by_country.items():
            result[country] = result.get(country, 0) + int(n)
    return sorted(result.items(), key=lambda item: (-item[1], item[0]))


def previous_run(run: ReportRun) -> ReportRun | None:
    return (ReportRun.objects.filter(  # scoped-ok: the same definition's runs
        definition=run.definition, period_date__lt=run.period_date, computed_at__isnull=False)
        .order_by("-period_date").first())


def overdue_items(*, actor: Any, now: datetime.datetime | None = None) -> QuerySet[ActionItem]:
    now = now or timezone.now()
    return (ActionItem.objects.restrict(actor, Action.VIEW)
            .filter(done_at__isnull=True, due_at__lt=now).select_related("owner", "meeting")
            .order_by("due_at"))


def open_items(*, actor: Any) -> QuerySet[ActionItem]:
    return (ActionItem.objects.restrict(actor, Action.VIEW).filter(done_at__isnull=True)
            .select_related("owner", "meeting").order_by("due_at"))


def meetings(*, actor: Any) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(actor, Action.VIEW).order_by("-held_at")
