"""Progress of background work whose transaction is not committed yet, for a progress bar.

A run that writes all its rows in one transaction cannot show its progress in its own row
until it commits. It writes a small file beside its upload instead (the web process and the
worker share the media directory); the page reads it while the job's status says it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path


def progress_write(path: Path, status: str, done: int) -> None:
    """Record that the run in `status` has done `done` rows (replaced atomically)."""
    temp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(OSError):
        temp.write_text(json.dumps({"status": status, "done": done}))
        os.replace(temp, path)


def progress_read(path: Path, status: str) -> int:
    """Rows done by the run in `status`, or 0 (no file, another stage's file, unreadable)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.loads(path.read_text())
        if data.get("status") == status:
            return max(0, int(data.get("done", 0)))
    return 0


def percent(done: int, total: int, *, running: bool) -> int:
    """Percent for the bar: never 100 while still running; with nothing to do, 0 while the
    run has not counted its rows yet and 100 once it is over."""
    if not total:
        return 0 if running else 100
    value = min(100, round(100 * done / total))
    return 99 if running and value == 100 else value
