"""Reads of the arrivals app, always restricted: lists, the desk's queue, batches waiting for
confirmation, the board's counts, and the lookup behind the traveller's personal link."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from frontline.areas.models import Place, PlaceKind
from frontline.arrivals.models import (
    WAITING,
    Arrival,
    ArrivalImport,
    ArrivalStatus,
    HandoverBatch,
    IdentityReference,
    SortingRule,
)
from frontline.core.models import code_prefix_q, scope_for
from frontline.core.permissions import Action


def arrival_list(*, actor: Any, action: Action = Action.VIEW, status: str = "",
                 day: datetime.date | None = None, query: str = "",
                 code: str = "") -> QuerySet[Arrival]:
    qs = Arrival.objects.restrict(actor, action).select_related(
        "destination", "destination_place", "transfer_point", "batch")
    if status in ArrivalStatus.values:
        qs = qs.filter(status=status)
    elif status == "waiting":
        qs = qs.filter(status__in=WAITING)
    if day is not None:
        qs = qs.filter(travel_date=day)
    if code and code.isdigit():
        qs = qs.filter(code_prefix_q("jurisdiction_code", code))
    query = (query or "").strip()
    if query:
        from frontline.arrivals.services import DOCUMENT_PURPOSE
        from frontline.core import crypto

        reference = query.upper().replace("-", "")
        qs = qs.filter(Q(reference=reference) | Q(family_name__istartswith=query)
                       | Q(carrier_number=query.upper().replace(" ", ""))
                       | Q(doc_number_index=crypto.blind_index(query, purpose=DOCUMENT_PURPOSE)))
    return qs


def arrival_detail(*, actor: Any, pk: int, action: Action = Action.VIEW) -> Arrival:
    from frontline.core.models import get_in_scope

    return get_in_scope(Arrival, actor, action, pk=pk)


def arrival_for_traveller(*, token: str) -> Arrival:
    """The arrival a traveller's signed personal link names (a tampered, expired or other
    registration's link is refused with a ValidationError)."""
    from django.utils.translation import gettext as _

    from frontline.arrivals.services import _error, edit_read

    pk, reference = edit_read(token)
    arrival = Arrival.objects.filter(  # scoped-ok: the signed link is the traveller's key
        pk=pk, reference=reference).select_related("transfer_point", "destination").first()
    if arrival is None or arrival.status == ArrivalStatus.CANCELLED:
        raise _error(None, _("No registration with this code here."), "pass_unknown")
    return arrival


def party_of(arrival: Arrival) -> list[Arrival]:
    lead_id = arrival.party_lead_id or arrival.pk
    return list(Arrival.objects.filter(  # scoped-ok: the traveller's own party (signed link)
        Q(pk=lead_id) | Q(party_lead_id=lead_id)).exclude(
        status=ArrivalStatus.CANCELLED).order_by("id"))


def party_at_desk(*, actor: Any, arrival: Arrival) -> list[Arrival]:
    """Everyone in the actor's scope travelling with `arrival` (the lead, companions and
    children registered with them), itself included, in registration order; empty when it
    travels alone."""
    lead_id = arrival.party_lead_id or arrival.pk
    members = list(Arrival.objects.restrict(actor, Action.VIEW).filter(
        Q(pk=lead_id) | Q(party_lead_id=lead_id)).exclude(status=ArrivalStatus.CANCELLED)
        .select_related("destination").order_by("id"))
    return members if len(members) > 1 else []


def waiting_for_batch(*, actor: Any) -> QuerySet[Arrival]:
    return arrival_list(actor=actor, action=Action.CHANGE, status=ArrivalStatus.CHECKED_IN
                        ).order_by("jurisdiction_code", "checked_in_at")


def batch_groups(*, actor: Any) -> list[dict[str, Any]]:
    """Checked-in arrivals waiting for a vehicle, grouped by hotel or destination street
    (or district, for a transfer)."""
    groups: dict[tuple, dict[str, Any]] = {}
    for arrival in waiting_for_batch(actor=actor):
        if arrival.destination_place_id:
            key = ("hotel", arrival.destination_place_id)
            label = arrival.destination_place.name
        else:
            code = arrival.jurisdiction_code[:9] if len(arrival.jurisdiction_code) >= 9 \
                else arrival.jurisdiction_code
            key = ("code", code)
            label = code
        group = groups.setdefault(key, {"key": f"{key[0]}:{key[1]}", "label": label,
                                        "arrivals": []})
        group["arrivals"].append(arrival)
    if groups:
        from frontline.areas.models import Jurisdiction

        names = dict(Jurisdiction.objects.filter(  # scoped-ok: names of division codes
            code__in=[k[1] for k in groups if k[0] == "code"]).values_list("code", "name"))
        for key, group in groups.items():
            if key[0] == "code":
                group["label"] = f"{key[1]} {names.get(key[1], '')}".strip()
    return sorted(groups.values(), key=lambda g: g["key"])


