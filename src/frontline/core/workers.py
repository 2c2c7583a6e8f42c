"""Liveness of the task workers, and the recovery of the tasks a dead worker left running.

django-tasks-db marks a task RUNNING when a worker claims it and nothing else ever looks at it
again: when the worker dies in the middle (SIGKILL, the out-of-memory killer, a lost machine)
the task stays RUNNING for ever and its job (an import, a batch of documents) with it.

Frontline's `manage.py db_worker` registers each worker here (`WorkerHeartbeat`) and refreshes
its heartbeat from a thread. `tasks_requeue_stale` (run when a worker starts, and every minute
by `manage.py periodic`) queues again every RUNNING task whose worker is gone: on this machine,
its process no longer exists; on another machine, its heartbeat is older than
TASKS_LEASE_SECONDS. A task that lost its worker TASKS_MAX_ATTEMPTS times is failed instead,
and the app that owns it is told (an AppConfig's `tasks_abandoned`), so that its job does not
wait for ever either.

Tasks therefore run at least once: each task of Frontline resumes or repeats its work safely
(imports commit batch by batch with a high-water mark, batches keep the files written).
"""

from __future__ import annotations

import datetime
import importlib
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from frontline.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

RUNNING, READY, FAILED = "RUNNING", "READY", "FAILED"
FORGET_AFTER = datetime.timedelta(days=1)  # heartbeats of workers gone this long are deleted


class WorkerLost(Exception):
    """Recorded as a task's error when its worker died too many times while running it."""


# -- processes --------------------------------------------------------------------------------

def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of a process from /proc, or None when
    there is no such process. Raises OSError where /proc is not available."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (command name) "
    return fields[0], int(fields[19])


def process_start(pid: int) -> int:
    """When a process started (0 where the system does not say)."""
    try:
        stat = _proc_stat(pid)
    except (OSError, ValueError, IndexError):
        return 0
    return stat[1] if stat else 0


def process_alive(pid: int, started: int = 0) -> bool:
    """Whether the process `pid` of this machine still runs (a zombie does not; a process that
    reuses the pid of one that started at `started` is not it)."""
    if Path("/proc/self/stat").exists():
        try:
            stat = _proc_stat(pid)
        except (OSError, ValueError, IndexError):
            stat = ("R", 0)
        if stat is None or stat[0] in ("Z", "X"):
            return False
        return not (started and stat[1] and stat[1] != started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- registering workers ----------------------------------------------------------------------

def worker_register(worker_id: str) -> WorkerHeartbeat:
    """Record a worker starting in this process."""
    pid = os.getpid()
    beat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": pid,
                  "pid_started": process_start(pid), "seen_at": timezone.now()})
    return beat


