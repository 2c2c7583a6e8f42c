"""Escalate every question whose answer timer ran out (run every minute from cron or a
systemd timer, or let `helpdesk_escalate --loop` run beside the task worker)."""

import time

from django.core.management.base import BaseCommand

from frontline.helpdesk.services import questions_escalate


class Command(BaseCommand):
    help = "Escalate questions not answered in time to the next person on duty, then a leader."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, once a minute.")

    def handle(self, *args, loop: bool = False, **options):
        while True:
            moved = questions_escalate()
            self.stdout.write(f"escalated {moved} question(s)")
            if not loop:
                return
            time.sleep(60)
