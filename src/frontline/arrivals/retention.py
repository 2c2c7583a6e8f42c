"""Retention of arrivals never checked in: expected (from a list), pre-registered and cancelled
arrivals that never became a Person are deleted some days after their arrival date.

The portal promises travellers that their data are deleted or anonymised 30 days after the
observation period ends; an arrival nobody checked in has no observation period, so it goes
`ARRIVALS_UNCLAIMED_RETENTION_DAYS` (30) days after its arrival date. A checked-in arrival
(also one transferred to another district, which has no Person here) is not touched: it
follows its person (`services.person_erase`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction
from frontline.arrivals.models import Arrival, ArrivalStatus
from frontline.audit.models import ChangeAction, ChangeLogEntry
from frontline.audit.services import change_record
from frontline.core.models import scope_for
from frontline.core.permissions import Action, Scope

# The statuses of an arrival that never became a Person: waiting, or cancelled while waiting.
UNCLAIMED = (ArrivalStatus.EXPECTED, ArrivalStatus.REGISTERED, ArrivalStatus.CANCELLED)
CHUNK = 500  # rows locked and deleted per statement (well under SQLite's variable limit)
EVENT = "arrivals.purge"
EVENT_DRY_RUN = "arrivals.purge_dry_run"


def retention_days() -> int:
    return int(getattr(settings, "ARRIVALS_UNCLAIMED_RETENTION_DAYS", 30))


@dataclass(frozen=True)
class PurgeResult:
    """What one run found (dry run) or deleted; counts only, never personal data."""

    dry_run: bool
    older_than_days: int
    travelled_before: datetime.date
    arrivals: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    companions_unlinked: int = 0


def purge_candidates(*, actor: Any, older_than_days: int | None = None):
    """Arrivals without a Person, expected, pre-registered or cancelled, whose arrival date is
    more than N days ago, inside both the actor's change and configure scopes."""
    days = _days(older_than_days)
    cutoff = timezone.localdate() - datetime.timedelta(days=days)
    return (Arrival.objects.restrict(actor, Action.CHANGE).restrict(actor, Action.CONFIGURE)
            .filter(person__isnull=True, status__in=UNCLAIMED, travel_date__lt=cutoff)
            .order_by("travel_date", "pk"))


def arrivals_purge(*, actor: Any, dry_run: bool = True, older_than_days: int | None = None,
                   limit: int | None = None) -> PurgeResult:
    """Delete the arrivals `purge_candidates` finds (or only count them), the oldest first and
    at most `limit` (None: all), in one transaction with one audit entry for the run."""
    scope = scope_for(actor, Action.CONFIGURE)
    if scope.is_empty:
        raise PermissionDenied(_("Purging needs the right to configure."))
    days = _days(older_than_days)
    if limit is not None and limit < 1:
        raise ValidationError({"limit": _("Give a number of at least 1.")})
    cutoff = timezone.localdate() - datetime.timedelta(days=days)
    with transaction.atomic():
        candidates = purge_candidates(actor=actor, older_than_days=days)
        rows = list(candidates.values_list("pk", "status")[:limit] if limit
                    else candidates.values_list("pk", "status"))
        by_status: dict[str, int] = {}
        unlinked = 0
        if dry_run:
            for _pk, status in rows:
                by_status[status] = by_status.get(status, 0) + 1
        else:
            ids = [pk for pk, _status in rows]
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                # Lock them and ask again: a row checked in meanwhile is no longer a candidate.
                locked = list(candidates.filter(pk__in=chunk).select_for_update(of=("self",))
                              .values_list("pk", "status"))
                gone = [pk for pk, _status in locked]
                for _pk, status in locked:
                    by_status[status] = by_status.get(status, 0) + 1
                # Companions who stay (checked in, or still recent) lose the link to a deleted
                # party lead, as `party_lead`'s SET_NULL would do; counted for the audit entry.
                unlinked += Arrival.objects.filter(  # scoped-ok: the locked candidates' party
                    party_lead_id__in=gone).exclude(pk__in=gone).update(party_lead=None)
                Arrival.objects.filter(pk__in=gone).delete()  # scoped-ok: locked candidates
        result = PurgeResult(dry_run=dry_run, older_than_days=days, travelled_before=cutoff,
                             arrivals=sum(by_status.values()), by_status=by_status,
                             companions_unlinked=unlinked)
        where, code = _audit_place(actor, scope)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=where,
                      event=EVENT_DRY_RUN if dry_run else EVENT, jurisdiction_code=code,
                      after={"arrivals": result.arrivals, "by_status": by_status,
                             "companions_unlinked": unlinked, "older_than_days": days,
                             "travelled_before": cutoff.isoformat(), "limit": limit})
    return result


def purge_scheduled() -> str:
    """The daily purge for `manage.py periodic`: acts as ARRIVALS_PURGE_AS (or, when that is
    empty, OBSERVATION_PURGE_AS), at most once in 23 hours (`periodic --once` may be called
    every minute); does nothing when no account is configured."""
    from frontline.accounts.selectors import scheduled_account

    user, why_not = scheduled_account("ARRIVALS_PURGE_AS", "OBSERVATION_PURGE_AS")
    if user is None:
        return why_not
    since = timezone.now() - datetime.timedelta(hours=23)
    if ChangeLogEntry.objects.filter(  # scoped-ok: this account's own runs
            event=EVENT, actor=user, time__gte=since).exists():
        return "already done today"
    result = arrivals_purge(actor=user, dry_run=False)
    return f"{result.arrivals} arrivals never checked in deleted"


def _days(older_than_days: int | None) -> int:
    days = retention_days() if older_than_days is None else older_than_days
    if days < 1:
        raise ValidationError({"older_than_days": _("Give a number of days of at least 1.")})
    return days


def _audit_place(actor: Any, scope: Scope) -> tuple[Any, str]:
    """The jurisdiction the run's audit entry is filed under: the widest of the actor's
    configure scope (the root of the tree for an actor who may configure everything)."""
    if scope.codes and not scope.everything:
        code = min(scope.codes, key=lambda c: (len(c), c))
        where = Jurisdiction.objects.filter(code=code).first()  # scoped-ok: the actor's own
    else:
        where = Jurisdiction.objects.filter(  # scoped-ok: the root, for the audit entry only
            parent__isnull=True).order_by("code").first()
        code = where.code if where is not None else ""
    return (where if where is not None else actor), code
