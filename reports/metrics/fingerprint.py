"""What a period's metrics depend on, boiled down to one digest per period.

A period's rows depend on the lines of the period and of its previous period (growth,
margin change), on every account's external id (ties, concentration list) and potential
(penetration), and on which categories are active. Rates reach the metrics through the
lines' base amounts, which the import rewrites when a rate is posted or corrected, so they
are covered with the lines. Strategic flags only change `Account.is_key`, which the job
writes down on every run (cheap, diff-based), so they need no digest.

Lines, per month: on PostgreSQL, `RevenueLineChange` — an append-only log that statement
triggers write on every INSERT/UPDATE/DELETE/TRUNCATE of lines (COPY included); a month's
digest is its line count, its number of log rows and its latest log id, so an unchanged
night reads a few dozen small rows instead of 2 million lines. Elsewhere (SQLite,
the small embedded demo) one aggregate per month over the lines: count, sums of base
amount and cost, sums weighted by account, category and id, and the latest `updated_at`.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import connection

from accounts.models import Account
from reports.models import ProductCategory

from .periods import Period

# Bump when a formula changes, so the next run recomputes everything.
FORMULA_VERSION = "1"

_MONTH_SQL = """
SELECT {bucket} AS m, count(*), sum(amount_base), sum(cost_base), count(cost_base),
       sum(account_id * amount_base), sum(category_id * amount_base),
       sum(account_id * category_id), sum(id), max(updated_at)
FROM reports_revenueline GROUP BY 1
"""
# Compact the log to one row per month holding the month's true line count (full runs):
# one statement, so log rows of imports still in flight survive and keep the sums right
# (a data-modifying WITH always runs to completion, read or not).
_COMPACT = """
WITH old AS (DELETE FROM reports_revenuelinechange RETURNING 1)
INSERT INTO reports_revenuelinechange (month, lines)
SELECT date_trunc('month', date)::date, count(*)
FROM reports_revenueline
GROUP BY 1
"""
_LOG_DIGESTS = """
SELECT month, sum(lines), count(*), max(id) FROM reports_revenuelinechange
GROUP BY month HAVING sum(lines) > 0
"""
_BUCKET = {
    "postgresql": "date_trunc('month', date)::date",
    "sqlite": "strftime('%%Y-%%m-01', date)",
}


def month_digests(*, resync: bool = False) -> dict[dt.date, str]:
    """{first day of month: digest of its lines} for every month that has lines.

    `resync` (a full run) first rebuilds the change log from the lines: it compacts the
    log and repairs it should the triggers ever have been bypassed (a bulk load with
    triggers disabled, say).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if resync:
                cursor.execute(_COMPACT)
            cursor.execute(_LOG_DIGESTS)
            return {month: f"{n}|{rows}|{last}" for month, n, rows, last in cursor.fetchall()}
    bucket = _BUCKET.get(connection.vendor, _BUCKET["postgresql"])
    with connection.cursor() as cursor:
        cursor.execute(_MONTH_SQL.format(bucket=bucket), [])
        rows = cursor.fetchall()
    digests = {}
    for month, *values in rows:
        if isinstance(month, str):
            month = dt.date.fromisoformat(month)
        digests[month] = "|".join(map(str, values))
    return digests


_ACCOUNTS_MD5 = """
SELECT md5(string_agg(id || ':' || external_id || ':' || coalesce(potential_annual::text, '-'),
                      ';' ORDER BY id))
FROM accounts_account
"""


def global_digest() -> tuple[str, list[int]]:
    """(digest of accounts' ids, external ids, potentials and active categories, active ids)."""
    h = hashlib.sha256(FORMULA_VERSION.encode())
    h.update(f"{settings.TIER_A_THRESHOLD}|{settings.TIER_B_THRESHOLD}".encode())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ACCOUNTS_MD5)
            h.update(str(cursor.fetchone()[0]).encode())
    else:
        rows = Account.objects.order_by("pk").values_list("pk", "external_id", "potential_annual")
        for pk, external_id, potential in rows.iterator(chunk_size=5000):
            h.update(f"{pk}:{external_id}:{potential};".encode())
    active = list(
        ProductCategory.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
    )
    h.update(f"active:{active}".encode())
    return h.hexdigest(), active


def period_fingerprint(period: Period, months: dict[dt.date, str], global_: str) -> str:
    h = hashlib.sha256(f"{global_}|{period.kind}|{period.key}|{period.start}".encode())
    for p in (period, period.prev()):
        for m in p.month_starts():
            h.update(f"{m}={months.get(m, '-')};".encode())
    return h.hexdigest()
