"""Every write of medical observation: policies, rooms, starting, moving, adjusting,
transferring and ending observations, health checks and their alerts, self-report links and
the retention purge. Each runs in one transaction with its audit entry and a scope re-check.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Place, PlaceKind
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, change_record_many, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.observation.models import (
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    Adjustment,
    Alert,
    AlertKind,
    AlertStatus,
    CheckSource,
    HealthCheck,
    Observation,
    ObservationKind,
    ObservationPolicy,
    ObservationStatus,
    PurgeRun,
    Room,
    RoomStatus,
    SelfReportLink,
    Symptom,
    fever_threshold,
    slot_ordinal,
)

MAX_INGEST = 1000


# -- the policy -----------------------------------------------------------------------------

def policy_in_force(code: str, day: datetime.date) -> ObservationPolicy | None:
    """The policy of the most specific jurisdiction above `code` in force on `day`."""
    prefixes = {code[:n] for n in (2, 6, 9, 12) if len(code) >= n}
    candidates = (ObservationPolicy.objects  # scoped-ok: configuration read by a service
                  .filter(jurisdiction_code__in=prefixes, effective_from__lte=day)
                  .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day)))
    best = None
    for policy in candidates:
        if best is None or (len(policy.jurisdiction_code), policy.effective_from) > (
                len(best.jurisdiction_code), best.effective_from):
            best = policy
    return best


def policy_create(*, actor: Any, jurisdiction: Jurisdiction, days: int, checks_per_day: int,
                  effective_from: datetime.date, effective_to: datetime.date | None = None,
                  note: str = "") -> ObservationPolicy:
    """A new policy; it must not overlap another of the same jurisdiction."""
    errors = {}
    if not 1 <= days <= 60:
        errors["days"] = _("Observation lasts from 1 to 60 days.")
    if not 1 <= checks_per_day <= 4:
        errors["checks_per_day"] = _("From 1 to 4 health checks a day.")
    if effective_to is not None and effective_to <= effective_from:
        errors["effective_to"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, pk=jurisdiction.pk)
        overlapping = ObservationPolicy.objects.filter(  # scoped-ok: same jurisdiction, locked
            jurisdiction=jurisdiction).select_for_update()
        for other in overlapping:
            other_end = other.effective_to or datetime.date.max
            mine_end = effective_to or datetime.date.max
            if other.effective_from < mine_end and effective_from < other_end:
                raise ValidationError({"effective_from": _(
                    "Another policy of this jurisdiction is in force from %(date)s; end it "
                    "first.") % {"date": other.effective_from}})
        policy = ObservationPolicy.objects.create(
            jurisdiction=jurisdiction, jurisdiction_code=jurisdiction.code, days=days,
            checks_per_day=checks_per_day, effective_from=effective_from,
            effective_to=effective_to, note=note[:300])
        ensure_in_scope(actor, Action.CONFIGURE, policy)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=policy, after=snapshot(policy))
    return policy


def policy_end(*, actor: Any, policy: ObservationPolicy, effective_to: datetime.date
               ) -> ObservationPolicy:
    """End a policy on a date (the first day it no longer applies)."""
    with transaction.atomic():
        policy = get_in_scope(ObservationPolicy, actor, Action.CONFIGURE, for_update=True,
                              pk=policy.pk)
        if effective_to <= policy.effective_from:
            raise ValidationError({"effective_to": _("The end must be after the start.")})
        before = snapshot(policy)
        policy.effective_to = effective_to
        policy.save(update_fields=["effective_to"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=policy, before=before,
                      after=snapshot(policy))
    return policy


# -- rooms ----------------------------------------------------------------------------------

def _hotel(actor: Any, hotel: Place, action: Action = Action.CHANGE) -> Place:
    hotel = get_in_scope(Place, actor, action, pk=hotel.pk)
    if hotel.kind != PlaceKind.OBSERVATION_HOTEL:
        raise ValidationError({"hotel": _("Rooms belong to an observation hotel.")})
    return hotel


def room_create(*, actor: Any, hotel: Place, number: str, floor: int = 1,
                kind: str = "single", beds: int = 1) -> Room:
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("A room needs a number.")})
    if not 1 <= beds <= 8:
        raise ValidationError({"beds": _("A room has from 1 to 8 beds.")})
    with transaction.atomic():
        hotel = _hotel(actor, hotel)
        if Room.objects.filter(hotel=hotel, number=number).exists():  # scoped-ok: same hotel
            raise ValidationError({"number": _("This hotel already has a room %(number)s.")
                                   % {"number": number}})
        room = Room.objects.create(hotel=hotel, jurisdiction_code=hotel.jurisdiction_code,
                                   number=number[:20], floor=floor, kind=kind, beds=beds)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=room, after=snapshot(room))
    return room


def _occupants(room: Room) -> int:
    return Observation.objects.filter(  # scoped-ok: counting one room's guests
        room=room, status=ObservationStatus.ACTIVE).count()


def room_set_status(*, actor: Any, room: Room, status: str) -> Room:
    """Mark a room free, in cleaning or out of service; an occupied room keeps its guests."""
    if status not in RoomStatus.values:
        raise ValidationError({"status": _("Unknown room status.")})
    with transaction.atomic():
        room = get_in_scope(Room, actor, Action.CHANGE, for_update=True, pk=room.pk)
        occupied = _occupants(room)
        if occupied and status != RoomStatus.OCCUPIED:
            raise ValidationError({"status": _("Someone is staying in this room; move them "
                                               "first.")})
        if not occupied and status == RoomStatus.OCCUPIED:
            raise ValidationError({"status": _("Nobody is staying in this room.")})
        before = snapshot(room)
        room.status = status
        room.save(update_fields=["status", "updated_at"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=room, before=before,
                      after=snapshot(room))
    return room


def _take_room(room: Room, hotel: Place) -> Room:
    """Lock a room and check it has a free bed (families share a room)."""
    room = Room.objects.select_for_update().get(pk=room.pk)  # scoped-ok: checked by caller
    if room.hotel_id != hotel.pk:
        raise ValidationError({"room": _("This room is in another hotel.")})
    if room.status in (RoomStatus.CLEANING, RoomStatus.OUT_OF_SERVICE):
        raise ValidationError({"room": _("Room %(number)s is not ready (%(status)s).")
                               % {"number": room.number, "status": room.get_status_display()}})
    if _occupants(room) >= room.beds:
        raise ValidationError({"room": _("Room %(number)s is already taken.")
                               % {"number": room.number}})
    if room.status != RoomStatus.OCCUPIED:
        room.status = RoomStatus.OCCUPIED
        room.save(update_fields=["status", "updated_at"])
    return room


def _release_room(room: Room | None) -> None:
    if room is None:
        return
    room = Room.objects.select_for_update().get(pk=room.pk)  # scoped-ok: the guest's room
    if not _occupants(room) and room.status == RoomStatus.OCCUPIED:
        room.status = RoomStatus.CLEANING
        room.save(update_fields=["status", "updated_at"])


# -- starting, moving, adjusting --------------------------------------------------------------

def observation_start(*, actor: Any, person: Any, kind: str, jurisdiction: Jurisdiction,
                      start_date: datetime.date, hotel: Place | None = None,
                      room: Room | None = None, address: str = "", source: str = ""
                      ) -> Observation:
    """Start observing a person: in a hotel (a room, if given) or at home (an address).

    Its length and the checks a day come from the policy in force on the start date."""
    from frontline.people.models import Person

    if kind not in ObservationKind.values:
        raise ValidationError({"kind": _("Choose centralised or home observation.")})
    if kind == ObservationKind.CENTRALISED and hotel is None:
        raise ValidationError({"hotel": _("Centralised observation needs a hotel.")})
    if kind == ObservationKind.HOME and (hotel is not None or room is not None):
        raise ValidationError({"hotel": _("Home observation has no hotel.")})
    today = timezone.localdate()
    if start_date > today + datetime.timedelta(days=1):
        raise ValidationError({"start_date": _("The start cannot be more than a day ahead.")})
    if start_date < today - datetime.timedelta(days=60):
        raise ValidationError({"start_date": _("The start is more than 60 days ago.")})
    with transaction.atomic():
        person = get_in_scope(Person, actor, Action.VIEW, pk=person.pk)
        if person.merged_into_id:
            raise ValidationError(_("This record was merged into another one: start the "
                                    "observation from the record kept."))
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.VIEW, pk=jurisdiction.pk)
        if hotel is not None:
            hotel = _hotel(actor, hotel, Action.VIEW)
        if room is not None:
            room = _take_room(room, hotel)
        policy = policy_in_force(jurisdiction.code, start_date)
        days = policy.days if policy else settings.OBSERVATION_DEFAULT_DAYS
        observation = Observation(
            person=person, kind=kind, jurisdiction=jurisdiction,
            jurisdiction_code=jurisdiction.code, hotel=hotel, room=room,
            address=address[:300], start_date=start_date, policy=policy, days=days,
            end_date=start_date + datetime.timedelta(days=days),
            checks_per_day=policy.checks_per_day if policy else 2, source=source[:40],
            created_by=actor if getattr(actor, "pk", None) else None)
        try:
            with transaction.atomic():
                observation.save()
        except IntegrityError:
            raise ValidationError(_("%(person)s is already under observation.")
                                  % {"person": person}) from None
        ensure_in_scope(actor, Action.CHANGE, observation)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=observation,
                      after=snapshot(observation), event="observation.start")
    return observation


def _active(actor: Any, observation: Observation) -> Observation:
    observation = get_in_scope(Observation, actor, Action.CHANGE, for_update=True,
                               pk=observation.pk)
    if observation.status != ObservationStatus.ACTIVE:
        raise ValidationError(_("This observation is closed."))
    return observation


def observation_move(*, actor: Any, observation: Observation, room: Room) -> Observation:
    """Move a guest to another room of the same hotel."""
    with transaction.atomic():
        observation = _active(actor, observation)
        if observation.hotel_id is None:
            raise ValidationError({"room": _("Home observation has no room.")})
        if observation.room_id == room.pk:
            return observation
        room = get_in_scope(Room, actor, Action.CHANGE, pk=room.pk)
        before = snapshot(observation)
        old = observation.room
        room = _take_room(room, observation.hotel)
        observation.room = room
        observation.save(update_fields=["room", "updated_at"])
        _release_room(old)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after=snapshot(observation), event="observation.move")
    return observation


def observation_adjust(*, actor: Any, observation: Observation, days: int, reason: str
                       ) -> Observation:
    """Extend (days > 0) or shorten (days < 0) one person's observation, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the observation changes length.")})
    if days == 0 or abs(days) > 60:
        raise ValidationError({"days": _("Add or remove from 1 to 60 days.")})
    with transaction.atomic():
        observation = _active(actor, observation)
        end = observation.end_date + datetime.timedelta(days=days)
        if end < observation.start_date or end < timezone.localdate():
            raise ValidationError({"days": _("The observation would end before today.")})
        before = snapshot(observation)
        observation.adjustment_days += days
        observation.end_date = end
        observation.save(update_fields=["adjustment_days", "end_date", "updated_at"])
        adjustment = Adjustment.objects.create(
            observation=observation, jurisdiction_code=observation.jurisdiction_code,
            hotel=observation.hotel, days=days, reason=reason[:300],
            created_by=actor if getattr(actor, "pk", None) else None)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after={**snapshot(observation), "reason": adjustment.reason},
                      event="observation.adjust")
    return observation


