"""Reads of the division tree and of places, restricted to the viewer's scope."""

from __future__ import annotations

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
