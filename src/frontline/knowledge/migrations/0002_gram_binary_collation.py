"""On PostgreSQL, compare search grams by code point (collation "C"), as SQLite does, so a
prefix is an index range whatever the database's collation."""

from django.db import migrations


def gram_collation_c(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'ALTER TABLE knowledge_searchgram ALTER COLUMN gram TYPE varchar(32) COLLATE "C"')


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(gram_collation_c, migrations.RunPython.noop)]