# -- transfers between jurisdictions ----------------------------------------------------------

def observation_transfer_request(*, actor: Any, observation: Observation,
                                 to: Jurisdiction, reason: str) -> Observation:
    """Ask another jurisdiction to take over; it stays ours until they acknowledge."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the person moves.")})
    with transaction.atomic():
        observation = _active(actor, observation)
        to = Jurisdiction.objects.get(pk=to.pk)  # scoped-ok: any jurisdiction may receive
        if not to.is_active:
            raise ValidationError({"to": _("This division no longer exists.")})
        if to.code == observation.jurisdiction_code:
            raise ValidationError({"to": _("This is already the responsible jurisdiction.")})
        before = snapshot(observation)
        observation.transfer_to = to
        observation.transfer_to_code = to.code
        observation.transfer_reason = reason[:300]
        observation.save(update_fields=["transfer_to", "transfer_to_code", "transfer_reason",
                                        "updated_at"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after=snapshot(observation), event="observation.transfer_request")
    _notify_scope(actor, observation, code=to.code,
                  title=_("An observation is being transferred to you"),
                  body=_("%(person)s: %(reason)s") % {"person": observation.person,
                                                     "reason": reason},
                  url=reverse("observation:transfer_list"), key=f"transfer:{observation.pk}")
    return observation


def incoming_q(actor: Any) -> Q:
    """Observations waiting for the actor's jurisdictions to acknowledge a transfer."""
    from frontline.core.models import code_prefix_q

    scope = scope_for(actor, Action.CHANGE)
    if scope.everything:
        return ~Q(transfer_to_code="")
    q = Q(pk__in=[])
    for code in sorted(scope.codes):
        q |= code_prefix_q("transfer_to_code", code)
    return q


