"""Bulk writes for the demo: faster than bulk_create where ids are not needed back.

bulk_create spends most of its time preparing each value through the model fields; the
130 000 revenue lines of a 5 000-account demo go several times faster as COPY
(PostgreSQL) or executemany (SQLite) of plain tuples.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from accounts.models import AuditEvent, User
from reports.models import MatrixCriterion

CHUNK = 10_000


def copy_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
    """Insert tuples of DB-ready values for `fields` (FKs as ids) into the model's table."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    by_name = {f.name: f for f in model._meta.concrete_fields}
    columns = ", ".join(quote(by_name[f].column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # SQLite stores dates and datetimes as text, the way Django's own adapters do.
        ops = connection.ops
        adapters = [
            functools.cache(ops.adapt_datetimefield_value)
            if isinstance(model._meta.get_field(f), models.DateTimeField)
            else functools.cache(ops.adapt_datefield_value)
            if isinstance(model._meta.get_field(f), models.DateField)
            else None
            for f in fields
        ]
        if any(adapters):
            rows = [
                tuple(v if a is None else a(v) for a, v in zip(adapters, r, strict=True))
                for r in rows
            ]
        marks = ", ".join(["%s"] * len(fields))
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start : start + CHUNK]
            )


def copy_objects(model: type[models.Model], objs: list, *, now: dt.datetime) -> None:
    """Insert unsaved instances through `copy_rows`, handing out ids after the current max.

    The instances get their ids in list order, so an instance may point at one earlier in
    the list (a parent account, a manager), and rows that point at them can follow.
    Meant for a seeding job that owns the database for the moment, not for live traffic.
    """
    fields = list(model._meta.concrete_fields)
    stamped = {
        f.name for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    next_id = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    rows = []
    for i, obj in enumerate(objs):
        obj.pk = next_id + i
        rows.append(tuple(now if f.name in stamped else _db_value(obj, f) for f in fields))
    copy_rows(model, [f.name for f in fields], rows)
    if connection.vendor == "postgresql":
        # Explicit ids leave the sequence behind; move it past them (as loaddata does).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(sql)


def _db_value(obj: models.Model, field: models.Field):
    # A foreign key set to an instance that got its id after the assignment (a manager
    # earlier in the same list) still has a None `<name>_id`: read the instance's id.
    if isinstance(field, models.ForeignKey) and field.is_cached(obj):
        related = field.get_cached_value(obj)
        return None if related is None else related.pk
    return getattr(obj, field.attname)


def wipe_kam_data() -> None:
    """Delete every row of the three KAM apps (and their history) except users and the
    audit trail (a reset is no reason to forget who exported what).

    Plain DELETEs inside the caller's transaction: Django creates foreign keys deferred on
    PostgreSQL and SQLite, so the order does not matter and nothing cascades row by row.
    """
    quote = connection.ops.quote_name
    # The matrix's criteria are configuration (seeded by their migration), not demo data.
    keep = {User, User.groups.through, User.user_permissions.through, AuditEvent}
    keep |= {MatrixCriterion, MatrixCriterion.history.model}
    with connection.cursor() as cursor:
        for label in ("reports", "plans", "accounts"):
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                if model not in keep:
                    cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
