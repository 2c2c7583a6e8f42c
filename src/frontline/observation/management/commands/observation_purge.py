"""manage.py observation_purge: the scheduled retention purge of observation data.

People whose every observation closed more than OBSERVATION_PURGE_DAYS days ago (or --days)
and who have nothing else open lose their personal data; what statistics need stays. The run
acts as the account given with --as (its configure scope decides whose data goes) and is
audited like a purge from the page. --dry-run only counts. Schedule it daily (cron, a systemd
timer, or `--every 86400` as a long-running process).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from frontline.accounts.models import User
from frontline.observation.services import observation_purge


class Command(BaseCommand):
    help = "Purge the personal data of people whose observation closed long ago."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True,
                            help="The account the purge acts as (needs the configure action).")
        parser.add_argument("--days", type=int, default=None,
                            help="Closed more than this many days ago (default: the setting).")
        parser.add_argument("--dry-run", action="store_true", help="Only count.")
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, username: str, days: int | None, dry_run: bool, every: int,
               **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        while True:
            try:
                run = observation_purge(actor=user, dry_run=dry_run, older_than_days=days)
            except Exception as exc:  # a PermissionDenied is a configuration error
                raise CommandError(str(exc)) from exc
            what = "would be purged" if run.dry_run else "purged"
            self.stdout.write(f"observation purge: {run.people} people {what} "
                              f"({run.observations} observations, closed > {run.older_than_days} days)")
            if every <= 0:
                return
            time.sleep(every)
