"""Trigram indexes for the search of tenders (see kam.textsearch)."""

from django.db import migrations

from kam.textsearch import FOLD_SQL, trigram_indexes_create, trigram_indexes_drop

COLUMNS = {"title": FOLD_SQL, "reference": FOLD_SQL}


def forwards(apps, schema_editor):
    trigram_indexes_create(schema_editor, "plans_tender", COLUMNS)


def backwards(apps, schema_editor):
    trigram_indexes_drop(schema_editor, "plans_tender", COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial"), ("accounts", "0008_search_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
