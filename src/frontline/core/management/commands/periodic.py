"""manage.py periodic: run every app's periodic jobs in one long-running process.

Each app's AppConfig may declare `periodic = [(seconds, "dotted.path.to.function"), ...]`;
the function takes no argument, does only what is due, and is safe to run twice (each job
here also has its own management command for cron). A job that fails is logged and tried
again at its next turn; the others go on. `--once` runs every job once and exits.
"""

from __future__ import annotations

import importlib
import logging
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


def periodic_jobs() -> list[tuple[int, str]]:
    jobs = []
    for config in apps.get_app_configs():
        if config.name.startswith("frontline."):
            jobs.extend(getattr(config, "periodic", ()))
    return jobs


def _call(path: str):
    module, _sep, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)()


class Command(BaseCommand):
    help = "Run the apps' periodic jobs (reminders, escalations, alerts, retries) in one process."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args, once: bool, **options):
        jobs = periodic_jobs()
        due = {path: 0.0 for _seconds, path in jobs}
        while True:
            now = time.monotonic()
            for seconds, path in jobs:
                if now < due[path] and not once:
                    continue
                if not connection.in_atomic_block:  # (a test runs it inside a transaction)
                    close_old_connections()
                try:
                    result = _call(path)
                except Exception:
                    logger.exception("periodic job %s failed", path)
                else:
                    if options["verbosity"] > 1 or (once and options["verbosity"]):
                        self.stdout.write(f"{path}: {result}")
                due[path] = now + seconds
            if once:
                return
            time.sleep(5)
