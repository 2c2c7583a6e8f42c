"""Writing the audit logs. Services call these inside their own transaction."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import models

from frontline.audit.models import AccessEvent, AccessLogEntry, ChangeAction, ChangeLogEntry
from frontline.core.context import current_client_ip, current_request_id

MASKED = "********"

# The change entries collected by `change_records_together`, or None outside it.
_collected: contextvars.ContextVar[list[ChangeLogEntry] | None] = contextvars.ContextVar(
    "audit_collected_changes", default=None)
# New rows to insert with them (`insert_with_changes`), or None outside the block.
_rows: contextvars.ContextVar[list[models.Model] | None] = contextvars.ContextVar(
    "audit_collected_rows", default=None)


def object_label(obj: Any) -> str:
    """How the audit log names a record: its own `__str__`, or, for a model without one
    ("Bulletin object (1)"), its verbose name and number ("daily bulletin #1")."""
    text = str(obj)
    if type(obj).__str__ is models.Model.__str__:
        text = f"{obj._meta.verbose_name} #{obj.pk}"
    return text


@contextlib.contextmanager
def change_records_together() -> Iterator[None]:
    """Within the block, `change_record` collects its entries and they are written in one
    INSERT when the block ends normally (nothing is written if it raises).

    For a service that records several changes in one transaction (a desk check-in records
    the arrival, the person, the document and the check-in): open it inside the transaction,
    and only around code that lets every error propagate: an entry recorded inside a
    savepoint that is rolled back and recovered from would still be written. Nested blocks
    write with the outermost.
    """
    if _collected.get() is not None:
        yield
        return
    token = _collected.set([])
    rows_token = _rows.set([])
    try:
        yield
        changes_write()
    finally:
        _collected.reset(token)
        _rows.reset(rows_token)


def insert_with_changes(*rows: models.Model) -> None:
    """Insert new `rows` (of plain models, their ids allocated ahead with
    `core.rowwrite.allocate`) together with the change entries of the current
    `change_records_together` block: in one round trip, when the block ends or at
    `changes_write()`. PostgreSQL only (`core.rowwrite.supported`)."""
    pending = _rows.get()
    if pending is None or _collected.get() is None:
        raise RuntimeError("insert_with_changes needs change_records_together")
    pending.extend(rows)


def changes_write() -> None:
    """Write now what the current `change_records_together` block holds: the rows of
    `insert_with_changes`, then the change entries, in one round trip where the rows allow
    it. A constraint that fails raises IntegrityError here, where the caller can name it."""
    entries, rows = _collected.get(), _rows.get()
    if rows:
        from frontline.core import rowwrite

        rowwrite.insert([*rows, *(entries or [])])
    elif entries:
        ChangeLogEntry.objects.bulk_create(entries)
    if entries:
        entries.clear()
    if rows:
        rows.clear()


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audit view of an object: concrete fields, with secrets left out or masked.

    A model lists `audit_exclude` (never recorded, e.g. password hashes) and `audit_mask`
    (recorded as changed/unchanged only, e.g. encrypted document numbers).
    """
    exclude = set(getattr(obj, "audit_exclude", ()))
    mask = set(getattr(obj, "audit_mask", ()))
    data: dict[str, Any] = {}
    stored = obj.__dict__  # the values, not what descriptors make of them (a Country)
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = stored[field.attname] if field.attname in stored else getattr(obj,
                                                                              field.attname)
        data[field.name] = MASKED if field.name in mask and value else _json_value(value)
    return data


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "get_username", lambda: str(actor))()


def _scope_code(obj: models.Model, jurisdiction_code: str | None) -> str:
    if jurisdiction_code is not None:
        return jurisdiction_code
    getter = getattr(obj, "scope_code", None)
    return getter() if callable(getter) else ""


def change_record(
    *,
    actor: Any,
    action: ChangeAction | str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    event: str = "",
    jurisdiction_code: str | None = None,
) -> ChangeLogEntry:
    """Record one change; `before`/`after` are snapshots (None for create/delete)."""
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    entry = ChangeLogEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor)[:150],
        request_id=current_request_id(),
        action=ChangeAction(action),
        event=event,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=object_label(obj)[:200],
        jurisdiction_code=_scope_code(obj, jurisdiction_code),
        before=before,
        after=after,
    )
    collected = _collected.get()
    if collected is None:
        entry.save(force_insert=True)
    else:
        collected.append(entry)
    return entry


def change_record_many(*, actor: Any, action: ChangeAction | str,
                       items: list[tuple[models.Model, dict[str, Any] | None]], event: str = ""
                       ) -> int:
    """Record the creation (or an event) of many objects at once: one INSERT per 500 rows.
    `items` are (object, after-snapshot) pairs; the rows are those `change_record` writes."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    label = _actor_label(actor)[:150]
    request_id = current_request_id()
    action = ChangeAction(action)
    entries = [ChangeLogEntry(
        actor_id=actor_id, actor_label=label, request_id=request_id, action=action, event=event,
        object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=object_label(obj)[:200],
        jurisdiction_code=_scope_code(obj, None), before=None, after=after)
        for obj, after in items]
    ChangeLogEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def access_record(
    *,
    actor: Any,
    event: AccessEvent | str,
    object_type: str,
    jurisdiction_code: str,
    obj: models.Model | None = None,
    record_count: int = 1,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessLogEntry:
    """Record a read, reveal or export of personal data, with the reason given."""
    return AccessLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor)[:150],
        request_id=current_request_id(),
        client_ip=current_client_ip() or None,
        event=AccessEvent(event),
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=object_label(obj)[:200] if obj is not None else "",
        record_count=record_count,
        jurisdiction_code=jurisdiction_code,
        reason=reason,
        detail=_json_value(detail or {}),
    )
