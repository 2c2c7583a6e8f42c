"""manage.py notify_retry_due: enqueue outbox messages whose delivery is overdue.

The safety net behind the task queue: after the worker was down, an enqueue was lost, or a
worker died while sending, every pending, failed or stalled message whose next attempt is
due gets a new delivery task. Delivery is idempotent, so enqueuing twice sends once. Run it
every minute or so (cron, a systemd timer, or `--every 60` as a long-running process).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from frontline.notify.services import messages_retry_due


class Command(BaseCommand):
    help = "Enqueue the delivery of outbox messages whose next attempt is overdue."

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, default=60,
                            help="Only messages overdue by this many seconds (default 60).")
        parser.add_argument("--limit", type=int, default=500,
                            help="At most this many messages per run (default 500).")
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, grace: int, limit: int, every: int, **options):
        while True:
            count = messages_retry_due(grace_seconds=max(grace, 0), limit=max(limit, 1))
            if count or options["verbosity"] > 1:
                self.stdout.write(f"enqueued {count} overdue messages")
            if every <= 0:
                return
            time.sleep(every)
