"""Alert about hand-over batches not confirmed in time.

Run every few minutes (cron, a systemd timer, or `--every 300` as a long-running process);
each batch is alerted once."""

import time

from django.core.management.base import BaseCommand

from frontline.arrivals.handover import batches_alert_overdue


class Command(BaseCommand):
    help = "Alert the desk and the destination about hand-over batches not confirmed in time."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, every: int, **options):
        while True:
            count = batches_alert_overdue()
            if count or options["verbosity"] > 1:
                self.stdout.write(f"{count} overdue batch(es) alerted")
            if every <= 0:
                return
            time.sleep(every)
