"""manage.py demo_logins: print the address and the demo accounts with their roles."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import translation

from frontline.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from frontline.accounts.models import User


class Command(BaseCommand):
    help = "Print where Frontline is served and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options):
        translation.activate("zh-hans")
        users = {u.username: u for u in User.objects.filter(
            username__in=[d[0] for d in DEMO_USERS]).prefetch_related("roles")}
        lines = ["", "=" * 72, f"  Frontline is running at {url}", "",
                 f"  Demo logins (password for all: {DEMO_PASSWORD}):"]
        for username, _name, role, _where in DEMO_USERS:
            user = users.get(username)
            if user is None:
                continue
            where = ", ".join(a.scope_label for a in user.active_roles())
            lines.append(f"    {username:<12} {role.label} — {where}")
        lines += ["", "  Two-factor login is off for the demo (FRONTLINE_REQUIRE_2FA=false).",
                  "  Press Ctrl-C to stop the server and the worker.", "=" * 72, ""]
        self.stdout.write("\n".join(lines))
