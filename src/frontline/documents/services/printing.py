"""Print runs and their distribution: what was printed, where it went, what is left."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Place
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import ensure_in_scope, get_in_scope
from frontline.core.permissions import Action
from frontline.documents.kinds import traveller_languages
from frontline.documents.models import Distribution, PrintRun
from frontline.documents.services.common import issuable_kind, require

MAX_COPIES = 10_000_000


def print_run_create(*, actor: Any, jurisdiction: Jurisdiction, kind: str, languages: list[str],
                     quantity: int, printed_on: datetime.date | None = None,
                     note: str = "") -> PrintRun:
    """Record a print run of the office (such as 1,500 Chinese-English poster sets)."""
    require(actor, Action.CHANGE, jurisdiction.code, visible=False)
    known = {code for code, _name in traveller_languages()}
    languages = [code for code in dict.fromkeys(languages or []) if code]
    if not languages or set(languages) - known:
        raise ValidationError({"languages": _("choose one or more traveller languages")})
    if not 0 < int(quantity) <= MAX_COPIES:
        raise ValidationError({"quantity": _("the number of copies must be positive")})
    with transaction.atomic():
        run = PrintRun.objects.create(
            jurisdiction=jurisdiction, jurisdiction_code=jurisdiction.code,
            kind=issuable_kind(kind), languages=languages, quantity=int(quantity),
            printed_on=printed_on or timezone.localdate(), note=(note or "").strip()[:300],
            created_by=actor if getattr(actor, "pk", None) else None)
        ensure_in_scope(actor, Action.CHANGE, run)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=run, after=snapshot(run))
    return run


def print_run_stock(run: PrintRun) -> int:
    handed = run.distributions.aggregate(n=Sum("quantity"))["n"] or 0
    return run.quantity - handed


def distribution_create(*, actor: Any, print_run: PrintRun, quantity: int,
                        place: Place | None = None, target: Jurisdiction | None = None,
                        distributed_on: datetime.date | None = None,
                        note: str = "") -> Distribution:
    """Hand copies of a print run to a place or a jurisdiction of the office's area.

    The print run is locked, so two hand-overs at once cannot take more than is left.
    """
    if (place is None) == (target is None):
        raise ValidationError(_("choose either a place or a jurisdiction"))
    with transaction.atomic():
        run = get_in_scope(PrintRun, actor, Action.CHANGE, for_update=True, pk=print_run.pk)
        destination = place.jurisdiction_code if place is not None else target.code
        if not destination.startswith(run.jurisdiction_code):
            raise ValidationError(_("the destination is outside the office's area"))
        quantity = int(quantity)
        if quantity <= 0:
            raise ValidationError({"quantity": _("the number of copies must be positive")})
        left = print_run_stock(run)
        if quantity > left:
            raise ValidationError({"quantity": _("only %(n)s copies are left") % {"n": left}})
        distribution = Distribution.objects.create(
            print_run=run, place=place, target=target, quantity=quantity,
            distributed_on=distributed_on or timezone.localdate(),
            note=(note or "").strip()[:300], jurisdiction_code=run.jurisdiction_code,
            created_by=actor if getattr(actor, "pk", None) else None)
        ensure_in_scope(actor, Action.CHANGE, distribution)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=distribution,
                      after={**snapshot(distribution), "stock_after": left - quantity})
    return distribution
