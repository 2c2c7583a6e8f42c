"""Look for possible duplicates of the people registered or changed by hand since the last
search (`manage.py periodic` runs it every 15 s; this command is for cron or a systemd timer).
Safe to run twice at once."""

import time

from django.core.management.base import BaseCommand

from frontline.people.services import duplicates_search_queued


class Command(BaseCommand):
    help = "Look for possible duplicates of the people queued since the last search."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, every: int, **options):
        while True:
            found = duplicates_search_queued()
            if found or options["verbosity"] > 1:
                self.stdout.write(f"{found} possible duplicate(s) queued for review")
            if every <= 0:
                return
            time.sleep(every)