def batch_list(*, actor: Any, status: str = "") -> QuerySet[HandoverBatch]:
    qs = HandoverBatch.objects.restrict(actor, Action.VIEW).select_related(
        "destination", "destination_place", "transfer_point").annotate(
        size=Count("arrivals"),
        received=Count("arrivals", filter=Q(arrivals__status=ArrivalStatus.RECEIVED)),
        missing=Count("arrivals", filter=Q(arrivals__status=ArrivalStatus.MISSING))
    ).order_by("-departed_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def transfer_points(*, actor: Any, action: Action = Action.CHANGE) -> QuerySet[Place]:
    return Place.objects.restrict(actor, action).filter(kind=PlaceKind.TRANSFER_POINT,
                                                        is_active=True)


def hotels(*, actor: Any) -> QuerySet[Place]:
    """Observation hotels a desk may send people to: those of the office above the desk."""
    scope_codes: set[str] = set()
    for point in transfer_points(actor=actor, action=Action.VIEW):
        scope_codes.add(point.jurisdiction_code[:6])
    qs = Place.objects.restrict(actor, Action.VIEW).filter(kind=PlaceKind.OBSERVATION_HOTEL)
    if scope_codes:
        q = Q(pk__in=[])
        for code in scope_codes:
            q |= code_prefix_q("jurisdiction_code", code)
        qs = qs | Place.objects.filter(q, kind=PlaceKind.OBSERVATION_HOTEL,  # scoped-ok: the
                                       is_active=True)  # hotels of the desk's own office
    return qs.distinct().order_by("name")


def rule_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[SortingRule]:
    return SortingRule.objects.restrict(actor, action).select_related(
        "hotel", "transfer_to", "jurisdiction")


def import_list(*, actor: Any) -> QuerySet[ArrivalImport]:
    return ArrivalImport.objects.restrict(actor, Action.VIEW).select_related("transfer_point")


def reference_list() -> QuerySet[IdentityReference]:
    """Reference content (no personal data): every staff member reads it."""
    return IdentityReference.objects.select_related("jurisdiction").order_by("order", "id")


def board_counts(*, actor: Any, day: datetime.date | None = None) -> dict[str, Any]:
    """The desk board: per hour of check-in and per destination, how many are waiting,
    checked in, in a batch, missing at hand-over and received, of the day's arrivals: those
    due that day and those checked in that day (early or late travellers count on the day
    they came through the desk). A desk also counts what it registered after the destination
    received it: a count, though the records themselves are the destination's from then on.
    A few grouped queries, whatever the volume."""
    day = day or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    scope = scope_for(actor, Action.VIEW)
    if scope.everything:
        qs = Arrival.objects.all()  # scoped-ok: everything is in scope
    else:
        mine = Q(pk__in=Arrival.objects.restrict(actor, Action.VIEW).values("pk"))
        if scope.place_ids:  # the desk's mark is cleared on receipt; the transfer point stays
            mine |= Q(transfer_point_id__in=sorted(scope.place_ids))
        qs = Arrival.objects.filter(mine)  # scoped-ok: in scope, or counts of the desk's own
    qs = qs.filter(Q(travel_date=day) | Q(
        checked_in_at__gte=start, checked_in_at__lt=start + datetime.timedelta(days=1))
    ).exclude(status=ArrivalStatus.CANCELLED)
    columns = ["waiting", "checked_in", "in_batch", "missing", "received"]

    def bucket(status: str) -> str:
        return "waiting" if status in WAITING else status

    totals = dict.fromkeys(columns, 0)
    for status, n in qs.values_list("status").annotate(n=Count("id")).order_by():
        totals[bucket(status)] += n
    hours: dict[int, dict[str, int]] = {}
    for hour, status, n in (qs.filter(checked_in_at__gte=start,
                                      checked_in_at__lt=start + datetime.timedelta(days=1))
                            .annotate(h=ExtractHour("checked_in_at", tzinfo=tz))
                            .values_list("h", "status").annotate(n=Count("id")).order_by()):
        row = hours.setdefault(hour, dict.fromkeys(columns, 0))
        row[bucket(status)] += n
    destinations: dict[str, dict[str, int]] = {}
    for code, status, n in (qs.values_list("jurisdiction_code", "status")
                            .annotate(n=Count("id")).order_by()):
        key = code[:9] if len(code) >= 9 else code
        row = destinations.setdefault(key, dict.fromkeys(columns, 0))
        row[bucket(status)] += n
    from frontline.areas.models import Jurisdiction

    names = dict(Jurisdiction.objects.filter(  # scoped-ok: names of division codes
        code__in=list(destinations)).values_list("code", "name"))
    return {
        "day": day, "columns": columns, "totals": totals,
        "hours": [{"hour": h, **hours[h]} for h in sorted(hours)],
        "destinations": [{"code": c, "name": names.get(c, ""), **destinations[c]}
                         for c in sorted(destinations)],
    }


def public_transfer_points() -> list[Place]:
    """The transfer points a traveller may register for (names only, on the public portal)."""
    return list(Place.objects.filter(  # scoped-ok: public names of the arrival points
        kind=PlaceKind.TRANSFER_POINT, is_active=True).order_by("name", "id"))


def public_destinations(points: list[Place]) -> list[Any]:
    """The streets of the transfer points' districts, for a traveller who knows theirs."""
    from frontline.areas.models import Jurisdiction, Level

    q = Q(pk__in=[])
    for code in {p.jurisdiction_code[:6] for p in points}:
        q |= code_prefix_q("code", code)
    return list(Jurisdiction.objects.filter(  # scoped-ok: public names of the streets
        q, level=Level.STREET, is_active=True).order_by("code"))
