"""Every write to jurisdictions and places: one function per business operation."""

from __future__ import annotations

import bisect
import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from frontline.areas.apps import JURISDICTIONS
from frontline.areas.models import LEVEL_ORDER, Jurisdiction, Level, Place, validate_division
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core import refcache
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action

DIVISION_COLUMNS = ["code", "name", "level", "parent_code"]
MAX_DIVISION_FILE_BYTES = 20 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class DivisionRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    error: str = ""


@dataclass
class DivisionLoadReport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                "rejected": len(self.rejected)}


class DivisionFileError(ValueError):
    """The file as a whole cannot be read (not the problems of single rows)."""


def division_rows_parse(data: bytes) -> list[DivisionRow]:
    """Read a division CSV (code,name,level,parent_code; UTF-8 with or without BOM)."""
    if len(data) > MAX_DIVISION_FILE_BYTES:
        raise DivisionFileError(_("the file is larger than %(mb)s MB")
                                % {"mb": MAX_DIVISION_FILE_BYTES // (1024 * 1024)})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DivisionFileError(_("the file is not UTF-8 text (byte %(pos)s)")
                                % {"pos": exc.start}) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DivisionFileError(_("the file is empty")) from None
    except csv.Error as exc:
        raise DivisionFileError(str(exc)) from exc
    if [h.strip().lower() for h in header] != DIVISION_COLUMNS:
        raise DivisionFileError(_("the header must be “%(expected)s”, not “%(found)s”")
                                % {"expected": ",".join(DIVISION_COLUMNS),
                                   "found": ",".join(header)[:200]})
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            error = _("too many columns") if len(values) > 4 else ""
            if not error and any(_CONTROL.search(v) for v in values):
                # NUL and other control characters: PostgreSQL refuses NUL in text outright.
                error = _("the row contains control characters")
            values = [*values, "", "", ""][:4]
            rows.append(DivisionRow(line, values[0].strip(), values[1].strip(),
                                    values[2].strip().lower(), values[3].strip(), error))
    except csv.Error as exc:
        raise DivisionFileError(_("line %(line)s: %(error)s")
                                % {"line": reader.line_num, "error": exc}) from exc
    return rows


def divisions_load(
    *, actor: Any, rows: list[DivisionRow], root: str | None = None
) -> DivisionLoadReport:
    """Upsert the division tree from parsed rows; rejected rows are reported and not written.

    Idempotent: loading the same file twice changes nothing the second time. A district
    without a parent is attached to the city whose code is its prefix, if one exists.
    Needs the configure action over the whole of what is loaded.
    """
    report = DivisionLoadReport()
    scope = scope_for(actor, Action.CONFIGURE) if actor is not None else None
    if root:
        rows = [r for r in rows if r.code.startswith(root) or root.startswith(r.code)]
    existing = {j.code: j for j in Jurisdiction.objects.all()}
    known = sorted(existing)  # every code, existing or accepted, for the prefix check
    rank = {level: i for i, level in enumerate(LEVEL_ORDER)}
    rows = sorted(rows, key=lambda r: (rank.get(r.level, 99), r.line))
    seen: dict[str, int] = {}
    accepted: dict[str, DivisionRow] = {}
    for row in rows:
        if row.error:
            report.rejected.append((row.line, row.error))
            continue
        if row.code in seen:
            report.rejected.append((row.line, _("code %(code)s repeats line %(first)s")
                                    % {"code": row.code, "first": seen[row.code]}))
            continue
        seen[row.code] = row.line
        if not row.name:
            report.rejected.append((row.line, _("the name is empty")))
            continue
        if len(row.name) > 100:
            report.rejected.append((row.line, _("the name is longer than 100 characters")))
            continue
        parent_code = row.parent_code
        if row.level in Level.values and not parent_code and row.level == Level.DISTRICT:
            cities = [c for c, j in existing.items() if j.level == Level.CITY]
            cities += [c for c, r in accepted.items() if r.level == Level.CITY]
            parent_code = next((c for c in sorted(cities, key=len)
                                if row.code.startswith(c) and c != row.code), "")
        parent_level = None
        if parent_code:
            if parent_code in accepted:
                parent_level = accepted[parent_code].level
            elif parent_code in existing:
                parent_level = existing[parent_code].level
            else:
                report.rejected.append((row.line, _("unknown parent code %(parent)s")
                                        % {"parent": parent_code}))
                continue
        errors = validate_division(row.code, row.level, parent_code, parent_level)
        if errors:
            report.rejected.append((row.line, "; ".join(str(e) for e in errors)))
            continue
        clash = _prefix_clash(row.code, parent_code, known, new=row.code not in existing)
        if clash:
            report.rejected.append((row.line, clash))
            continue
        if scope is not None and not scope.covers_code(row.code):
            report.rejected.append((row.line, _("code %(code)s is outside your jurisdiction")
                                    % {"code": row.code}))
            continue
        row.parent_code = parent_code
        accepted[row.code] = row
        if row.code not in existing:
            bisect.insort(known, row.code)

    with transaction.atomic():
        to_create: list[Jurisdiction] = []
        to_update: list[Jurisdiction] = []
        changed_codes: list[str] = []
        # Parents first, so each level's parents have ids before their children are linked.
        for level in LEVEL_ORDER:
            level_rows = [r for r in accepted.values() if r.level == level]
            for row in level_rows:
                parent = existing.get(row.parent_code) if row.parent_code else None
                current = existing.get(row.code)
                if current is None:
                    to_create.append(Jurisdiction(code=row.code, name=row.name, level=row.level,
                                                  parent=parent))
                elif (current.name, current.level, current.parent_id) != (
                    row.name, row.level, parent.pk if parent else None
                ):
                    current.name, current.level, current.parent = row.name, row.level, parent
                    to_update.append(current)
                    changed_codes.append(row.code)
                else:
                    report.unchanged += 1
            created = Jurisdiction.objects.bulk_create(to_create, batch_size=500)
            if not all(j.pk for j in created):  # backends that do not return ids
                fresh = Jurisdiction.objects.in_bulk([j.code for j in created], field_name="code")
                created = list(fresh.values())
            for j in created:
                existing[j.code] = j
            report.added += len(created)
            to_create = []
        if to_update:
            Jurisdiction.objects.bulk_update(to_update, ["name", "level", "parent"],
                                             batch_size=500)
            report.changed = len(to_update)
        if report.added or report.changed:
            refcache.bump(JURISDICTIONS)  # bulk writes send no signal
        if (report.added or report.changed) and connection.vendor == "postgresql":
            # Fresh statistics now, not when autovacuum gets to it: until then the planner
            # guesses the tree's size and joins it badly on every scoped list.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE areas_jurisdiction")
        if report.added or report.changed:
            anchor = existing[min(accepted, key=len)] if accepted else None
            if anchor is not None:
                change_record(
                    actor=actor, action=ChangeAction.EVENT, obj=anchor, event="divisions.load",
                    jurisdiction_code=root or "",
                    after={**report.as_dict(), "changed_codes": changed_codes[:200]},
                )
    return report


def _prefix_clash(code: str, parent_code: str, known: list[str], *, new: bool) -> str:
    """Why `code` would break "a code starts with another exactly when the other is above it"
    (scope is a code prefix, so city 11 would see all of an unrelated city 1101), or ""."""
    for n in range(len(parent_code) + 1, len(code)):
        i = bisect.bisect_left(known, code[:n])
        if i < len(known) and known[i] == code[:n]:
            return (_("code %(code)s starts with %(other)s, which is not above it")
                    % {"code": code, "other": code[:n]})
    if new:
        i = bisect.bisect_left(known, code)
        if i < len(known) and known[i].startswith(code) and known[i] != code:
            return (_("code %(code)s is the beginning of %(other)s, which is not below it")
                    % {"code": code, "other": known[i]})
    return ""


PLACE_FIELDS = ["name", "name_en", "kind", "jurisdiction", "location", "address", "capacity",
                "contact_name", "contact_phone", "is_active"]


def _check_jurisdiction(actor: Any, jurisdiction: Jurisdiction) -> None:
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise OutOfScope()


def place_create(*, actor: Any, **data: Any) -> Place:
    """Create a place under a jurisdiction the actor may configure."""
    unknown = set(data) - set(PLACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields {sorted(unknown)}")
    with transaction.atomic():
        place = Place(**data)
        _check_jurisdiction(actor, place.jurisdiction)
        place.jurisdiction_code = place.jurisdiction.code
        place.full_clean()
        place.save()
        ensure_in_scope(actor, Action.CONFIGURE, place)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=place, after=snapshot(place))
    return place


def place_update(*, actor: Any, place: Place, **data: Any) -> Place:
    """Change a place; it must be in scope before and after (nobody moves it out of reach)."""
    unknown = set(data) - set(PLACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields {sorted(unknown)}")
    with transaction.atomic():
        place = get_in_scope(Place, actor, Action.CONFIGURE, for_update=True, pk=place.pk)
        before = snapshot(place)
        for name, value in data.items():
            setattr(place, name, value)
        _check_jurisdiction(actor, place.jurisdiction)
        place.jurisdiction_code = place.jurisdiction.code
        place.full_clean()
        place.save()
        ensure_in_scope(actor, Action.CONFIGURE, place)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=place, before=before,
                      after=snapshot(place))
    return place


def jurisdiction_rename(*, actor: Any, jurisdiction: Jurisdiction, name_en: str) -> Jurisdiction:
    """Set the optional English name of a jurisdiction (the official name is not edited here)."""
    if len(name_en) > 150:
        raise ValidationError({"name_en": _("at most 150 characters")})
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, for_update=True,
                                    pk=jurisdiction.pk)
        before = snapshot(jurisdiction)
        jurisdiction.name_en = name_en.strip()
        jurisdiction.save(update_fields=["name_en"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=jurisdiction, before=before,
                      after=snapshot(jurisdiction))
    return jurisdiction
