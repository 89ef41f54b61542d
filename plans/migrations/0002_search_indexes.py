"""Trigram indexes for the search of tenders (see accounts 0008_search_indexes)."""

from django.db import migrations

FOLD = "lower(translate({}, 'Ёё', 'Ее'))"
COLUMNS = ["title", "reference"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "plans_tender_{column}_search" ON "plans_tender" '
            f"USING gin (({FOLD.format(column)}) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "plans_tender_{column}_search"')


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial"), ("accounts", "0008_search_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