def observation_transfer_accept(*, actor: Any, observation: Observation,
                                jurisdiction: Jurisdiction | None = None) -> Observation:
    """The receiver takes over (at the requested jurisdiction or one below it)."""
    with transaction.atomic():
        try:
            observation = Observation.objects.select_for_update().filter(  # scoped-ok: incoming_q
                incoming_q(actor)).get(pk=observation.pk, status=ObservationStatus.ACTIVE)
        except Observation.DoesNotExist:
            raise OutOfScope() from None
        target = jurisdiction or observation.transfer_to
        target = get_in_scope(Jurisdiction, actor, Action.CHANGE, pk=target.pk)
        if not target.code.startswith(observation.transfer_to_code):
            raise ValidationError({"jurisdiction": _("Choose the requested jurisdiction or "
                                                     "one of its communities.")})
        before = snapshot(observation)
        observation.jurisdiction = target
        observation.jurisdiction_code = target.code
        observation.transfer_to = None
        observation.transfer_to_code = ""
        observation.save(update_fields=["jurisdiction", "jurisdiction_code", "transfer_to",
                                        "transfer_to_code", "updated_at"])
        _copy_scope(observation)
        ensure_in_scope(actor, Action.CHANGE, observation)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after=snapshot(observation), event="observation.transfer_accept")
    return observation


def observation_transfer_cancel(*, actor: Any, observation: Observation) -> Observation:
    with transaction.atomic():
        observation = _active(actor, observation)
        if not observation.transfer_to_code:
            return observation
        before = snapshot(observation)
        observation.transfer_to = None
        observation.transfer_to_code = ""
        observation.save(update_fields=["transfer_to", "transfer_to_code", "updated_at"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after=snapshot(observation), event="observation.transfer_cancel")
    return observation


def _copy_scope(observation: Observation) -> None:
    """Checks, alerts, links and adjustments follow their observation's scope."""
    values = {"jurisdiction_code": observation.jurisdiction_code,
              "hotel_id": observation.hotel_id}
    for model in (HealthCheck, Alert, SelfReportLink, Adjustment):
        model.objects.filter(observation=observation).update(**values)  # scoped-ok: children


# -- health checks ----------------------------------------------------------------------------

def slot_of(moment: datetime.datetime, checks_per_day: int) -> tuple[datetime.date, int]:
    """The (day, slot) a check made at `moment` counts for: the day between the start and
    end hours is cut into `checks_per_day` equal windows."""
    local = timezone.localtime(moment)
    start, end = settings.OBSERVATION_DAY_START_HOUR, settings.OBSERVATION_DAY_END_HOUR
    hours = local.hour + local.minute / 60
    width = (end - start) / checks_per_day
    slot = int((hours - start) // width) if hours >= start else 0
    return local.date(), max(0, min(slot, checks_per_day - 1))


def slot_deadline(day: datetime.date, slot: int, checks_per_day: int) -> datetime.datetime:
    """When a slot's window closes; after it, a missing check is overdue."""
    start, end = settings.OBSERVATION_DAY_START_HOUR, settings.OBSERVATION_DAY_END_HOUR
    hours = start + (end - start) * (slot + 1) / checks_per_day
    naive = datetime.datetime.combine(day, datetime.time(0)) + datetime.timedelta(hours=hours)
    return timezone.make_aware(naive, timezone.get_default_timezone())


def parse_temperature(value: Any) -> Decimal:
    try:
        temperature = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"temperature": _("Write the temperature in °C, like 36.6.")}
                              ) from None
    if not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise ValidationError({"temperature": _(
            "A body temperature is between %(low)s and %(high)s °C; check the reading.")
            % {"low": TEMPERATURE_MIN, "high": TEMPERATURE_MAX}})
    return temperature


def clean_symptoms(values: Any) -> list[str]:
    values = list(values or [])
    unknown = [v for v in values if v not in Symptom.values]
    if unknown:
        raise ValidationError({"symptoms": _("Unknown symptom: %(value)s")
                               % {"value": ", ".join(map(str, unknown))[:60]}})
    return sorted(set(values))


