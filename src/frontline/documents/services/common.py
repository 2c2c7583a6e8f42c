"""Helpers every documents service uses: permission checks over a division code."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from frontline.core.models import OutOfScope, scope_for
from frontline.core.permissions import Action

LEVEL_LENGTHS = (2, 4, 6, 9, 12)
MAX_COMMENT_CHARS = 2000  # a comment on a translation or on a proofread paragraph


def may(actor: Any, action: Action, code: str) -> bool:
    return scope_for(actor, action).covers_code(code)


def require(actor: Any, action: Action, code: str, *, visible: bool = True) -> None:
    """Refuse unless `actor` may do `action` over `code`.

    Someone who can see the object but lacks the action gets PermissionDenied (403);
    someone who cannot see it at all gets OutOfScope (404, exactly like “not found”).
    """
    if may(actor, action, code):
        return
    if visible:
        raise PermissionDenied
    raise OutOfScope()


def ensure_in_scope_any(actor: Any, actions: tuple[Action, ...], obj: Any) -> None:
    """Like core's ensure_in_scope, for rows reached with any one of several actions
    (translators hold no `view` action): re-check from the database after a write."""
    from frontline.documents.selectors import restrict_any

    model = type(obj)
    if not restrict_any(model._default_manager.all(), actor, actions).filter(
            pk=obj.pk).exists():
        raise OutOfScope()


def require_any(actor: Any, actions: tuple[Action, ...], code: str) -> None:
    if not any(may(actor, a, code) for a in actions):
        raise PermissionDenied


def ancestor_codes(code: str) -> list[str]:
    """The code and the codes of the levels above it, longest first."""
    return [code[:n] for n in sorted(LEVEL_LENGTHS, reverse=True) if n <= len(code)]


def common_code(codes: list[str]) -> str:
    """The longest division code (at a level boundary) that every code starts with."""
    if not codes:
        return ""
    for n in sorted(LEVEL_LENGTHS, reverse=True):
        prefixes = {c[:n] for c in codes if len(c) >= n}
        if len(prefixes) == 1 and all(len(c) >= n for c in codes):
            return prefixes.pop()
    return ""


def issuable_kind(kind: str) -> str:
    """The kind, if documents of it are issued and printed (not a knowledge-base text)."""
    from frontline.documents.kinds import KIND_SPECS, DocumentKind

    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise ValidationError({"kind": _("unknown document kind")}) from None
    if not KIND_SPECS[kind].issuable:
        raise ValidationError({"kind": _("texts of this kind are not issued or printed")})
    return kind
