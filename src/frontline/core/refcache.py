"""Per-process copies of small reference tables, checked against their version on each use.

A hot path (a desk check-in) reads the office's sorting rules and the risk countries on every
request. They change a few times a day. `cached(name, load)` answers what `load()` answered
the last time in this process while the table's token (`core.ReferenceVersion`) is unchanged;
reading the tokens is one raw statement on a primary key, in the caller's transaction, so a
process sees a change as soon as the change is committed, in any process on any machine, and
sees its own uncommitted change at once. A name without a token yet (a table never changed
since the versions were introduced, a flushed test database) gets its first one on first use.

`watch(model, name)` gives `name` a new token whenever a row of `model` is saved or deleted
(signals, so a row created through the ORM anywhere counts). A bulk `QuerySet.update()` sends
no signal: the watched tables have none, and their services save row by row.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import connection
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_kept: dict[str, tuple[str, Any]] = {}
_lock = threading.Lock()


def tokens(names: Iterable[str]) -> dict[str, str]:
    """The current token of each name that has one, in one statement."""
    from frontline.core.models import ReferenceVersion

    names = sorted(set(names))
    table = connection.ops.quote_name(ReferenceVersion._meta.db_table)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, token FROM {table} WHERE name IN ({marks})",  # noqa: S608
                       names)
        return dict(cursor.fetchall())


def cached(name: str, load: Callable[[], T], *, token: str | None | object = ...) -> T:
    """`load()`'s answer, reused in this process while `name`'s token is unchanged. Pass
    `token` when it was read already (several names in one statement with `tokens`)."""
    current = tokens([name]).get(name) if token is ... else token
    if current is None:
        current = _first_token(name)
        if current is None:
            return load()
    kept = _kept.get(name)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = load()  # read after the token: never older than the token it is kept under
    with _lock:
        _kept[name] = (current, value)
    return value


def cached_on(key: str, names: Iterable[str], load: Callable[[], T], *,
              read: dict[str, str] | None = None) -> T:
    """`load()`'s answer, kept under `key` in this process while the token of every one of
    `names` is unchanged (read in one statement): for a value read from several tables.
    Pass `read` when the tokens were read already (`tokens`, with other names)."""
    names = sorted(set(names))
    current = tokens(names) if read is None else {n: read[n] for n in names if n in read}
    for name in names:
        if name not in current:
            first = _first_token(name)
            if first is None:
                return load()
            current[name] = first
    return cached(key, load, token="|".join(current[n] for n in names))


def _first_token(name: str) -> str | None:
    """Give a name that has none its first token (a table never changed since the versions
    were introduced, a flushed test database); another process doing the same at once wins."""
    from frontline.core.models import ReferenceVersion

    ReferenceVersion.objects.bulk_create(
        [ReferenceVersion(name=name, token=secrets.token_hex(16))], ignore_conflicts=True)
    return tokens([name]).get(name)


def bump(name: str) -> None:
    """Give `name` a new token (in the caller's transaction)."""
    from frontline.core.models import ReferenceVersion

    # One INSERT … ON CONFLICT DO UPDATE: no savepoint, no read first (a watched table's every
    # save comes here, a test tree's dozen places and divisions too).
    ReferenceVersion.objects.bulk_create(
        [ReferenceVersion(name=name, token=secrets.token_hex(16))], update_conflicts=True,
        unique_fields=["name"], update_fields=["token"])


def forget() -> None:
    """Drop everything kept in this process (tests that swap databases)."""
    with _lock:
        _kept.clear()


def watch(model: type, name: str) -> None:
    """Bump `name` whenever a row of `model` is saved or deleted."""

    def changed(sender, **kwargs):
        bump(name)

    uid = f"refcache-{name}-{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
