"""Model instances from hand-written SELECTs, for the two reads every request makes.

Every API request reads its token with the user, and then the user's roles with their
division and place. Through the ORM each read spends more time building its SQL (Django's
compiler, with a join per `select_related` and the models' default ordering) than
PostgreSQL spends answering it. Here the statement is written once per process, and the rows
become instances as the ORM makes them: `Model.from_db` with every value passed through the
converters the ORM applies for this database (SQLite returns times as text, for one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class Shape:
    """The columns of `model` in a SELECT (table alias `alias`), and how a row's slice of
    them becomes an instance."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self._found: list[tuple[int, Any, list[Any]]] | None = None

    def columns(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def build(self, values: Sequence[Any]) -> Model | None:
        """The instance for `values` (this shape's slice of a row); None when the row has
        no such object (a LEFT JOIN that found nothing: the primary key is NULL)."""
        if values[self.fields.index(self.model._meta.pk)] is None:
            return None
        values = list(values)
        for index, field, converters in self._converters():
            for converter in converters:
                values[index] = converter(values[index], field.get_col(self.alias), connection)
        return self.model.from_db(connection.alias, self.attnames, values)

    def _converters(self) -> list[tuple[int, Any, list[Any]]]:
        """The fields that need converting on this database, with their converters (found
        once: a process talks to one kind of database)."""
        if self._found is None:
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                converters = [*connection.ops.get_db_converters(col),
                              *field.get_db_converters(connection)]
                if converters:
                    found.append((index, field, converters))
            self._found = found
        return self._found


def split(row: Sequence[Any], shapes: Sequence[Shape]) -> list[Model | None]:
    """One instance (or None) per shape, from a row holding their columns in order."""
    out, start = [], 0
    for shape in shapes:
        end = start + len(shape.fields)
        out.append(shape.build(row[start:end]))
        start = end
    return out


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


_statements: dict[str, tuple[str, list[Shape]]] = {}


def fetch(key: str, build: Callable[[], tuple[str, list[Shape]]], params: Sequence[Any]
          ) -> list[list[Model | None]]:
    """Run the statement `build()` writes (once per process, kept under `key`: its text and
    the shapes of its columns) with `params`; each row as one instance (or None) per shape."""
    statement = _statements.get(key)
    if statement is None:
        statement = _statements.setdefault(key, build())
    sql, shapes = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [split(row, shapes) for row in rows]
