"""Trigram indexes on the folded search expressions of kam.textsearch (PostgreSQL only;
on SQLite the search scans, which the embedded demo's size allows)."""

from django.db import migrations

from kam.textsearch import DIGITS_SQL, FOLD_SQL, trigram_indexes_create, trigram_indexes_drop

INDEXES = {
    "accounts_account": {"name": FOLD_SQL, "legal_name": FOLD_SQL, "tax_id": FOLD_SQL},
    "accounts_contact": {"name": FOLD_SQL, "email": FOLD_SQL, "phone": DIGITS_SQL},
}


def forwards(apps, schema_editor):
    for table, columns in INDEXES.items():
        trigram_indexes_create(schema_editor, table, columns)


def backwards(apps, schema_editor):
    for table, columns in INDEXES.items():
        trigram_indexes_drop(schema_editor, table, columns)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_api_tokens_from_drf_authtoken")]
    operations = [migrations.RunPython(forwards, backwards)]
