"""manage.py db_worker: django-tasks-db's task worker, with a heartbeat and crash recovery.

The same options and behaviour as django-tasks-db's command, plus (see frontline.core.workers):
the worker registers itself and queues again the tasks that dead workers left running before
it takes any; a thread refreshes its heartbeat; when the database goes away (PostgreSQL
restarting) it waits and reconnects instead of exiting, and queues again the task whose result
it could not save. It stops cleanly as before: SIGTERM lets the running task finish.
"""

from __future__ import annotations

import logging
import os
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from frontline.core import workers

logger = logging.getLogger("django_tasks_db")


class RecoveringWorker(Worker):
    """django-tasks-db's Worker, registered, beating, and surviving a database restart."""

    def run(self) -> None:
        while True:
            try:
                workers.worker_register(self.worker_id)
                break
            except (OperationalError, InterfaceError) as exc:
                logger.warning("worker %s: cannot register (%s); waiting for the database",
                               self.worker_id, exc)
                self._wait_for_database()
                if not self.running:
                    return
        heartbeat = workers.Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            try:
                logger.info("worker %s: %s", self.worker_id, workers.tasks_requeue_stale())
            except (OperationalError, InterfaceError) as exc:  # `manage.py periodic` will
                logger.warning("worker %s: tasks of dead workers not looked for (%s)",
                               self.worker_id, exc)
            while True:
                try:
                    super().run()
                    return
                except (OperationalError, InterfaceError) as exc:
                    if not self.running:
                        raise
                    logger.warning("worker %s: the database went away (%s); waiting for it",
                                   self.worker_id, exc)
                    self._wait_for_database()
                    if workers.tasks_requeue_own(self.worker_id):
                        logger.warning("worker %s: its interrupted task is queued again",
                                       self.worker_id)
        finally:
            heartbeat.stop()
            try:
                workers.worker_unregister(self.worker_id)
            except (OperationalError, InterfaceError):
                pass  # the heartbeat stops; on another machine the lease tells
            close_old_connections()

    def _wait_for_database(self) -> None:
        delay = 0.5
        time.sleep(delay)  # a locked SQLite database connects at once: wait a little anyway
        while self.running:
            connection.close()
            try:
                connection.ensure_connection()
                return
            except OperationalError:
                time.sleep(delay)
                delay = min(delay * 2, 5.0)


class Command(DbWorkerCommand):
    help = ("Run a database background worker (with a heartbeat; tasks left running by a dead "
            "worker are queued again).")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options) -> None:
        # django-tasks-db's handle(), with RecoveringWorker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. "
                           "Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            from django.core.management.base import CommandError

            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = RecoveringWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded_queue_names)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