def worker_unregister(worker_id: str) -> None:
    """A worker that stops cleanly (it finished its task first) leaves no heartbeat."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class Heartbeat(threading.Thread):
    """Refreshes a worker's heartbeat every TASKS_HEARTBEAT_SECONDS, with its own connection.

    A failed refresh (the database restarting, SQLite busy with a long import) is tried again
    at the next beat: on the worker's own machine its liveness is its process, not the beat.
    """

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = settings.TASKS_HEARTBEAT_SECONDS
        try:
            while not self.stopped.wait(interval):
                try:
                    WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                        seen_at=timezone.now())
                except DatabaseError as exc:
                    logger.info("worker %s: heartbeat not written (%s)", self.worker_id, exc)
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def worker_alive(beat: WorkerHeartbeat, now: datetime.datetime) -> bool:
    if beat.hostname == socket.gethostname()[:255]:
        return process_alive(beat.pid, beat.pid_started)
    return beat.seen_at >= now - datetime.timedelta(seconds=settings.TASKS_LEASE_SECONDS)


def any_worker_alive(now: datetime.datetime | None = None) -> bool:
    """Whether a task worker is running (by its heartbeat): a page waiting for background work
    says so when none is, instead of waiting without a word."""
    if "database" not in settings.TASKS["default"]["BACKEND"].lower():
        return True  # tasks run in the request (tests) or elsewhere: nothing to wait for
    now = now or timezone.now()
    return any(worker_alive(beat, now) for beat in WorkerHeartbeat.objects.all()[:50])


# -- recovering tasks -------------------------------------------------------------------------

def _abandon_handlers() -> dict[str, str]:
    handlers: dict[str, str] = {}
    for config in apps.get_app_configs():
        if config.name.startswith("frontline."):
            handlers.update(getattr(config, "tasks_abandoned", {}))
    return handlers


def _call(path: str, *args: Any, **kwargs: Any) -> Any:
    module, _sep, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def _requeue(row: dict[str, Any], now: datetime.datetime, why: str) -> str:
    """Queue a RUNNING task again, or fail it when it has lost its worker too often. The
    update is conditional, so two processes recovering at once do it once."""
    from django_tasks_db.models import DBTaskResult

    attempts = len(row["worker_ids"] or [])
    worker = (row["worker_ids"] or ["?"])[-1]
    same = DBTaskResult.objects.filter(pk=row["id"], status=RUNNING,
                                       started_at=row["started_at"])
    if attempts < settings.TASKS_MAX_ATTEMPTS:
        # worker_ids is kept: the next attempt sees that it is one (context.attempt > 1).
        if same.update(status=READY):
            logger.warning("task %s (%s) queued again: %s, attempt %s of %s", row["id"],
                           row["task_path"], why, attempts, settings.TASKS_MAX_ATTEMPTS)
            return "requeued"
        return ""
    message = (f"{WorkerLost.__name__}: worker {worker} stopped while running this task "
               f"({why}); attempt {attempts} of {settings.TASKS_MAX_ATTEMPTS}, not tried again")
    if not same.update(status=FAILED, finished_at=now, return_value=None, traceback=message,
                       exception_class_path=f"{__name__}.{WorkerLost.__name__}"):
        return ""
    logger.error("task %s (%s) failed: %s", row["id"], row["task_path"], message)
    handler = _abandon_handlers().get(row["task_path"])
    if handler:
        args = row["args_kwargs"] or {}
        try:
            _call(handler, *args.get("args", []), **args.get("kwargs", {}))
        except Exception:
            logger.exception("task %s: %s failed", row["id"], handler)
    return "failed"


def _running() -> list[dict[str, Any]]:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(status=RUNNING).values(
        "id", "worker_ids", "started_at", "task_path", "args_kwargs"))


def tasks_requeue_stale(*, now: datetime.datetime | None = None) -> str:
    """Queue again (or fail, after too many attempts) the tasks whose worker is gone; forget
    the heartbeats of workers long gone. Safe to run at any time, in several processes."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    rows = _running()
    ids = {row["worker_ids"][-1] for row in rows if row["worker_ids"]}
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in=ids)}
    outcome = {"requeued": 0, "failed": 0}
    for row in rows:
        worker = row["worker_ids"][-1] if row["worker_ids"] else None
        beat = beats.get(worker)
        if beat is not None:
            if worker_alive(beat, now):
                continue
            why = f"worker {worker} on {beat.hostname} (pid {beat.pid}) is gone"
        else:
            # A worker without a heartbeat (not Frontline's command): only its lease tells.
            if row["started_at"] and row["started_at"] > now - lease:
                continue
            why = f"worker {worker} has no heartbeat and the lease ran out"
        done = _requeue(row, now, why)
        if done:
            outcome[done] += 1
    busy = {row["worker_ids"][-1] for row in _running() if row["worker_ids"]}
    for beat in WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).exclude(
            worker_id__in=busy):
        if not worker_alive(beat, now):
            beat.delete()
    return f"{outcome['requeued']} tasks queued again, {outcome['failed']} failed"


def tasks_requeue_own(worker_id: str) -> int:
    """Queue again the tasks this worker holds RUNNING although it runs none (their result
    could not be saved because the database went away)."""
    now = timezone.now()
    count = 0
    for row in _running():
        if row["worker_ids"] and row["worker_ids"][-1] == worker_id:
            count += bool(_requeue(row, now, f"worker {worker_id} lost the database"))
    return count
