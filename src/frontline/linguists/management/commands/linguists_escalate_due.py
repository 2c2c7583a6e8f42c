"""manage.py linguists_escalate_due: send open needs whose offers went unanswered to the reserve.

Each open need with a pending offer past its wait (`Need.escalate_after` minutes) has those
offers expired and is offered to the best-ranked members of its language's reserve pool,
once per need. Run it every minute or so (cron, a systemd timer, or `--every 60` as a
long-running process), like notify_retry_due.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from frontline.linguists.services import offers_escalate_due


class Command(BaseCommand):
    help = "Escalate needs whose offers went unanswered to the reserve pool."

    def add_arguments(self, parser):
        parser.add_argument("--per-place", type=int, default=3,
                            help="Reserve members offered per missing place (default 3).")
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, per_place: int, every: int, **options):
        while True:
            count = offers_escalate_due(per_place=max(per_place, 1))
            if count or options["verbosity"] > 1:
                self.stdout.write(f"escalated {count} needs to the reserve")
            if every <= 0:
                return
            time.sleep(every)
