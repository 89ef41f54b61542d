"""Trigram indexes on the folded search expressions of kam.textsearch (PostgreSQL only;
on SQLite the search scans, which the embedded demo's size allows)."""

from django.db import migrations

# Exactly kam.textsearch.Folded / Digits, or the planner will not use them.
FOLD = "lower(translate({}, 'Ёё', 'Ее'))"
DIGITS = "regexp_replace({}, '[^0-9]', '', 'g')"
INDEXES = [
    ("accounts_account", "name", FOLD),
    ("accounts_account", "legal_name", FOLD),
    ("accounts_account", "tax_id", FOLD),
    ("accounts_contact", "name", FOLD),
    ("accounts_contact", "email", FOLD),
    ("accounts_contact", "phone", DIGITS),
]


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_search"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
            f'USING gin (({expression.format(column)}) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_api_tokens_from_drf_authtoken")]
    operations = [migrations.RunPython(forwards, backwards)]