def _check_fields(observation: Observation, temperature: Any, symptoms: Any,
                  day: datetime.date | None, slot: int | None, at: datetime.datetime
                  ) -> tuple[Decimal, list[str], datetime.date, int]:
    temperature = parse_temperature(temperature)
    symptoms = clean_symptoms(symptoms)
    if day is None or slot is None:
        day, slot = slot_of(at, observation.checks_per_day)
    if not 0 <= slot < observation.checks_per_day:
        raise ValidationError({"slot": _("This observation has %(n)s checks a day.")
                               % {"n": observation.checks_per_day}})
    if day < observation.start_date or day > observation.end_date:
        raise ValidationError({"day": _("The day is outside the observation period.")})
    if day > timezone.localdate(at):
        raise ValidationError({"day": _("A check cannot be recorded ahead of time.")})
    return temperature, symptoms, day, slot


def health_check_record(*, actor: Any, observation: Observation, temperature: Any,
                        symptoms: Any = (), day: datetime.date | None = None,
                        slot: int | None = None, note: str = "",
                        source: str = CheckSource.STAFF) -> tuple[HealthCheck, bool]:
    """Record one check; (check, created). The same slot twice keeps the first record.

    A fever or a symptom raises an alert to the responsible staff (in the app and in their
    chat groups) as the transaction commits."""
    now = timezone.now()
    with transaction.atomic():
        if source == CheckSource.SELF:
            observation = Observation.objects.select_for_update().get(  # scoped-ok: the link
                pk=observation.pk)
            if observation.status != ObservationStatus.ACTIVE:
                raise ValidationError(_("This observation is closed."))
        else:
            observation = _active(actor, observation)
        temperature, symptoms, day, slot = _check_fields(observation, temperature, symptoms,
                                                         day, slot, now)
        existing = HealthCheck.objects.filter(  # scoped-ok: the observation is in scope
            observation=observation, day=day, slot=slot).first()
        if existing is not None:
            return existing, False
        check = HealthCheck.objects.create(
            observation=observation, jurisdiction_code=observation.jurisdiction_code,
            hotel_id=observation.hotel_id, day=day, slot=slot, temperature=temperature,
            symptoms=symptoms, note=(note or "")[:300], source=source,
            recorded_by=actor if getattr(actor, "pk", None) else None, recorded_at=now)
        Observation.objects.filter(  # scoped-ok: the observation just locked
            pk=observation.pk, last_check__lt=slot_ordinal(day, slot)).update(
            last_check=slot_ordinal(day, slot))
        change_record(actor=actor, action=ChangeAction.CREATE, obj=check, after=snapshot(check))
        _alerts_for(actor, [check], {observation.pk: observation})
    return check, True


def _correction_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())[:300]
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why the check is corrected.")})
    return reason


def _check_locked(actor: Any, check: HealthCheck) -> tuple[HealthCheck, Observation]:
    """The check and its observation, locked, if the actor may change them and the
    observation still runs (a check of an ended observation vouches for its certificate)."""
    check = get_in_scope(HealthCheck, actor, Action.CHANGE, pk=check.pk)
    observation = _active(actor, check.observation)  # locked first, as a new check locks it
    return get_in_scope(HealthCheck, actor, Action.CHANGE, for_update=True,
                        pk=check.pk), observation


def health_check_correct(*, actor: Any, check: HealthCheck, temperature: Any,
                         symptoms: Any = (), reason: str) -> HealthCheck:
    """Correct the reading of a check (a misread thermometer, a symptom ticked on the wrong
    line) while the observation runs, saying why; audited with the reason. A correction that
    finds a fever or a symptom raises its alert as a new check does; an open alert the
    corrected reading no longer supports is closed with the reason."""
    reason = _correction_reason(reason)
    temperature, symptoms = parse_temperature(temperature), clean_symptoms(symptoms)
    with transaction.atomic():
        check, observation = _check_locked(actor, check)
        before = snapshot(check)
        if (check.temperature, list(check.symptoms)) == (temperature, symptoms):
            raise ValidationError(_("The reading is the same as the one recorded."))
        check.temperature, check.symptoms = temperature, symptoms
        check.save(update_fields=["temperature", "symptoms"])
        ensure_in_scope(actor, Action.CHANGE, check)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=check, before=before,
                      after={**snapshot(check), "reason": reason},
                      event="health_check.correct")
        found = _alert_kinds(check)
        alerts = {a.kind: a for a in Alert.objects.filter(  # scoped-ok: the check's own
            check_record=check)}
        retracted = []
        for alert in alerts.values():
            if alert.kind not in found and alert.status != AlertStatus.CLOSED:
                _alert_closed(actor, alert, _("Check corrected: %(reason)s")
                              % {"reason": reason})
                retracted.append(alert)
        if retracted:
            _retraction_notice(actor, observation, check, retracted, reason, withdrawn=False)
        raised = []
        for kind in found:
            alert = alerts.get(kind)
            if alert is None:
                alert = Alert.objects.create(
                    observation=observation, check_record=check, kind=kind,
                    jurisdiction_code=check.jurisdiction_code, hotel_id=check.hotel_id)
                change_record(actor=actor, action=ChangeAction.CREATE, obj=alert,
                              after=snapshot(alert), event="health_check.correct")
            elif alert.status == AlertStatus.CLOSED:  # found again: open again
                before = snapshot(alert)
                alert.status, alert.note = AlertStatus.OPEN, ""
                alert.acknowledged_by = alert.acknowledged_at = None
                alert.closed_by = alert.closed_at = None
                alert.save()
                change_record(actor=actor, action=ChangeAction.UPDATE, obj=alert,
                              before=before, after=snapshot(alert),
                              event="health_check.correct")
            else:
                continue
            raised.append(alert)
        if raised:
            _alert_notice(actor, observation, check, raised,
                          key=f"alert:{check.pk}:corrected:{secrets.token_hex(4)}")
    return check


