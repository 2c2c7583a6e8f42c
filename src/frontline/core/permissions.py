"""The closed set of actions a role may allow, and the scope a user holds for an action.

Actions are named in code only; asking for an unknown action raises (Weblate's rule), so a
typo can never silently grant or deny.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    REVEAL = "reveal"
    EXPORT = "export"
    EXPORT_UNMASKED = "export_unmasked"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    CONFIGURE = "configure"
    TRANSLATE = "translate"
    PROOFREAD = "proofread"

    @classmethod
    def parse(cls, value: str | Action) -> Action:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown action {value!r}; actions are {[a.value for a in cls]}") from None


ACTION_LABELS = {
    Action.VIEW: _("view records"),
    Action.CHANGE: _("create and edit records"),
    Action.REVEAL: _("reveal personal data"),
    Action.EXPORT: _("export masked lists"),
    Action.EXPORT_UNMASKED: _("export unmasked lists"),
    Action.MANAGE_USERS: _("manage users"),
    Action.VIEW_AUDIT: _("read the audit log"),
    Action.CONFIGURE: _("configure places and rules"),
    Action.TRANSLATE: _("translate documents"),
    Action.PROOFREAD: _("proofread and approve translations"),
}


def next_code(code: str) -> str | None:
    """The smallest digit string of the same length greater than every string starting with code.

    Scope is a code prefix; a prefix is queried as the range [code, next_code(code)), which a
    B-tree index serves on SQLite and PostgreSQL alike, whatever the collation (digits only).
    Returns None for an all-nines code (no upper bound needed).
    """
    digits = list(code)
    i = len(digits) - 1
    while i >= 0:
        if digits[i] != "9":
            digits[i] = chr(ord(digits[i]) + 1)
            return "".join(digits[: i + 1])
        i -= 1
    return None


@dataclass(frozen=True)
class Scope:
    """Where a user may do one action: everything, some code prefixes, and some places."""

    everything: bool = False
    codes: frozenset[str] = field(default_factory=frozenset)
    place_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *, everything: bool = False, codes=(), place_ids=()) -> Scope:
        # Keep only the widest prefixes: 110101 makes 110101003 redundant.
        kept: list[str] = []
        for code in sorted(set(codes), key=len):
            if not any(code.startswith(k) for k in kept):
                kept.append(code)
        return cls(everything=everything, codes=frozenset(kept), place_ids=frozenset(place_ids))

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.codes or self.place_ids)

    def covers_code(self, code: str | None) -> bool:
        if self.everything:
            return True
        if not code:
            return False
        return any(code.startswith(prefix) for prefix in self.codes)

    def covers_place(self, place_id: int | None) -> bool:
        return self.everything or (place_id is not None and place_id in self.place_ids)
