"""Reads of medical observation, always in the actor's scope: lists, worklists, the overdue
and due lists, the office's board by area and the hotels' occupancy."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from frontline.areas.models import Place, PlaceKind
from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.observation import services
from frontline.observation.models import (
    Alert,
    AlertStatus,
    HealthCheck,
    Observation,
    ObservationKind,
    ObservationPolicy,
    ObservationStatus,
    Room,
    RoomStatus,
)


def observation_list(*, actor: Any, action: Action = Action.VIEW, status: str = "active",
                     kind: str = "", hotel: int | None = None, code: str = "",
                     query: str = "") -> QuerySet[Observation]:
    qs = (Observation.objects.restrict(actor, action)
          .select_related("person", "hotel", "room", "jurisdiction"))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if hotel:
        qs = qs.filter(hotel_id=hotel)
    if code:
        from frontline.core.models import code_prefix_q

        qs = qs.filter(code_prefix_q("jurisdiction_code", code))
    if query:
        from frontline.people.selectors import person_list

        qs = qs.filter(person__in=person_list(actor=actor, query=query).values("pk"))
    return qs.order_by("end_date", "id")


def observation_detail(*, actor: Any, pk: int) -> Observation:
    try:
        return (Observation.objects.restrict(actor, Action.VIEW)
                .select_related("person", "hotel", "room", "jurisdiction", "policy",
                                "certificate", "transfer_to").get(pk=pk))
    except Observation.DoesNotExist:
        raise OutOfScope() from None


def latest_due_slot(now: datetime.datetime, checks_per_day: int) -> tuple[datetime.date, int]:
    """The most recent (day, slot) whose window has closed at `now`."""
    today = timezone.localdate(now)
    for slot in range(checks_per_day - 1, -1, -1):
        if services.slot_deadline(today, slot, checks_per_day) <= now:
            return today, slot
    return today - datetime.timedelta(days=1), checks_per_day - 1


def overdue_list(*, actor: Any, now: datetime.datetime | None = None, hotel: int | None = None,
                 code: str = "") -> QuerySet[Observation]:
    """Active observations missing the check of the latest closed window.

    Each observation keeps the (day, slot) of its newest check (`last_check`), so this is a
    comparison per row of the scope, whatever the number of checks."""
    from frontline.observation.models import slot_ordinal

    now = now or timezone.now()
    base = observation_list(actor=actor, hotel=hotel, code=code)
    condition = Q(pk__in=[])
    for n in (1, 2, 3, 4):
        day, slot = latest_due_slot(now, n)
        condition |= Q(checks_per_day=n, start_date__lte=day, end_date__gte=day,
                       last_check__lt=slot_ordinal(day, slot))
    return base.filter(condition).order_by("hotel_id", "room__number", "id")


def due_list(*, actor: Any, today: datetime.date | None = None) -> QuerySet[Observation]:
    """Observations ending today or tomorrow."""
    today = today or timezone.localdate()
    return observation_list(actor=actor).filter(
        end_date__lte=today + datetime.timedelta(days=1)).order_by("end_date", "hotel_id", "id")


def alert_list(*, actor: Any, status: str = "open", hotel: int | None = None
               ) -> QuerySet[Alert]:
    qs = Alert.objects.restrict(actor, Action.VIEW).select_related(
        "observation__person", "observation__room", "check_record", "hotel")
    if status == "open":
        qs = qs.exclude(status=AlertStatus.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if hotel:
        qs = qs.filter(hotel_id=hotel)
    return qs.order_by("-created_at", "id")


def hotels(*, actor: Any) -> QuerySet[Place]:
    return Place.objects.restrict(actor, Action.VIEW).filter(
        kind=PlaceKind.OBSERVATION_HOTEL, is_active=True).order_by("name")


def hotel_in_scope(*, actor: Any, pk: int) -> Place:
    try:
        return hotels(actor=actor).get(pk=pk)
    except Place.DoesNotExist:
        raise OutOfScope() from None


def occupancy(*, actor: Any) -> list[dict[str, Any]]:
    """Per hotel in scope: rooms by status, beds, guests."""
    rows = []
    places = list(hotels(actor=actor))
    rooms = (Room.objects.restrict(actor, Action.VIEW).filter(hotel__in=places)
             .values("hotel_id", "status").annotate(n=Count("id")).order_by())
    by_hotel: dict[int, dict[str, int]] = {}
    for r in rooms:
        by_hotel.setdefault(r["hotel_id"], {})[r["status"]] = r["n"]
    guests = dict(Observation.objects.restrict(actor, Action.VIEW)
                  .filter(hotel__in=places, status=ObservationStatus.ACTIVE)
                  .values_list("hotel_id").annotate(n=Count("id")).values_list("hotel_id", "n"))
    for place in places:
        counts = by_hotel.get(place.pk, {})
        rows.append({"hotel": place, "rooms": sum(counts.values()),
                     "free": counts.get(RoomStatus.FREE, 0),
                     "occupied": counts.get(RoomStatus.OCCUPIED, 0),
                     "cleaning": counts.get(RoomStatus.CLEANING, 0),
                     "out_of_service": counts.get(RoomStatus.OUT_OF_SERVICE, 0),
                     "guests": guests.get(place.pk, 0)})
    return rows


def room_grid(*, actor: Any, hotel: Place) -> list[dict[str, Any]]:
    """The rooms of a hotel floor by floor, each with its current guests."""
    rooms = list(Room.objects.restrict(actor, Action.VIEW).filter(hotel=hotel)
                 .order_by("floor", "number"))
    guests: dict[int, list[Observation]] = {}
    for observation in (Observation.objects.restrict(actor, Action.VIEW)
                        .filter(room__in=rooms, status=ObservationStatus.ACTIVE)
                        .select_related("person")):
        guests.setdefault(observation.room_id, []).append(observation)
    floors: dict[int, list[dict[str, Any]]] = {}
    for room in rooms:
        floors.setdefault(room.floor, []).append({"room": room,
                                                   "guests": guests.get(room.pk, [])})
    return [{"floor": floor, "rooms": items} for floor, items in sorted(floors.items())]


def hotel_worklist(*, actor: Any, hotel: Place, now: datetime.datetime | None = None
                   ) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = observation_list(actor=actor, hotel=hotel.pk)
    return {
        "arriving": mine.filter(start_date=today),
        "departing": mine.filter(end_date__lte=today),
        "overdue": overdue_list(actor=actor, now=now, hotel=hotel.pk),
        "alerts": alert_list(actor=actor, hotel=hotel.pk),
        "guests": mine.count(),
    }


def check_grid(*, actor: Any, hotel: int | None = None, floor: int | None = None,
               code: str = "", kind: str = "", now: datetime.datetime | None = None
               ) -> list[dict[str, Any]]:
    """Active observations to check now (a hotel floor, or a community's home observers),
    each with the slot now open and the check already recorded for it, if any."""
    now = now or timezone.now()
    qs = observation_list(actor=actor, action=Action.CHANGE, hotel=hotel, code=code, kind=kind)
    if floor is not None:
        qs = qs.filter(room__floor=floor)
    qs = qs.order_by("room__floor", "room__number", "person__family_name", "id")[:500]
    observations = list(qs)
    slots = {o.pk: services.slot_of(now, o.checks_per_day) for o in observations}
    done = {}
    if observations:
        days = {day for day, _slot in slots.values()}
        for check in HealthCheck.objects.filter(  # scoped-ok: observations in scope
                observation__in=observations, day__in=days):
            done[(check.observation_id, check.day, check.slot)] = check
    # An observation past its end (not ended yet) has no check to take: it is to be ended.
    return [{"observation": o, "day": slots[o.pk][0], "slot": slots[o.pk][1],
             "check": done.get((o.pk, *slots[o.pk]))} for o in observations
            if o.start_date <= slots[o.pk][0] <= o.end_date]


def office_board(*, actor: Any, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Per street in scope: active observations by kind, ending today, open alerts, overdue."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    from django.db.models.functions import Substr

    active = observation_list(actor=actor).annotate(street=Substr("jurisdiction_code", 1, 9))
    rows: dict[str, dict[str, Any]] = {}
    for r in active.values("street").annotate(
            total=Count("id"),
            centralised=Count("id", filter=Q(kind=ObservationKind.CENTRALISED)),
            home=Count("id", filter=Q(kind=ObservationKind.HOME)),
            ending=Count("id", filter=Q(end_date__lte=today))).order_by("street"):
        rows[r["street"]] = {**r, "alerts": 0, "overdue": 0}
    for r in (alert_list(actor=actor).annotate(street=Substr("jurisdiction_code", 1, 9))
              .values("street").annotate(n=Count("id")).order_by()):
        rows.setdefault(r["street"], {"street": r["street"], "total": 0, "centralised": 0,
                                      "home": 0, "ending": 0, "overdue": 0})["alerts"] = r["n"]
    for r in (overdue_list(actor=actor, now=now).annotate(street=Substr("jurisdiction_code", 1, 9))
              .values("street").annotate(n=Count("id")).order_by()):
        if r["street"] in rows:
            rows[r["street"]]["overdue"] = r["n"]
    from frontline.areas.models import Jurisdiction

    names = dict(Jurisdiction.objects.filter(  # scoped-ok: names of codes already in scope
        code__in=list(rows)).values_list("code", "name"))
    return [{**row, "name": names.get(code, code)} for code, row in sorted(rows.items())]


def incoming_transfers(*, actor: Any) -> QuerySet[Observation]:
    return (Observation.objects.filter(  # scoped-ok: incoming_q is the receiver's scope
        services.incoming_q(actor), status=ObservationStatus.ACTIVE)
        .select_related("person", "jurisdiction", "transfer_to", "hotel"))


def policy_list(*, actor: Any) -> QuerySet[ObservationPolicy]:
    return ObservationPolicy.objects.restrict(actor, Action.VIEW).select_related("jurisdiction")


def arrivals_to_observe(*, actor: Any) -> QuerySet:
    """Arrivals sorted to centralised or home observation, checked in as people, whose person
    has no observation started since: the destination's list of whom to start observing.
    Only arrivals whose person the actor sees: the desk that registered an arrival sees it
    in transit, but the person belongs to the destination's registry."""
    from django.db.models import Exists, OuterRef

    from frontline.arrivals.models import Arrival
    from frontline.people.models import Person

    started = Observation.objects.filter(  # scoped-ok: correlated to arrivals in scope
        person=OuterRef("person"), start_date__gte=OuterRef("travel_date"))
    return (Arrival.objects.restrict(actor, Action.VIEW)
            .filter(disposition__in=[ObservationKind.CENTRALISED, ObservationKind.HOME],
                    person__isnull=False, status__in=["checked_in", "in_batch", "received"],
                    person__in=Person.objects.restrict(actor, Action.VIEW).values("pk"))
            .exclude(Exists(started))
            .select_related("person", "destination", "destination_place")
            .order_by("travel_date", "id"))
