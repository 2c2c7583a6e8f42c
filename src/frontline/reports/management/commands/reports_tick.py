"""manage.py reports_tick: take the snapshots whose cut-off has passed and send the reminders
whose time has come (only to units that have not submitted).

Run every minute (cron, a systemd timer, or `--every 60` as a long-running process); each run
does only what is due, and doing it twice changes nothing."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from frontline.reports.services import reminders_send, snapshots_due


class Command(BaseCommand):
    help = "Take due snapshots of the daily figures and send due reminders."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, every: int, **options):
        while True:
            runs = snapshots_due()
            reminded = reminders_send()
            if options["verbosity"] > 1 or reminded:
                self.stdout.write(f"{len(runs)} runs open, {reminded} reminders sent")
            if every <= 0:
                return
            time.sleep(every)
