"""manage.py arrivals_purge: the retention purge of arrivals never checked in.

Arrivals without a Person that are expected (from a list), pre-registered or cancelled, whose
arrival date is more than ARRIVALS_UNCLAIMED_RETENTION_DAYS days ago (or --days), are deleted.
The run acts as the account given with --as (its configure scope decides whose arrivals go)
and is audited like the scheduled purge. --dry-run only counts. `manage.py periodic` runs it
daily as ARRIVALS_PURGE_AS; or schedule this command (cron, a systemd timer, or `--every
86400` as a long-running process).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from frontline.accounts.models import User
from frontline.arrivals.retention import arrivals_purge


class Command(BaseCommand):
    help = "Delete arrivals never checked in whose arrival date is long past."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True,
                            help="The account the purge acts as (needs the configure action).")
        parser.add_argument("--days", type=int, default=None,
                            help="Arrival date more than this many days ago "
                                 "(default: ARRIVALS_UNCLAIMED_RETENTION_DAYS).")
        parser.add_argument("--limit", type=int, default=None,
                            help="Delete at most this many in this run (default: all).")
        parser.add_argument("--dry-run", action="store_true", help="Only count.")
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds.")

    def handle(self, *args, username: str, days: int | None, limit: int | None,
               dry_run: bool, every: int, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        while True:
            try:
                result = arrivals_purge(actor=user, dry_run=dry_run, older_than_days=days,
                                        limit=limit)
            except Exception as exc:  # a PermissionDenied is a configuration error
                raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
            what = "would be deleted" if result.dry_run else "deleted"
            statuses = ", ".join(f"{status} {count}"
                                 for status, count in sorted(result.by_status.items()))
            self.stdout.write(
                f"arrivals purge: {result.arrivals} arrivals never checked in {what} "
                f"(arrival date before {result.travelled_before:%Y-%m-%d}"
                f"{'; ' + statuses if statuses else ''})")
            if every <= 0:
                return
            time.sleep(every)
