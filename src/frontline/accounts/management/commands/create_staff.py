"""manage.py create_staff USERNAME --role ROLE --at CODE|--place ID: the first accounts."""

from __future__ import annotations

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from frontline.accounts.models import User
from frontline.accounts.roles import Role
from frontline.accounts.services import role_grant_from_console
from frontline.areas.models import Jurisdiction, Place


class Command(BaseCommand):
    help = ("Create a staff account (or add a role to an existing one) from the command line, "
            "for example the first district office account.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--at", dest="code", help="Division code where the role is held")
        parser.add_argument("--place", type=int, help="Place id where the role is held")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--password", help="Asked for when omitted")

    def handle(self, *args, username, role, code, place, display_name, password, **options):
        if bool(code) == bool(place):
            raise CommandError("give exactly one of --at CODE or --place ID")
        jurisdiction = Jurisdiction.objects.filter(code=code).first() if code else None
        place_obj = Place.objects.filter(pk=place).first() if place else None
        if code and jurisdiction is None:
            raise CommandError(f"no jurisdiction with code {code}; load divisions first")
        if place and place_obj is None:
            raise CommandError(f"no place with id {place}")
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                password = password or getpass.getpass(f"Password for {username}: ")
                user = User(username=username, display_name=display_name)
                from django.contrib.auth.password_validation import validate_password

                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from exc
                user.set_password(password)
                user.save()
            try:
                role_grant_from_console(user=user, role=role, jurisdiction=jurisdiction,
                                        place=place_obj)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{username}: {Role(role).label} at {jurisdiction or place_obj}")
