"""manage.py restore BACKUP_DIR --into TARGET [--keys FILE]: restore into a fresh database.

TARGET is a new SQLite file for an SQLite backup, or the name (on the configured server) or
postgres:// URL of a new PostgreSQL database for a PostgreSQL one; an existing one is refused.
After restoring, every table's row count and SHA-256 are compared with the backup's manifest;
with --keys, the keys are checked to be the backup's and to decrypt the identity numbers.
Exits non-zero when anything differs. Then point DATABASE_URL (or FRONTLINE_VAR_DIR) and
FIELD_ENCRYPTION_KEYS at the restored database and keys. See docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from frontline.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into a fresh database and check it against the backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup's directory (frontline-<time>).")
        parser.add_argument("--into", required=True,
                            help="A new SQLite file, or a new PostgreSQL database (name or URL).")
        parser.add_argument("--keys", default="", help="The backup's keys file, to check it.")

    def handle(self, *args, backup: str, into: str, keys: str, **options):
        try:
            result = backup_restore(directory=Path(backup), into=into,
                                    keys_file=Path(keys) if keys else None)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            raise CommandError("the restored database differs from the backup:\n  "
                               + "\n  ".join(result.mismatches))
        self.stdout.write(f"restored into {result.database}: {result.tables} tables, "
                          f"{result.rows} rows, counts and hashes equal to the backup's")
        if result.keys_checked:
            self.stdout.write(f"keys: they are the backup's and decrypt the identity numbers "
                              f"({result.decrypted} checked)")
        return None
