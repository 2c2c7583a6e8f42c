"""New rows of several tables written in one round trip to PostgreSQL.

A desk check-in inserts a person, their category, their identity document, the arrival and
four audit entries. Through `Model.save()` that is a statement each, with savepoints around
some, and most of the request's time goes into building those statements (Django's query
compiler), not into PostgreSQL. Here the rows' ids are taken from their tables' sequences
first (`allocate`), so rows can name each other before anything is written, and every row is
then written by one multi-statement INSERT (`insert`), with the values converted for the
database exactly as `Model.save()` converts them (`Field.pre_save`, `get_db_prep_save`).

Only for new rows of plain models: no signals are sent (none of the models written this way
has a receiver, and a watched table (`core.refcache.watch`) must not be written here), and
nothing is read back. PostgreSQL only (`supported()`); elsewhere callers save as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model


def supported() -> bool:
    """Whether this database allocates ids ahead (sequences) and runs several statements in
    one call: PostgreSQL with client-side parameters (Django's default)."""
    options = connection.settings_dict.get("OPTIONS") or {}
    return connection.vendor == "postgresql" and not options.get("server_side_binding")


def next_id_sql(model: type[Model]) -> str:
    """An SQL expression taking the next id of `model`'s table from its sequence."""
    table = model._meta.db_table
    column = model._meta.pk.column
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"


def allocate(models: Sequence[type[Model]]) -> list[int]:
    """One new id for each of `models` (a model may appear more than once), in one
    statement. The ids are used or lost: a rolled-back transaction leaves a gap, as any
    insert does."""
    if not models:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(next_id_sql(m) for m in models))
        return list(cursor.fetchone())


def _auto_time(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def stamp(*rows: Model) -> None:
    """Set the auto_now(_add) times of new `rows` now, as `save()` would: for an audit
    snapshot taken before `insert` (which keeps them)."""
    for row in rows:
        for field in _layout(type(row), with_pk=True).auto_fields:
            field.pre_save(row, add=True)


class _Layout:
    """A model's columns for an INSERT, worked out once per process."""

    def __init__(self, model: type[Model], *, with_pk: bool, db: Any):
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
        self.auto_fields = [f for f in self.fields if _auto_time(f)]
        self.auto = [_auto_time(f) for f in self.fields]
        columns = ", ".join(db.ops.quote_name(f.column) for f in self.fields)
        # Names from the model's metadata, quoted; the values are literals made by psycopg.
        self.head = f"INSERT INTO {db.ops.quote_name(meta.db_table)} ({columns}) VALUES "  # noqa: S608


_layouts: dict[tuple[type[Model], bool], _Layout] = {}


def _layout(model: type[Model], *, with_pk: bool) -> _Layout:
    key = (model, with_pk)
    layout = _layouts.get(key)
    if layout is None:
        layout = _layouts[key] = _Layout(model, with_pk=with_pk, db=connections[DEFAULT_DB_ALIAS])
    return layout


def _groups(rows: Iterable[Model]) -> list[list[Model]]:
    """Consecutive rows of one model, as one INSERT each (the order of the rows is kept:
    a row is written after the rows it names, although the foreign keys are deferred)."""
    groups: list[list[Model]] = []
    for row in rows:
        if groups and type(groups[-1][0]) is type(row) and \
                (groups[-1][0].pk is None) == (row.pk is None):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def db_values(row: Model, layout: _Layout, db: Any) -> list[Any]:
    """The row's values as `Model.save()` sends them for an insert: auto_now(_add) times set
    on the row (unless `stamp` set them already), then each value converted for the
    database by its field."""
    values = []
    stored = row.__dict__  # the values themselves, not what descriptors make of them
    for field, auto in zip(layout.fields, layout.auto, strict=True):
        value = stored[field.attname] if field.attname in stored else getattr(row,
                                                                               field.attname)
        if auto and value is None:
            value = field.pre_save(row, add=True)
        values.append(field.get_db_prep_save(value, connection=db))
    return values


def insert_sql(rows: Iterable[Model]) -> str:
    """The statements (joined by ';') that insert `rows`, every value written as a literal
    by psycopg's own quoting (`Transformer.as_literal`, what a client-side cursor does with
    parameters; the statement is too long and has too many values for psycopg to keep its
    parsed form, so parsing placeholders again on each call would cost more)."""
    from psycopg.adapt import Transformer

    db = connections[DEFAULT_DB_ALIAS]
    literal = Transformer.from_context(db.connection).as_literal
    statements: list[str] = []
    for group in _groups(rows):
        layout = _layout(type(group[0]), with_pk=group[0].pk is not None)
        tuples = []
        for row in group:
            if not row._state.adding:
                raise ValueError(f"{row._meta.label} #{row.pk} is not a new row")
            tuples.append("(" + ", ".join(literal(v).decode() for v in db_values(row, layout, db))
                          + ")")
        statements.append(layout.head + ", ".join(tuples))
    return ";\n".join(statements)


def insert(rows: Sequence[Model]) -> None:
    """Write `rows` (new, of plain models) in one round trip, in the caller's transaction.
    A constraint that fails raises IntegrityError and nothing of the call is written (the
    caller's transaction is rolled back with it)."""
    if not rows:
        return
    if not supported():
        raise NotImplementedError("rowwrite.insert needs PostgreSQL")
    connection.ensure_connection()
    sql = insert_sql(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql)  # no parameters: the values are literals already
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
