"""The registry counts a figure can be computed from, each as one grouped query per figure.

Every computation answers {division code: count} for the rows under a root code on a date
(figures of the same kind share one grouped query through the snapshot's cache);
codes are those of the rows (communities, and streets for rows registered at street level).
`unit_totals` then gives each community its own count and each street the count of
everything under it, so a street equals the sum of its communities plus any rows registered
at the street itself.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from frontline.core.models import code_prefix_q


def _people(root: str):
    from frontline.people.models import Person

    return Person.objects.filter(code_prefix_q("jurisdiction_code", root),  # scoped-ok: job
                                 merged_into__isnull=True, purged_at__isnull=True)


def _grouped(qs, field: str = "jurisdiction_code") -> dict[str, int]:
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("id")).order_by()}


def _by_category(root: str, day: datetime.date, cache: dict, *, recent: bool) -> dict:
    """{(code, category): count} in one grouped pass over the categories (shared by every
    category figure of a snapshot)."""
    key = ("categories", recent)
    if key not in cache:
        from frontline.people.models import PersonCategory

        qs = PersonCategory.objects.filter(  # scoped-ok: a snapshot over a root
            code_prefix_q("person__jurisdiction_code", root),
            person__merged_into__isnull=True, person__purged_at__isnull=True)
        if recent:
            since = day - datetime.timedelta(days=settings.RECENT_ARRIVAL_DAYS - 1)
            qs = qs.filter(person__arrived_on__gte=since, person__arrived_on__lte=day)
        cache[key] = {(row["person__jurisdiction_code"], row["category"]): row["n"]
                      for row in qs.values("person__jurisdiction_code", "category")
                      .annotate(n=Count("id")).order_by()}
    return cache[key]


def _category(category: str, *, recent: bool = False) -> Callable[..., dict]:
    def compute(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
        grouped = _by_category(root, day, {} if cache is None else cache, recent=recent)
        return {code: n for (code, cat), n in grouped.items() if cat == category}
    return compute


def _lodgers(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
    from frontline.people.models import LodgingStay

    open_stay = LodgingStay.objects.filter(person=OuterRef("pk"), check_out__isnull=True)
    return _grouped(_people(root).filter(Exists(open_stay)))


def arrivals_by_country(root: str, day: datetime.date, cache: dict | None = None
                        ) -> dict[str, dict[str, int]]:
    """{division code: {country: count}} of the people who arrived in the recent window."""
    cache = {} if cache is None else cache
    if "arrivals" not in cache:
        since = day - datetime.timedelta(days=settings.RECENT_ARRIVAL_DAYS - 1)
        result: dict[str, dict[str, int]] = defaultdict(dict)
        for row in (_people(root).filter(arrived_on__gte=since, arrived_on__lte=day)
                    .values("jurisdiction_code", "nationality").annotate(n=Count("id"))
                    .order_by()):
            result[row["jurisdiction_code"]][row["nationality"]] = row["n"]
        cache["arrivals"] = dict(result)
    return cache["arrivals"]


def _arrivals(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
    return {code: sum(per.values()) for code, per in arrivals_by_country(root, day, cache).items()}


def _observations(kind: str) -> Callable[..., dict]:
    def compute(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
        from frontline.observation.models import Observation

        return _grouped(Observation.objects.filter(  # scoped-ok: a snapshot over a root
            code_prefix_q("jurisdiction_code", root), kind=kind, status="active",
            start_date__lte=day))
    return compute


def _ended(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
    from frontline.observation.models import Observation

    return _grouped(Observation.objects.filter(  # scoped-ok: a snapshot over a root
        code_prefix_q("jurisdiction_code", root), ended_on=day, status="completed"))


def _alerts(root: str, day: datetime.date, cache: dict | None = None) -> dict[str, int]:
    from frontline.observation.models import Alert

    return _grouped(Alert.objects.filter(  # scoped-ok: a snapshot over a root
        code_prefix_q("jurisdiction_code", root)).filter(~Q(status="closed")))


# Each computation is (label, function(root, day, cache=None) -> {code: count}); a snapshot
# passes one cache dict to all, so figures drawn from the same grouped query share it.
COMPUTATIONS: dict[str, tuple[Any, Callable[..., dict[str, int]]]] = {
    "permanent_residents": (_("foreign permanent residents"), _category("permanent_resident")),
    "hk_mo_tw_residents": (_("Hong Kong, Macau and Taiwan residents"),
                           _category("hk_mo_tw_resident")),
    "hotel_lodgers": (_("hotel temporary lodgers staying now"), _lodgers),
    "teachers_returned": (_("foreign teachers returned recently"),
                          _category("foreign_teacher", recent=True)),
    "students_returned": (_("foreign students returned recently"),
                          _category("foreign_student", recent=True)),
    "arrivals_recent": (_("arrivals in the recent window"), _arrivals),
    "centralised_observation": (_("in centralised observation"), _observations("centralised")),
    "home_observation": (_("in home observation"), _observations("home")),
    "observations_ended": (_("observations ended that day"), _ended),
    "open_alerts": (_("open health alerts"), _alerts),
}


def unit_totals(counts: dict[str, int], units: list[str]) -> dict[str, int]:
    """Each unit's total: its own rows and those of every code under it."""
    totals = dict.fromkeys(units, 0)
    by_length: dict[int, set[str]] = defaultdict(set)
    for unit in units:
        by_length[len(unit)].add(unit)
    for code, n in counts.items():
        for length, members in by_length.items():
            if len(code) >= length and code[:length] in members:
                totals[code[:length]] += n
    return totals
