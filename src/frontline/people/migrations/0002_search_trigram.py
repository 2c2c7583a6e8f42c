"""On PostgreSQL, a trigram index serves partial-name searches of three or more characters.

Two-character Chinese queries use PersonNameGram instead (pg_trgm cannot serve them, and
SQLite has no trigram index that works for them). Creating the extension needs a role allowed
to create it (the database owner on PostgreSQL 13+ for trusted extensions like pg_trgm).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm;")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS people_person_search_trgm ON people_person "
        "USING gin (search_text gin_trgm_ops);"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS people_person_search_trgm;")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
