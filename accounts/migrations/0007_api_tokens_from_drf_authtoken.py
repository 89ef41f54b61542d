"""Carry DRF authtoken's plain tokens over into hashed ApiToken rows, then wipe them.

rest_framework.authtoken is no longer installed, so its table is read with SQL, when it
exists (a database created before this change). Every key keeps working: its hash is what
the new lookup finds. The plain keys are deleted from the old table; the empty table is
left (django_migrations still lists authtoken's migrations as applied). Going back cannot
restore a plain key, so the reverse step does nothing (the schema migration before this one
drops the hashed rows).
"""

import datetime as dt
import hashlib

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

OLD_TABLE = "authtoken_token"


def _aware(value):
    """SQLite hands back a naive UTC datetime (or its text); PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return timezone.make_aware(value, dt.timezone.utc) if timezone.is_naive(value) else value


def copy_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} "
            f"FROM {quote(OLD_TABLE)}"
        )
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                prefix=key[:8],
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                created_at=_aware(created),
            )
            for key, user_id, created in rows
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(OLD_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_add_api_token"),
    ]

    operations = [
        migrations.RunPython(copy_plain_tokens, migrations.RunPython.noop, elidable=True),
    ]
