"""manage.py load_divisions FILE [--root CODE]: upsert a division CSV and report what happened."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from frontline.areas.services import (
    MAX_DIVISION_FILE_BYTES,
    DivisionFileError,
    division_rows_parse,
    divisions_load,
)


class Command(BaseCommand):
    help = "Load (upsert) administrative divisions from a CSV file: code,name,level,parent_code."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--root", help="Only load this code and what lies below it "
                                           "(and the rows above it, to link the tree).")
        parser.add_argument("--show-rejected", type=int, default=50,
                            help="How many rejected rows to print (default 50).")

    def handle(self, *args, file: Path, root: str | None, show_rejected: int, **options):
        translation.activate("en")
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        started = time.monotonic()
        try:
            with file.open("rb") as fh:  # never more than the limit is read into memory
                rows = division_rows_parse(fh.read(MAX_DIVISION_FILE_BYTES + 1))
        except DivisionFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        report = divisions_load(actor=None, rows=rows, root=root)
        elapsed = time.monotonic() - started
        for line, message in report.rejected[:show_rejected]:
            self.stderr.write(f"{file}:{line}: rejected: {message}")
        if len(report.rejected) > show_rejected:
            self.stderr.write(f"... and {len(report.rejected) - show_rejected} more rejected rows")
        self.stdout.write(
            f"divisions: {report.added} added, {report.changed} changed, "
            f"{report.unchanged} unchanged, {len(report.rejected)} rejected "
            f"({elapsed:.1f} s)"
        )
