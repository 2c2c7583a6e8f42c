"""The audit log's before/after in words: what changed, by the fields' names."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()

HIDDEN = {"version", "search_text", "name_key", "updated_at", "created_at"}


def _label(model: Any, key: str) -> str:
    if model is None:
        return key
    try:
        return str(model._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


def _text(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@register.filter
def changes(entry: Any) -> list[dict[str, str]]:
    """[{field, before, after}] of the fields an entry changed (all it set, for a record
    created), named by the model's field names in the reader's language."""
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        model = None
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        if key in HIDDEN or key.endswith("_encrypted") or before.get(key) == after.get(key):
            continue
        rows.append({"field": _label(model, key), "before": _text(before.get(key)),
                     "after": _text(after.get(key))})
    return rows
