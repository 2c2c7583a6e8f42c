"""manage.py rotate_keys: re-encrypt every encrypted value under the newest key and recompute
the blind indexes under the current index key.

Each app's AppConfig may declare `encrypted_fields = [(model label, encrypted field, blind
index field or None, index purpose or None), ...]`. After putting a new key in front of
FIELD_ENCRYPTION_KEYS (or setting BLIND_INDEX_KEY), run this command; once it has finished,
the old key can be removed. Rows are rewritten in chunks, each chunk in its own transaction,
so the command can be stopped and run again; a value that no configured key decrypts stops it
with the row named. One audit event records what was done.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from frontline.core import crypto

CHUNK = 1000


def encrypted_fields() -> list[tuple[str, str, str | None, str | None]]:
    fields = []
    for config in apps.get_app_configs():
        if config.name.startswith("frontline."):
            fields.extend(getattr(config, "encrypted_fields", ()))
    return fields


def rotate_model(label: str, field: str, index_field: str | None, purpose: str | None, *,
                 dry_run: bool = False) -> dict[str, int]:
    model = apps.get_model(label)
    manager = model._default_manager
    done = changed = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(manager.filter(pk__gt=last).exclude(**{field: ""}).order_by("pk")
                        .select_for_update().only("pk", field, *([index_field] if index_field
                                                                 else []))[:CHUNK])
            if not rows:
                break
            for row in rows:
                token = getattr(row, field)
                try:
                    plain = crypto.decrypt(token)
                except ValueError as exc:
                    raise CommandError(f"{label} {row.pk}: {field} does not decrypt with any "
                                       "configured key") from exc
                setattr(row, field, crypto.rotate(token))
                if index_field:
                    index = crypto.blind_index(plain, purpose=purpose or "")
                    changed += getattr(row, index_field) != index
                    setattr(row, index_field, index)
            if not dry_run:
                manager.bulk_update(rows, [field, *([index_field] if index_field else [])])
            done += len(rows)
            last = rows[-1].pk
    return {"rows": done, "indexes_changed": changed}


class Command(BaseCommand):
    help = ("Re-encrypt personal data under the newest FIELD_ENCRYPTION_KEYS key and recompute "
            "the blind indexes (after adding a key or setting BLIND_INDEX_KEY).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Decrypt and count everything, write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        from frontline.audit.models import ChangeAction
        from frontline.audit.services import change_record

        report = {}
        for label, field, index_field, purpose in encrypted_fields():
            report[f"{label}.{field}"] = result = rotate_model(
                label, field, index_field, purpose, dry_run=dry_run)
            self.stdout.write(f"{label}.{field}: {result['rows']} rows, "
                              f"{result['indexes_changed']} indexes changed")
        if not dry_run and encrypted_fields():
            from frontline.areas.models import Jurisdiction

            root = Jurisdiction.objects.order_by("code").first()  # scoped-ok: audit anchor
            if root is not None:
                change_record(actor=None, action=ChangeAction.EVENT, event="keys.rotated",
                              obj=root, after=report)
        self.stdout.write("dry run: nothing written" if dry_run else "done")
