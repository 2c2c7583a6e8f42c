"""Hand-over batches (交接): a bus or car from the transfer point to one destination, the
receiver's confirmation of each person (the chain of custody), and the overdue alert."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Place
from frontline.arrivals.models import (
    Arrival,
    ArrivalStatus,
    BatchStatus,
    HandoverBatch,
)
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action


def confirm_minutes() -> int:
    return getattr(settings, "ARRIVALS_CONFIRM_MINUTES", 120)


def _may_dispatch(actor: Any, transfer_point: Place) -> bool:
    scope = scope_for(actor, Action.CHANGE)
    return scope.covers_place(transfer_point.pk) or scope.covers_code(
        transfer_point.jurisdiction_code)


def is_receiver(actor: Any, batch: HandoverBatch) -> bool:
    """The destination confirms receipt: its staff, or the hotel's duty staff. The desk that
    sent the batch cannot confirm its own hand-over."""
    scope = scope_for(actor, Action.CHANGE)
    if batch.destination_place_id and scope.covers_place(batch.destination_place_id):
        return True
    return scope.covers_code(batch.jurisdiction_code)


def batch_create(*, actor: Any, arrivals: list[Arrival], destination: Jurisdiction | None = None,
                 hotel: Place | None = None, vehicle: str = "", escort: str = "",
                 confirm_within_minutes: int | None = None) -> HandoverBatch:
    """Put checked-in arrivals bound for one destination (a jurisdiction, or a hotel) on one
    vehicle. Each arrival must be checked in, not in another batch, and under the destination."""
    if not arrivals:
        raise ValidationError(_("Choose at least one checked-in arrival."), code="empty")
    if len(arrivals) > 500:
        raise ValidationError(_("A batch holds at most 500 people."), code="too_many")
    minutes = confirm_within_minutes or confirm_minutes()
    if not 5 <= minutes <= 24 * 60:
        raise ValidationError({"confirm_within_minutes": _("Between 5 minutes and 24 hours.")})
    with transaction.atomic():
        locked = [get_in_scope(Arrival, actor, Action.CHANGE, for_update=True, pk=a.pk)
                  for a in sorted(arrivals, key=lambda a: a.pk)]
        first = locked[0]
        transfer_point = first.transfer_point
        if not _may_dispatch(actor, transfer_point):
            raise PermissionDenied
        if hotel is None and destination is None:
            if first.destination_place_id:
                hotel = first.destination_place
            else:
                destination = first.destination
        if hotel is not None:
            destination = hotel.jurisdiction
        for arrival in locked:
            if arrival.status != ArrivalStatus.CHECKED_IN or arrival.batch_id:
                raise ValidationError(
                    _("%(ref)s is not waiting for a hand-over.") % {"ref": arrival.reference},
                    code="not_waiting")
            if arrival.transfer_point_id != transfer_point.pk:
                raise ValidationError(_("All arrivals of a batch leave from one transfer point."),
                                      code="mixed")
            if hotel is not None:
                ok = arrival.destination_place_id == hotel.pk
            else:
                ok = (not arrival.destination_place_id
                      and arrival.jurisdiction_code.startswith(destination.code))
            if not ok:
                raise ValidationError(
                    _("%(ref)s goes to another destination.") % {"ref": arrival.reference},
                    code="mixed")
        now = timezone.now()
        batch = HandoverBatch(
            reference=f"{timezone.localtime(now):%Y%m%d}-{secrets.token_hex(3).upper()}",
            transfer_point=transfer_point, desk_place=transfer_point, destination=destination,
            destination_place=hotel, jurisdiction_code=destination.code,
            vehicle=" ".join(vehicle.split())[:50], escort=" ".join(escort.split())[:100],
            departed_at=now, confirm_by=now + datetime.timedelta(minutes=minutes),
            created_by=actor if getattr(actor, "pk", None) else None)
        batch.save()
        ids = [a.pk for a in locked]
        Arrival.objects.filter(pk__in=ids).update(  # scoped-ok: locked and checked above
            batch=batch, status=ArrivalStatus.IN_BATCH, updated_at=now)
        ensure_in_scope(actor, Action.CHANGE, batch)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=batch, after={
            **snapshot(batch), "arrivals": ids}, event="handover.depart")
        for arrival in locked:
            change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival,
                          event="handover.depart", after={"batch": batch.reference})
    return batch


def batch_receive(*, actor: Any, batch: HandoverBatch, received: list[int],
                  missing: list[int] | None = None) -> HandoverBatch:
    """The receiver confirms each person as received or missing. A received arrival leaves
    the desk's sight; when nobody is left unconfirmed the batch is confirmed."""
    missing = list(missing or [])
    received = list(received or [])
    if set(received) & set(missing):
        raise ValidationError(_("A person is either received or missing, not both."),
                              code="both")
    if not received and not missing:
        raise ValidationError(_("Confirm at least one person."), code="empty")
    with transaction.atomic():
        batch = get_in_scope(HandoverBatch, actor, Action.VIEW, for_update=True, pk=batch.pk)
        if not is_receiver(actor, batch):
            raise PermissionDenied(_("Only the receiving destination confirms a hand-over."))
        members = {a.pk: a for a in Arrival.objects.select_for_update().filter(  # scoped-ok
            batch=batch)}
        unknown = (set(received) | set(missing)) - set(members)
        if unknown:
            raise ValidationError(_("These people are not in this batch: %(ids)s")
                                  % {"ids": ", ".join(str(i) for i in sorted(unknown))},
                                  code="not_in_batch")
        now = timezone.now()
        for pk, status in [(pk, ArrivalStatus.RECEIVED) for pk in received] + [
                (pk, ArrivalStatus.MISSING) for pk in missing]:
            arrival = members[pk]
            if arrival.status == ArrivalStatus.RECEIVED:
                continue  # a receipt is final
            arrival.status = status
            if status == ArrivalStatus.RECEIVED:
                arrival.received_at, arrival.received_by = now, actor
                arrival.desk_place = None
            arrival.save(update_fields=["status", "received_at", "received_by", "desk_place",
                                        "updated_at"])
            change_record(actor=actor, action=ChangeAction.EVENT, obj=arrival,
                          event=f"handover.{status}", after={"batch": batch.reference})
        before = snapshot(batch)
        left = [a for a in members.values() if a.status == ArrivalStatus.IN_BATCH]
        if not left and batch.status != BatchStatus.CONFIRMED:
            batch.status = BatchStatus.CONFIRMED
            batch.confirmed_at = now
        if all(a.status == ArrivalStatus.RECEIVED for a in members.values()):
            batch.desk_place = None
        batch.save(update_fields=["status", "confirmed_at", "desk_place"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=batch, before=before,
                      after={**snapshot(batch), "received": received, "missing": missing},
                      event="handover.confirm")
        ensure_in_scope(actor, Action.VIEW, batch)
    return batch


def _recipients(batch: HandoverBatch) -> list[Any]:
    from frontline.accounts.models import RoleAssignment

    codes = [batch.jurisdiction_code[:n] for n in (2, 4, 6, 9, 12)
             if n <= len(batch.jurisdiction_code)]
    q = Q(scope_code__in=codes, place__isnull=True)
    q |= Q(place_id__in=[p for p in (batch.transfer_point_id, batch.destination_place_id) if p])
    roles = RoleAssignment.objects.filter(  # scoped-ok: choosing whom to alert
        q, revoked_at__isnull=True,
        role__in=["district_staff", "street_staff", "community_worker", "registrar",
                  "hotel_staff", "city_office"]).select_related("user")
    users = {r.user.pk: r.user for r in roles}
    if batch.created_by_id:
        users[batch.created_by_id] = batch.created_by
    return list(users.values())


def batches_alert_overdue(*, now: datetime.datetime | None = None) -> int:
    """Alert the desk and the destination about every batch not confirmed in time (once)."""
    from frontline.notify.services import notify_users

    now = now or timezone.now()
    count = 0
    due = HandoverBatch.objects.filter(  # scoped-ok: the system's periodic check
        status=BatchStatus.IN_TRANSIT, confirm_by__lt=now, alerted_at__isnull=True)
    for batch_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            batch = HandoverBatch.objects.select_for_update(of=("self",)).select_related(
                "destination", "destination_place").get(pk=batch_id)  # scoped-ok: system
            if batch.alerted_at or batch.status != BatchStatus.IN_TRANSIT:
                continue
            where = batch.destination_place or batch.destination
            notify_users(
                actor=None, users=_recipients(batch),
                title=_("Hand-over batch %(ref)s not confirmed") % {"ref": batch.reference},
                body=_("The batch to %(where)s left at %(time)s and is not confirmed yet.")
                % {"where": where, "time": f"{timezone.localtime(batch.departed_at):%H:%M}"},
                url=f"/arrivals/batches/{batch.pk}/", jurisdiction_code=batch.jurisdiction_code,
                dedupe_key=f"arrivals.batch.overdue.{batch.pk}")
            batch.alerted_at = now
            batch.save(update_fields=["alerted_at"])
            change_record(actor=None, action=ChangeAction.EVENT, obj=batch,
                          event="handover.overdue_alert")
            count += 1
    return count
