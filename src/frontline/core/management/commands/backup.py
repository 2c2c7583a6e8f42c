"""manage.py backup --out DIR: back up the database and, separately, the encryption keys.

Writes DIR/frontline-<UTC time>/ (the database: a pg_dump custom-format file, or an SQLite copy
made with the online backup API; and manifest.json with every table's row count and SHA-256)
and the keys file DIR/frontline-<UTC time>.keys.json, or --keys-out PATH. Files are 0600.
Move the keys file to another place than the database backup. See docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from frontline.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and, in a separate file, the encryption keys."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Directory the backup is written in.")
        parser.add_argument("--keys-out", default="",
                            help="Where the keys file goes (a file or a directory); by default "
                                 "beside the backup's directory.")

    def handle(self, *args, out: str, keys_out: str, **options):
        try:
            manifest = backup_create(out=Path(out), keys_out=Path(keys_out) if keys_out else None)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(f"database: {manifest['directory']} ({manifest['engine']}, "
                          f"{len(manifest['tables'])} tables, {rows} rows)")
        self.stdout.write(f"keys:     {manifest['keys_file']}  <- keep apart from the database "
                          "backup")
        return None
