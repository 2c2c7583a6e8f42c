"""Reads of the division tree and of places, restricted to the viewer's scope."""

from __future__ import annotations

import copy
from typing import Any

from django.db.models import Q, QuerySet

from frontline.areas.models import Jurisdiction, Place
from frontline.core.permissions import Action


def jurisdiction_list(*, actor: Any, query: str = "", level: str = "",
                      parent: Jurisdiction | None = None) -> QuerySet[Jurisdiction]:
    qs = Jurisdiction.objects.restrict(actor, Action.VIEW).select_related("parent")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_en__icontains=query)
                       | Q(code__startswith=query))
    if level:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.order_by("code")


def place_list(*, actor: Any, query: str = "", kind: str = "",
               jurisdiction: Jurisdiction | None = None,
               action: Action = Action.VIEW) -> QuerySet[Place]:
    qs = Place.objects.restrict(actor, action).select_related("jurisdiction", "location")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_en__icontains=query)
                       | Q(address__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction is not None:
        from frontline.core.models import code_prefix_q

        qs = qs.filter(code_prefix_q("jurisdiction_code", jurisdiction.code))
    return qs.order_by("jurisdiction_code", "name", "id")


def division_by_code(code: str, *, read: dict[str, str] | None = None
                     ) -> Jurisdiction | None:
    """Any division (active or not) by its code, or None: from a copy of the division table
    kept per process while it is unchanged (`core.refcache`, one token read instead of a
    query per lookup; a desk check-in names its destination by code, and reads the token
    with the sorting rules' as `read`). Answers a copy."""
    from frontline.areas.apps import JURISDICTIONS
    from frontline.core import refcache

    def load() -> dict[str, Jurisdiction]:
        return {j.code: j for j in Jurisdiction.objects.all()}  # scoped-ok: a lookup table

    found = refcache.cached_on("areas.division_by_code", [JURISDICTIONS], load,
                               read=read).get(code)
    return copy.copy(found) if found is not None else None
