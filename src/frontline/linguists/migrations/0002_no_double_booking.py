"""On PostgreSQL, the database itself refuses two overlapping active shifts of one member.

An exclusion constraint over (member, time range) with the plain GiST range operators (no
btree_gist extension needed: the member id is wrapped in a one-value int8range). SQLite has
no such constraint; there the services' IMMEDIATE write transaction serialises the writers.
"""

from django.db import migrations

CONSTRAINT = "linguists_shift_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE linguists_shift ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "int8range(linguist_id, linguist_id, '[]') WITH &&, "
        "tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status IN ('assigned', 'checked_in', 'completed'))"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE linguists_shift DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("linguists", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
