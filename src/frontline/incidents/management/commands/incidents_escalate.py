"""manage.py incidents_escalate: escalate overdue incident steps (tell the leaders, once).

Run every minute (cron, a systemd timer, or `--every 60` as a long-running process)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from frontline.incidents.services import steps_escalate


class Command(BaseCommand):
    help = "Escalate overdue steps of open incidents."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, every: int, **options):
        while True:
            count = steps_escalate()
            if count or options["verbosity"] > 1:
                self.stdout.write(f"escalated {count} overdue steps")
            if every <= 0:
                return
            time.sleep(every)
