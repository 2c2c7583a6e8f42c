"""What every hostile-input test checks: the audit log and the tables did not move, nothing was
kept on disk, and a refusal is a clear message."""

from __future__ import annotations

import multiprocessing
import os
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from frontline.core.tests.hostile.corpus import Item


def upload(item: Item) -> SimpleUploadedFile:
    return SimpleUploadedFile(item.filename, item.data())


def audit_counts() -> Counter:
    """How many change-log entries each object type has."""
    from frontline.audit.models import ChangeLogEntry

    return Counter(ChangeLogEntry.objects.values_list("object_type", flat=True))


def audit_added(before: Counter) -> Counter:
    return audit_counts() - before


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@contextmanager
def peak_memory() -> Iterator[dict[str, int]]:
    """The peak of Python allocations inside the block, in bytes (tracemalloc)."""
    result = {"peak": 0}
    tracemalloc.start()
    try:
        yield result
    finally:
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def _kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _measure_child(fn: Callable[[], object], conn) -> None:
    try:
        start = _kib("VmRSS")
        try:
            outcome = repr(fn())
        except Exception as exc:  # the refusal is the expected outcome
            outcome = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
        conn.send((outcome, (_kib("VmHWM") - start) * 1024))
    finally:
        conn.close()
        os._exit(0)  # never run the parent's clean-up (database connections) in the child


def peak_rss_growth(fn: Callable[[], object]) -> tuple[str, int]:
    """Run fn in a forked process (it must not touch the database) and return its outcome
    and how far its resident memory grew above where it started, in bytes. Unlike
    tracemalloc this also counts memory outside Python's allocator (zlib, expat, regex)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_measure_child, args=(fn, sender))
    child.start()
    sender.close()
    try:
        return receiver.recv()
    finally:
        child.join(timeout=60)