def health_check_withdraw(*, actor: Any, check: HealthCheck, reason: str) -> None:
    """Withdraw a check recorded on the wrong person or for the wrong check of the day,
    while the observation runs: the check and its alerts are removed (their values stay in
    the audit log, with the reason), and the check of that slot can be recorded again."""
    reason = _correction_reason(reason)
    with transaction.atomic():
        check, observation = _check_locked(actor, check)
        alerts = list(Alert.objects.filter(check_record=check))  # scoped-ok: the check's own
        for alert in alerts:
            change_record(actor=actor, action=ChangeAction.DELETE, obj=alert,
                          before=snapshot(alert), event="health_check.withdraw")
        if alerts:
            _retraction_notice(actor, observation, check, alerts, reason, withdrawn=True)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=check,
                      after={"reason": reason}, event="health_check.withdraw")
        change_record(actor=actor, action=ChangeAction.DELETE, obj=check,
                      before=snapshot(check), event="health_check.withdraw")
        check.delete()
        newest = HealthCheck.objects.filter(  # scoped-ok: the observation locked above
            observation=observation).order_by("-day", "-slot").first()
        Observation.objects.filter(pk=observation.pk).update(  # scoped-ok: locked above
            last_check=slot_ordinal(newest.day, newest.slot) if newest else 0)


