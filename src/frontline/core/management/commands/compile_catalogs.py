"""manage.py compile_catalogs: compile every app's gettext .po catalogs to .mo with Babel.

Django's compilemessages needs GNU gettext's msgfmt, which a fresh machine may lack; Babel
(already a dependency, for CLDR names) compiles the same files in pure Python. Only catalogs
whose .po is newer than their .mo are compiled, so a second run is instant.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalog_paths() -> list[Path]:
    return sorted(Path(settings.BASE_DIR).glob("*/locale/*/LC_MESSAGES/django.po")) + sorted(
        Path(settings.BASE_DIR).glob("locale/*/LC_MESSAGES/django.po"))


class Command(BaseCommand):
    help = "Compile the gettext catalogs (.po to .mo) of every Frontline app."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even if up to date.")

    def handle(self, *args, force: bool, **options):
        compiled = 0
        for po_path in catalog_paths():
            mo_path = po_path.with_suffix(".mo")
            if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as fh:
                try:
                    catalog = read_po(fh, abort_invalid=True)
                except Exception as exc:  # babel raises its own PoFileError and others
                    raise CommandError(f"{po_path}: {exc}") from exc
            with mo_path.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            compiled += 1
        if compiled:
            self.stdout.write(f"compiled {compiled} catalogs")
