"""The audit log's before/after in words: what changed, by the fields' names, and the values
as the pages show them (a choice's label, a country's and a language's name, the name of a
jurisdiction or a user) rather than the stored codes and ids."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django_countries.fields import CountryField

from frontline.core.choices import language_label
from frontline.core.models import is_scoped_model

register = template.Library()

# Not shown: bookkeeping, and what the entry's own columns say (its actor, its record).
HIDDEN = {"version", "search_text", "name_key", "updated_at", "created_at", "created_by", "id"}


def _field(model: Any, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _label(model: Any, key: str) -> str:
    """The field's name in the reader's language; a model names the values it audits that are
    not fields (Person's `categories`) in `audit_labels`."""
    extra = getattr(model, "audit_labels", {}) if model is not None else {}
    if key in extra:
        return str(extra[key][0])
    field = _field(model, key)
    return str(getattr(field, "verbose_name", key)) if field is not None else key


def _related_name(field: Any, value: Any, names: dict) -> str:
    """The name of the row a foreign key points at, for models that are not scoped or whose
    names are public (a jurisdiction): a scoped row (a person, a place) may lie outside the
    reader's area, and its name is not the history's to tell, so it stays a number."""
    related = field.related_model
    if is_scoped_model(related) and not getattr(related, "audit_name_public", False):
        return f"#{value}"
    key = (related, value)
    if key not in names:
        row = related._default_manager.filter(pk=value).first()
        names[key] = str(row) if row is not None else f"#{value}"
    return names[key]


def _one(model: Any, key: str, value: Any, names: dict) -> str:
    extra = getattr(model, "audit_labels", {}) if model is not None else {}
    if key in extra and extra[key][1]:
        return str(dict(extra[key][1]).get(value, value))
    field = _field(model, key)
    if field is None:
        return str(value)
    if isinstance(field, CountryField):
        from django_countries import countries

        return f"{countries.name(value) or value} ({value})"
    if getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    if key.endswith("language"):
        return language_label(str(value)) or str(value)
    if getattr(field, "many_to_one", False) and isinstance(value, int):
        return _related_name(field, value, names)
    return str(value)


def _text(model: Any, key: str, value: Any, names: dict) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return ", ".join(_one(model, key, v, names) for v in value)
    return _one(model, key, value, names)


@register.filter
def changes(entry: Any) -> list[dict[str, str]]:
    """[{field, before, after}] of the fields an entry changed (all it set, for a record
    created), named by the model's field names in the reader's language."""
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        model = None
    before, after = entry.before or {}, entry.after or {}
    rows, names = [], {}
    for key in sorted(set(before) | set(after)):
        if key in HIDDEN or key.endswith("_encrypted") or before.get(key) == after.get(key):
            continue
        rows.append({"field": _label(model, key),
                     "before": _text(model, key, before.get(key), names),
                     "after": _text(model, key, after.get(key), names)})
    return rows