def health_checks_ingest(*, actor: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record many checks at once (the API's bulk endpoint): one result per row, in order:
    {"observation", "status": created | duplicate | error, "id"?, "errors"?}. Valid rows are
    written even when others are refused; nothing of a refused row is written."""
    if len(rows) > MAX_INGEST:
        raise ValidationError(_("Send at most %(n)s checks at once.") % {"n": MAX_INGEST})
    now = timezone.now()
    ids = {row.get("observation") for row in rows if isinstance(row.get("observation"), int)}
    results: list[dict[str, Any]] = []
    with transaction.atomic():
        observations = {o.pk: o for o in Observation.objects.restrict(actor, Action.CHANGE)
                        .filter(pk__in=ids, status=ObservationStatus.ACTIVE)}
        days = {row["day"] if isinstance(row.get("day"), datetime.date)
                else timezone.localdate(now) for row in rows}
        existing = set(HealthCheck.objects.filter(  # scoped-ok: observations in scope
            observation_id__in=list(observations), day__in=days)
            .values_list("observation_id", "day", "slot"))
        new: list[HealthCheck] = []
        for row in rows:
            observation = observations.get(row.get("observation"))
            if observation is None:
                results.append({"observation": row.get("observation"), "status": "error",
                                "errors": {"observation": [
                                    _("No active observation with this id in your scope.")]}})
                continue
            try:
                temperature, symptoms, day, slot = _check_fields(
                    observation, row.get("temperature"), row.get("symptoms"), row.get("day"),
                    row.get("slot"), now)
            except ValidationError as exc:
                results.append({"observation": observation.pk, "status": "error",
                                "errors": {k: [str(m) for m in v]
                                           for k, v in exc.message_dict.items()}})
                continue
            key = (observation.pk, day, slot)
            if key in existing:
                results.append({"observation": observation.pk, "status": "duplicate"})
                continue
            existing.add(key)
            check = HealthCheck(
                observation=observation, jurisdiction_code=observation.jurisdiction_code,
                hotel_id=observation.hotel_id, day=day, slot=slot, temperature=temperature,
                symptoms=symptoms, note=str(row.get("note") or "")[:300], source=CheckSource.API,
                recorded_by=actor if getattr(actor, "pk", None) else None, recorded_at=now)
            new.append(check)
            results.append({"observation": observation.pk, "status": "created", "check": check})
        HealthCheck.objects.bulk_create(new, batch_size=500)
        if new[:1] and new[0].pk is None:  # a backend that does not return ids
            lookup = {(c.observation_id, c.day, c.slot): c.pk for c in HealthCheck.objects.filter(
                observation_id__in={c.observation_id for c in new}).only(
                "observation_id", "day", "slot")}  # scoped-ok: rows just written
            for check in new:
                check.pk = lookup[(check.observation_id, check.day, check.slot)]
        _advance_last_check(new)
        change_record_many(actor=actor, action=ChangeAction.CREATE,
                           items=[(c, _check_snapshot(c)) for c in new])
        _alerts_for(actor, new, observations)
    for result in results:
        check = result.pop("check", None)
        if check is not None:
            result["id"] = check.pk
    return results


def _advance_last_check(checks: list[HealthCheck]) -> None:
    """Move each observation's `last_check` forward to its newest check, in one UPDATE."""
    from django.db.models import Case, F, IntegerField, Value, When
    from django.db.models.functions import Greatest

    latest: dict[int, int] = {}
    for check in checks:
        ordinal = slot_ordinal(check.day, check.slot)
        latest[check.observation_id] = max(latest.get(check.observation_id, 0), ordinal)
    if not latest:
        return
    newest = Case(*[When(pk=pk, then=Value(value)) for pk, value in latest.items()],
                  output_field=IntegerField())
    Observation.objects.filter(pk__in=list(latest)).update(  # scoped-ok: checked rows
        last_check=Greatest(F("last_check"), newest))


def _check_snapshot(check: HealthCheck) -> dict[str, Any]:
    return {"observation": check.observation_id, "day": check.day.isoformat(),
            "slot": check.slot, "temperature": str(check.temperature),
            "symptoms": check.symptoms, "source": check.source}


def _alert_kinds(check: HealthCheck) -> list[str]:
    """What a check found: a fever, symptoms, both or nothing."""
    kinds = []
    if check.temperature >= fever_threshold():
        kinds.append(AlertKind.FEVER)
    if check.symptoms:
        kinds.append(AlertKind.SYMPTOMS)
    return kinds


def _alerts_for(actor: Any, checks: list[HealthCheck],
                observations: dict[int, Observation]) -> list[Alert]:
    """Raise the alerts of abnormal checks and tell the staff."""
    alerts = []
    for check in checks:
        for kind in _alert_kinds(check):
            alerts.append(Alert(observation_id=check.observation_id, check_record=check,
                                jurisdiction_code=check.jurisdiction_code,
                                hotel_id=check.hotel_id, kind=kind))
    if not alerts:
        return []
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    # One notification per check, naming all it found (a fever with a cough is one message,
    # not two); each finding stays an alert of its own, acknowledged and closed on its own.
    by_check: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_check.setdefault(alert.check_record.pk, []).append(alert)
    for found in by_check.values():
        check = found[0].check_record
        _alert_notice(actor, observations[check.observation_id], check, found,
                      key=f"alert:{check.pk}")
    return alerts


def _retraction_notice(actor: Any, observation: Observation, check: HealthCheck,
                       alerts: list[Alert], reason: str, *, withdrawn: bool) -> None:
    """Tell the people an alert reached that it no longer stands: its check was withdrawn,
    or corrected to a reading without it (the same people and chat groups as the alert)."""
    kinds = ", ".join(str(alert.get_kind_display()) for alert in alerts)
    what = (_("the check was withdrawn: %(reason)s") if withdrawn
            else _("the check was corrected: %(reason)s")) % {"reason": reason}
    _notify_scope(actor, observation, code=observation.jurisdiction_code,
                  title=_("Health alert no longer stands: %(kind)s") % {"kind": kinds},
                  body=_("%(person)s, day %(day)s of observation: %(what)s") % {
                      "person": observation.person, "what": what,
                      "day": observation.day_number(check.day)},
                  url=reverse("observation:observation_detail", args=[observation.pk]),
                  key=f"alert:{check.pk}:retracted:{secrets.token_hex(4)}", chat=True)


def _alert_notice(actor: Any, observation: Observation, check: HealthCheck,
                  found: list[Alert], *, key: str) -> None:
    details = [_("%(temperature)s °C") % {"temperature": check.temperature}
               if alert.kind == AlertKind.FEVER else
               ", ".join(str(Symptom(s).label) for s in check.symptoms) for alert in found]
    kinds = ", ".join(str(alert.get_kind_display()) for alert in found)
    _notify_scope(actor, observation, code=observation.jurisdiction_code,
                  title=_("Health alert: %(kind)s") % {"kind": kinds},
                  body=_("%(person)s, day %(day)s of observation: %(detail)s") % {
                      "person": observation.person, "detail": "; ".join(details),
                      "day": observation.day_number(check.day)},
                  url=reverse("observation:observation_detail", args=[observation.pk]),
                  key=key, chat=True)


RESPONSIBLE_ROLES = ("district_staff", "street_staff", "community_worker", "city_office")


def responsible_users(observation: Observation, code: str | None = None) -> list[Any]:
    """Staff responsible for an observation: roles held at its jurisdiction or above (to the
    district), and the hotel's duty staff."""
    from frontline.accounts.models import RoleAssignment

    code = code or observation.jurisdiction_code
    prefixes = [code[:n] for n in (6, 9, 12) if len(code) >= n]
    q = Q(scope_code__in=prefixes, role__in=RESPONSIBLE_ROLES, place__isnull=True)
    if observation.hotel_id and code == observation.jurisdiction_code:
        q |= Q(place_id=observation.hotel_id, role="hotel_staff")
    roles = (RoleAssignment.objects.filter(q, revoked_at__isnull=True)  # scoped-ok: recipients
             .select_related("user"))
    return list({r.user_id: r.user for r in roles if r.user.is_active}.values())


def _notify_scope(actor: Any, observation: Observation, *, code: str, title: str, body: str,
                  url: str, key: str, chat: bool = False) -> None:
    from frontline.notify.models import ChatWebhook
    from frontline.notify.services import notify_chat_group, notify_users

    users = responsible_users(observation, code)
    if users:
        notify_users(actor=actor, users=users, title=title, body=body, url=url,
                     jurisdiction_code=code, dedupe_key=key)
    if chat:
        prefixes = [code[:n] for n in (6, 9, 12) if len(code) >= n]
        for webhook in ChatWebhook.objects.filter(  # scoped-ok: the area's own chat groups
                jurisdiction_code__in=prefixes, is_active=True):
            notify_chat_group(actor=actor, webhook=webhook, title=title, text=body,
                              url=url, jurisdiction_code=code, dedupe_key=f"{key}:{webhook.pk}")


def alert_acknowledge(*, actor: Any, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = get_in_scope(Alert, actor, Action.CHANGE, for_update=True, pk=alert.pk)
        if alert.status != AlertStatus.OPEN:
            raise ValidationError(_("This alert has already been acknowledged."))
        before = snapshot(alert)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=alert, before=before,
                      after=snapshot(alert))
    return alert


def alert_close(*, actor: Any, alert: Alert, note: str) -> Alert:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    with transaction.atomic():
        alert = get_in_scope(Alert, actor, Action.CHANGE, for_update=True, pk=alert.pk)
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError(_("This alert is already closed."))
        _alert_closed(actor, alert, note)
    return alert


def _alert_closed(actor: Any, alert: Alert, note: str) -> None:
    """Close an alert (locked or in a locked check's transaction), audited."""
    before = snapshot(alert)
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.status = AlertStatus.CLOSED
    alert.closed_by = actor
    alert.closed_at = now
    alert.note = note[:300]
    alert.save()
    change_record(actor=actor, action=ChangeAction.UPDATE, obj=alert, before=before,
                  after=snapshot(alert))


# -- self-report links ------------------------------------------------------------------------

def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_create(*, actor: Any, observation: Observation) -> tuple[SelfReportLink, str]:
    """A new personal link (older ones are revoked); returns it and its secret, shown once."""
    with transaction.atomic():
        observation = _active(actor, observation)
        now = timezone.now()
        SelfReportLink.objects.filter(  # scoped-ok: the observation is in scope
            observation=observation, revoked_at__isnull=True).update(revoked_at=now)
        secret = secrets.token_urlsafe(24)
        end = datetime.datetime.combine(observation.end_date + datetime.timedelta(days=1),
                                        datetime.time(0))
        link = SelfReportLink.objects.create(
            observation=observation, jurisdiction_code=observation.jurisdiction_code,
            hotel=observation.hotel, secret_hash=_hash(secret),
            expires_at=timezone.make_aware(end, timezone.get_default_timezone()),
            created_by=actor if getattr(actor, "pk", None) else None)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=link, after=snapshot(link))
    return link, secret


def link_revoke(*, actor: Any, link: SelfReportLink) -> SelfReportLink:
    with transaction.atomic():
        link = get_in_scope(SelfReportLink, actor, Action.CHANGE, for_update=True, pk=link.pk)
        if link.revoked_at is None:
            before = snapshot(link)
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            change_record(actor=actor, action=ChangeAction.UPDATE, obj=link, before=before,
                          after=snapshot(link))
    return link


class LinkInvalid(Exception):
    """The personal link is unknown, revoked or expired."""


def link_resolve(secret: str) -> SelfReportLink:
    """The live link of a secret, or LinkInvalid."""
    if not secret or len(secret) > 64:
        raise LinkInvalid()
    link = (SelfReportLink.objects.select_related("observation__person")  # scoped-ok: by secret
            .filter(secret_hash=_hash(secret)).first())
    if (link is None or link.revoked_at is not None or link.expires_at <= timezone.now()
            or link.observation.status != ObservationStatus.ACTIVE):
        raise LinkInvalid()
    return link


def self_report(*, secret: str, temperature: Any, symptoms: Any = ()) -> tuple[HealthCheck, bool]:
    """A check the person reports through their link (no account: the actor is nobody)."""
    link = link_resolve(secret)
    check, created = health_check_record(actor=None, observation=link.observation,
                                         temperature=temperature, symptoms=symptoms,
                                         source=CheckSource.SELF)
    SelfReportLink.objects.filter(pk=link.pk).update(  # scoped-ok: the resolved link
        last_used_at=timezone.now())
    return check, created


# -- ending ---------------------------------------------------------------------------------

def person_language(person: Any) -> str:
    codes = {code for code, _name in settings.TRAVELLER_LANGUAGES}
    language = (getattr(person, "preferred_language", "") or "").lower()
    return language if language in codes else "en"


def observation_end(*, actor: Any, observation: Observation, status: str = "completed",
                    reason: str = "", ended_on: datetime.date | None = None) -> Observation:
    """End an observation. Completed: the end-of-observation certificate is issued in the
    person's language + Chinese and the person is told in their language. Any other end needs
    a reason. The room is freed (to be cleaned) and the personal link stops working."""
    if status not in ObservationStatus.values or status == ObservationStatus.ACTIVE:
        raise ValidationError({"status": _("Choose how the observation ends.")})
    reason = (reason or "").strip()
    if status != ObservationStatus.COMPLETED and not reason:
        raise ValidationError({"reason": _("Say why the observation ends this way.")})
    ended_on = ended_on or timezone.localdate()
    with transaction.atomic():
        observation = _active(actor, observation)
        if status == ObservationStatus.COMPLETED and ended_on < observation.end_date:
            raise ValidationError({"status": _(
                "The observation runs until %(date)s; end it early with a reason instead.")
                % {"date": observation.end_date}})
        if observation.transfer_to_code:
            raise ValidationError(_("A transfer is waiting; cancel it first."))
        if status == ObservationStatus.COMPLETED and Alert.objects.filter(  # scoped-ok: its own
                observation=observation).exclude(status=AlertStatus.CLOSED).exists():
            # The certificate says the person stayed well: not while a fever or symptoms
            # found by a check are still being dealt with.
            raise ValidationError({"status": _(
                "A fever or symptoms alert of this observation is not closed yet: close it "
                "once the person has been assessed, or end the observation another way, with "
                "a reason.")})
        if (status == ObservationStatus.COMPLETED
                and not scope_for(actor, Action.CHANGE).covers_code(observation.jurisdiction_code)):
            raise ValidationError(_("The certificate is issued by the responsible street or the "
                                    "office: ask them to end this observation."))
        before = snapshot(observation)
        now = timezone.now()
        observation.status = status
        observation.ended_on = ended_on
        observation.end_reason = reason[:300]
        observation.closed_at = now
        old_room = observation.room
        observation.save()
        _release_room(old_room)
        SelfReportLink.objects.filter(  # scoped-ok: the observation is in scope
            observation=observation, revoked_at__isnull=True).update(revoked_at=now)
        if status == ObservationStatus.COMPLETED:
            observation.certificate = _issue_certificate(actor, observation)
            observation.save(update_fields=["certificate"])
            _tell_person(actor, observation)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=observation, before=before,
                      after=snapshot(observation), event=f"observation.end.{status}")
    return observation


def _issue_certificate(actor: Any, observation: Observation):
    from frontline.documents.kinds import DocumentKind
    from frontline.documents.services import document_issue

    person = observation.person
    document = person.documents.order_by("id").first()
    # The nationality goes as its code, named in each language of the document; the place is
    # the hotel, or for home observation the community, by their official names.
    context = {
        "name": person.display_name,
        "nationality": str(person.nationality.code) if person.nationality else "—",
        "document_masked": document.number_masked if document else "—",
        # The period the certificate vouches for is the observation's, to its planned end:
        # ended days later, the days after it had no checks (the grid stops at the end).
        "start_date": observation.start_date,
        "end_date": min(observation.ended_on, observation.end_date),
        "hotel": observation.hotel.display_name if observation.hotel_id else
        observation.jurisdiction.name,
        "jurisdiction_code": observation.jurisdiction_code,
    }
    return document_issue(actor=actor, kind=DocumentKind.END_CERTIFICATE, person=None,
                          language=person_language(person), context=context)


def _tell_person(actor: Any, observation: Observation) -> None:
    from frontline.notify.models import Channel
    from frontline.notify.services import message_send

    person = observation.person
    if not person.email:
        return
    with translation.override(person_language(person)):
        subject = _("Your medical observation has ended")
        body = _("Dear %(name)s, your medical observation ended on %(date)s. Your certificate "
                 "(serial %(serial)s) is ready; the staff will give it to you. Thank you for "
                 "your cooperation.") % {"name": person.latin_name, "date": observation.ended_on,
                                         "serial": observation.certificate.serial
                                         if observation.certificate else "—"}
    message_send(actor=actor, channel=Channel.EMAIL, email=person.email, subject=subject,
                 body=body, jurisdiction_code=observation.jurisdiction_code,
                 dedupe_key=f"observation-end:{observation.pk}")


# -- retention ------------------------------------------------------------------------------

def purge_candidates(*, actor: Any, older_than_days: int | None = None):
    """People whose every observation closed more than N days ago and who have nothing else
    open (no active observation, no open hotel stay), in the actor's scope, not yet purged."""
    from frontline.people.models import LodgingStay, Person

    days = older_than_days or settings.OBSERVATION_PURGE_DAYS
    cutoff = timezone.now() - datetime.timedelta(days=days)
    people = Person.objects.restrict(actor, Action.CHANGE).filter(purged_at__isnull=True)
    closed = Observation.objects.filter(  # scoped-ok: sub-query on people in scope
        closed_at__lte=cutoff).values("person_id")
    still = Observation.objects.filter(  # scoped-ok: sub-query on people in scope
        Q(status=ObservationStatus.ACTIVE) | Q(closed_at__gt=cutoff)).values("person_id")
    staying = LodgingStay.objects.filter(  # scoped-ok: sub-query on people in scope
        check_out__isnull=True).values("person_id")
    return (people.filter(pk__in=closed).exclude(pk__in=still).exclude(pk__in=staying)
            .annotate(observation_count=Count("observations")).order_by("id"))


def observation_purge(*, actor: Any, dry_run: bool = True, older_than_days: int | None = None,
                      limit: int = 5000) -> PurgeRun:
    """Remove the personal data of the people `purge_candidates` finds (or only count them)."""
    from frontline.people.services import person_data_erase

    scope = scope_for(actor, Action.CONFIGURE)
    if scope.is_empty:
        raise PermissionDenied(_("Purging needs the right to configure."))
    days = older_than_days or settings.OBSERVATION_PURGE_DAYS
    code = "" if scope.everything else min(scope.codes, key=len, default="")
    candidates = list(purge_candidates(actor=actor, older_than_days=days)[:limit])
    with transaction.atomic():
        observations = 0
        for person in candidates:
            observations += person.observation_count
            if dry_run:
                continue
            person_data_erase(actor=actor, person=person, reason=_(
                "retention: observation closed more than %(days)s days ago") % {"days": days})
        run = PurgeRun.objects.create(
            jurisdiction_code=code or "11", dry_run=dry_run, older_than_days=days,
            people=len(candidates), observations=observations,
            started_by=actor if getattr(actor, "pk", None) else None)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=run,
                      event="observation.purge_dry_run" if dry_run else "observation.purge",
                      after={"people": run.people, "observations": run.observations,
                             "older_than_days": days})
    return run


def purge_scheduled() -> str:
    """The daily purge for `manage.py periodic`: acts as OBSERVATION_PURGE_AS (an account of
    the office), at most once in 23 hours; does nothing when no account is configured."""
    from frontline.accounts.selectors import scheduled_account

    user, why_not = scheduled_account("OBSERVATION_PURGE_AS")
    if user is None:
        return why_not
    since = timezone.now() - datetime.timedelta(hours=23)
    if PurgeRun.objects.filter(started_by=user, dry_run=False,  # scoped-ok: own runs
                               created_at__gte=since).exists():
        return "already done today"
    run = observation_purge(actor=user, dry_run=False)
    return f"{run.people} people purged"


def person_erase(actor: Any, person: Any) -> None:
    """What observation holds of a person whose data is removed (retention or request): the
    notes of their checks, addresses and reasons, and their certificates' files."""
    HealthCheck.objects.filter(observation__person=person).update(  # scoped-ok: erased person
        note="")
    Observation.objects.filter(person=person).update(  # scoped-ok: erased person
        address="", end_reason="", transfer_reason="")
    _purge_documents(person)


def person_erase_refusal(person: Any) -> str | None:
    """An observation in progress keeps its data until it ends (public-health duty)."""
    if Observation.objects.filter(  # scoped-ok: the caller checked the person's scope
            person=person, status=ObservationStatus.ACTIVE).exists():
        return _("The person is under medical observation: their data is kept until the "
                 "observation ends.")
    return None


def person_data(person: Any) -> dict[str, Any]:
    """Observation's part of a copy of one person's data."""
    from frontline.people.services import plain_rows

    observations = Observation.objects.filter(person=person).order_by("pk")  # scoped-ok
    return {"observations": plain_rows(observations),
            "health_checks": plain_rows(HealthCheck.objects.filter(  # scoped-ok: same person
                observation__person=person).order_by("pk"))}


def _purge_documents(person: Any) -> None:
    """The certificates' stored PDFs and encrypted contexts of a purged person go; the serial,
    dates and masked name stay so a verification still answers."""
    from frontline.documents.models import IssuedDocument
    from frontline.documents.services.issuing import media_path

    ids = Observation.objects.filter(  # scoped-ok: the purged person's observations
        person=person, certificate__isnull=False).values_list("certificate_id", flat=True)
    for document in IssuedDocument.objects.filter(pk__in=list(ids)):  # scoped-ok: same
        if document.file_path:
            path = media_path(document.file_path)
            if path.exists():
                path.unlink()
        IssuedDocument.objects.filter(pk=document.pk).update(  # scoped-ok: same
            context_encrypted="", file_path="")
