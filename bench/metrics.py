"""Metrics benchmark: `make bench-metrics` (needs DATABASE_URL pointing at PostgreSQL).

Creates its own database (`<name of DATABASE_URL's database>_bench_metrics`, or
BENCH_DATABASE), generates 10 000 accounts and 2 000 000 revenue lines over 24 months with
generate_series (credit notes, foreign currency, costs, inactive categories, missing and
zero potentials), then:

1. runs the full recompute from empty metric tables (every row written), timed per period
   kind by the service itself; then, per kind, the service limited to that kind;
2. runs, per kind, one hand-written SQL statement computing the same account rows for all
   periods of that kind — the floor: INSERT … SELECT into a table shaped exactly like
   reports_accountmetric (same indexes, same foreign key); also, for reference, the same
   SELECT into a temp table (compute only) — and checks the floor's rows agree with ours;
   per kind, ours and the floors run back to back, BENCH_REPEAT (3) rounds, and each
   keeps its best time (the machine is shared: noise only ever adds time);
3. runs the nightly recompute with nothing changed (incremental skip);
4. reports the process's peak RSS.

The last line of output is one JSON object. Drops the database at the end (BENCH_KEEP=1
keeps it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
LINES = int(os.environ.get("BENCH_LINES", 2_000_000))
MONTHS = 24
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
AS_OF = dt.date(2026, 11, 26)
FIRST_MONTH = dt.date(2024, 11, 1)  # 24 months: 2024-11 … 2026-10 = exactly ttm + prev ttm


def _bench_url() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench/metrics.py needs DATABASE_URL=postgres://… (PostgreSQL)")
    parts = urlparse(url)
    name = os.environ.get("BENCH_DATABASE") or f"{parts.path.lstrip('/') or 'kam'}_bench_metrics"
    admin = urlunparse(parts._replace(path="/postgres"))
    return urlunparse(parts._replace(path=f"/{name}")), admin, name


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


GENERATE = [
    "INSERT INTO accounts_region (code, name) SELECT 'R' || g, 'Region ' || g "
    "FROM generate_series(1, 10) g",
    """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
           is_staff, is_active, date_joined, role, language, timezone, digest_daily,
           digest_weekly)
       SELECT '!', false, 'kam' || g, '', '', '', false, true, now(), 'kam', '', '', true, true
       FROM generate_series(1, 50) g""",
    """INSERT INTO reports_productcategory (code, name, active, created_at, updated_at)
       SELECT 'CAT' || g, 'Category ' || g, g <= 10, now(), now() FROM generate_series(1, 12) g""",
    # Monthly rates for USD and EUR: the latest rate on or before a line is its month's.
    """INSERT INTO reports_exchangerate (currency, date, rate, created_at, updated_at)
       SELECT c, (%(first)s::date + make_interval(months => m))::date,
              CASE c WHEN 'USD' THEN 90 + m * 0.37 ELSE 98 + m * 0.41 END, now(), now()
       FROM unnest(ARRAY['USD', 'EUR']) c, generate_series(0, 23) m""",
    # Accounts: 10 % without potential, 5 % with potential 0.
    """INSERT INTO accounts_account (external_id, name, legal_name, tax_id, status,
           potential_annual, strategic, notes, tier, is_key, owner_id, region_id,
           created_at, updated_at)
       SELECT 'ACC-' || lpad(g::text, 6, '0'), 'Client ' || g, '', '', 'active',
              CASE WHEN g % 10 = 0 THEN NULL WHEN g % 20 = 5 THEN 0
                   ELSE round((1e5 + random() * 5e7)::numeric, 2) END,
              g % 97 = 0, '', '', false,
              (SELECT min(id) FROM accounts_user) + g % 50,
              (SELECT min(id) FROM accounts_region) + g % 10, now(), now()
       FROM generate_series(1, %(accounts)s) g""",
    # Lines: a skewed account choice (a few big clients, a long tail), 3 % credit notes,
    # 10 % in USD/EUR, 60 % carrying a cost.
    """INSERT INTO reports_revenueline (external_id, account_id, category_id, date, amount,
           currency, amount_base, cost, cost_base, quantity, distributor_id, created_at,
           updated_at)
       SELECT 'INV-' || g, a.first_account + floor(%(accounts)s * power(random(), 2.5))::int,
              c.first_cat + floor(random() * 12)::int, d.day, d.amount, d.currency,
              CASE WHEN d.currency = 'RUB' THEN d.amount
                   ELSE round(d.amount * CASE d.currency WHEN 'USD' THEN 90 + d.m * 0.37
                                                   ELSE 98 + d.m * 0.41 END, 2) END,
              d.cost,
              CASE WHEN d.cost IS NULL THEN NULL WHEN d.currency = 'RUB' THEN d.cost
                   ELSE round(d.cost * CASE d.currency WHEN 'USD' THEN 90 + d.m * 0.37
                                                 ELSE 98 + d.m * 0.41 END, 2) END,
              NULL, NULL, now(), now()
       FROM generate_series(1, %(lines)s) g
       CROSS JOIN (SELECT min(id) AS first_account FROM accounts_account) a
       CROSS JOIN (SELECT min(id) AS first_cat FROM reports_productcategory) c
       CROSS JOIN LATERAL (
           SELECT m, (%(first)s::date + make_interval(months => m, days => (g % 28)))::date AS day,
                  amount, CASE WHEN g % 10 = 3 THEN 'USD' WHEN g % 10 = 7 THEN 'EUR'
                               ELSE 'RUB' END AS currency,
                  CASE WHEN g % 5 < 3 THEN round(abs(amount) * (0.55 + random() * 0.4)::numeric, 2)
                  END AS cost
           FROM (SELECT (g % 24) AS m,
                        round(((CASE WHEN g % 33 = 0 THEN -0.5 ELSE 1 END)
                               * (50 + random() * 20000))::numeric, 2) AS amount) x
       ) d""",
]

# The floor: per kind, one hand-written statement computing the same account rows for
# every period of that kind. Written independently of reports/metrics/postgres.py.
FLOOR_SELECT = """
WITH per_cat AS (
    SELECT account_id, {bucket} AS b, category_id, sum(amount_base) AS rev,
           sum(amount_base) FILTER (WHERE cost_base IS NOT NULL) AS camt,
           sum(cost_base) AS ccost
    FROM reports_revenueline {where}
    GROUP BY 1, 2, 3
), per_acc AS (
    SELECT account_id, b, sum(rev) AS rev, sum(camt) AS camt, sum(camt) - sum(ccost) AS cm,
           count(*) FILTER (WHERE rev > 0 AND category_id IN
                            (SELECT id FROM reports_productcategory WHERE active)) AS ncat
    FROM per_cat GROUP BY 1, 2
), w AS (
    SELECT x.*, a.external_id, a.potential_annual, p.rev AS prev, p.camt AS pcamt, p.cm AS pcm,
           sum(x.rev) OVER (PARTITION BY x.b) AS total,
           row_number() OVER o AS rn,
           sum(x.rev) OVER (o ROWS UNBOUNDED PRECEDING) AS cum
    FROM per_acc x
    JOIN accounts_account a ON a.id = x.account_id
    LEFT JOIN per_acc p ON p.account_id = x.account_id
                       AND p.b = (x.b - interval '{months} months')::date
    WHERE x.b >= %(first_out)s
    WINDOW o AS (PARTITION BY x.b ORDER BY x.rev DESC, a.external_id COLLATE "C")
)
SELECT account_id, {label} AS period, %(kind)s AS period_kind, b AS period_start,
       (b + interval '{months} months' - interval '1 day')::date AS period_end, rev,
       CASE WHEN total > 0 THEN rev::float8 / total::float8 END AS share,
       CASE WHEN total > 0 AND rev > 0 THEN cum::float8 / total::float8 END AS cum_share,
       CASE WHEN rev > 0 THEN rn END AS rank,
       CASE WHEN total <= 0 THEN '' WHEN rev <= 0 THEN 'C' WHEN cum - rev < 0.8 * total THEN 'A'
            WHEN cum - rev < 0.95 * total THEN 'B' ELSE 'C' END AS tier,
       CASE WHEN potential_annual > 0
            THEN (12 * rev)::float8 / ({months} * potential_annual)::float8 END AS pen,
       ncat::float8 / (SELECT count(*) FROM reports_productcategory WHERE active) AS catpen,
       CASE WHEN prev > 0 THEN (rev - prev)::float8 / prev::float8 END AS growth,
       CASE WHEN camt > 0 THEN cm::float8 / camt::float8 END AS margin,
       CASE WHEN camt > 0 THEN cm::float8 / camt::float8 END
         - CASE WHEN pcamt > 0 THEN (100 * pcm)::float8 / pcamt::float8 END AS mchange
FROM w
"""
# Two floors: computing the rows only (into a temp table: no WAL, no index, no FK), and
# computing them into a table shaped exactly like reports_accountmetric (same indexes and
# foreign key) — the least any recompute that stores the rows has to do.
FLOOR_COMPUTE = "CREATE TEMP TABLE floor_rows AS " + FLOOR_SELECT
FLOOR_STORE = (
    "INSERT INTO bench_floor (account_id, period, period_kind, period_start, period_end, "
    "revenue, revenue_share, cumulative_share, rank, tier, penetration, category_penetration, "
    "growth, margin_pct, margin_change) " + FLOOR_SELECT
)
FLOOR_TABLE = [
    "CREATE TABLE bench_floor (LIKE reports_accountmetric INCLUDING ALL)",
    "ALTER TABLE bench_floor ADD FOREIGN KEY (account_id) REFERENCES accounts_account (id) "
    "DEFERRABLE INITIALLY DEFERRED",
]
# kind: (bucket of a line, filter, months, label of a period)
FLOOR_BUCKETS = {
    "month": ("date_trunc('month', date)::date", "", 1, "to_char(b, 'YYYY-MM')"),
    "quarter": ("date_trunc('quarter', date)::date", "", 3, "to_char(b, 'YYYY-\"Q\"Q')"),
    "year": ("date_trunc('year', date)::date", "", 12, "to_char(b, 'YYYY')"),
    "ttm": (
        "CASE WHEN date >= %(ttm)s THEN %(ttm)s ELSE %(prev)s END::date",
        "WHERE date >= %(prev)s AND date < %(as_of_month)s",
        12,
        "'ttm'",
    ),
}


def main() -> None:
    url, admin_url, db_name = _bench_url()
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')
    _admin(admin_url, f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reports.metrics.run import recompute_metrics

    try:
        call_command("migrate", verbosity=0)
        print(f"database {db_name}: generating {ACCOUNTS} accounts, {LINES} lines …", flush=True)
        t0 = time.monotonic()
        with connection.cursor() as cursor:
            # Load lines without their indexes and foreign keys, then build them once
            # (the same definitions, read back from the catalog).
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'reports_revenueline'::regclass AND contype IN ('f', 'u')"
            )
            constraints = cursor.fetchall()
            for conname, _ in constraints:
                cursor.execute(f'ALTER TABLE reports_revenueline DROP CONSTRAINT "{conname}"')
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                "'reports_revenueline' AND indexname <> 'reports_revenueline_pkey'"
            )
            indexes = cursor.fetchall()
            for indexname, _ in indexes:
                cursor.execute(f'DROP INDEX "{indexname}"')
            for sql in GENERATE:
                # `%` is the modulo operator here, not a placeholder.
                cursor.execute(
                    sql.replace(" % ", " %% "),
                    {"accounts": ACCOUNTS, "lines": LINES, "first": FIRST_MONTH},
                )
            for _, indexdef in indexes:
                cursor.execute(indexdef)
            for conname, definition in constraints:
                cursor.execute(
                    f'ALTER TABLE reports_revenueline ADD CONSTRAINT "{conname}" {definition}'
                )
            cursor.execute("VACUUM ANALYZE")
        print(f"generated in {time.monotonic() - t0:.1f} s", flush=True)

        from django.conf import settings

        kinds = ("month", "quarter", "year", "ttm")
        ttm_start = dt.date(AS_OF.year - 1, AS_OF.month, 1)
        params = {
            "ttm": ttm_start,
            "prev": dt.date(AS_OF.year - 2, AS_OF.month, 1),
            "as_of_month": AS_OF.replace(day=1),
        }

        def fresh_run(kinds_: tuple[str, ...]) -> dict:
            # From empty metric tables: every row is written (the costliest full run).
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE reports_accountmetric, reports_portfoliometric")
            run = recompute_metrics(as_of=AS_OF, full=True, kinds=kinds_)
            assert run.status == "success", run.error
            return run.details

        def floor_run(cursor, kind: str, template: str) -> float:
            bucket, where, months, label = FLOOR_BUCKETS[kind]
            # Periods of the kind that have lines (the previous of the first is input only).
            first_out = ttm_start if kind == "ttm" else dt.date(1900, 1, 1)
            sql = template.format(bucket=bucket, where=where, months=months, label=label)
            cursor.execute("DROP TABLE IF EXISTS floor_rows")
            cursor.execute("TRUNCATE bench_floor")
            t0 = time.monotonic()
            cursor.execute(sql, {**params, "first_out": first_out, "kind": kind})
            return time.monotonic() - t0

        full = fresh_run(kinds)
        print(f"full recompute (all kinds, empty tables): {json.dumps(full)}", flush=True)

        # The machine is shared and its load swings by minutes: time ours and the floors
        # back to back per kind, BENCH_REPEAT rounds, and keep each one's best (noise only
        # ever adds time). "Ours" is the service itself limited to one kind.
        floors = {"store": FLOOR_STORE, "compute": FLOOR_COMPUTE}
        times: dict[str, dict[str, list[float]]] = {
            floor_name: {k: [] for k in kinds} for floor_name in ("ours", *floors)
        }
        with connection.cursor() as cursor:
            for sql in FLOOR_TABLE:
                cursor.execute(sql)
            # The same work_mem the recompute's transaction gets: a like-for-like floor.
            cursor.execute("SELECT set_config('work_mem', %s, false)", [settings.METRICS_WORK_MEM])
            for i in range(REPEAT):
                for kind in kinds:
                    times["ours"][kind].append(fresh_run((kind,))[kind]["seconds"])
                    for floor_name, template in floors.items():
                        times[floor_name][kind].append(floor_run(cursor, kind, template))
                    print(
                        f"round {i + 1} {kind:<8} "
                        + "  ".join(f"{n} {times[n][kind][-1]:7.3f} s" for n in times),
                        flush=True,
                    )
            best = {n: {k: round(min(v), 3) for k, v in t.items()} for n, t in times.items()}
            ours, floor, floor_compute = best["ours"], best["store"], best["compute"]
            fresh_run(kinds)  # every kind's rows back, for the check and the unchanged run
            for kind in kinds:
                floor_run(cursor, kind, FLOOR_STORE)  # this kind's floor rows, for the check
                check = (
                    "SELECT count(*), sum(revenue), count(*) FILTER (WHERE tier = 'A'), "
                    "sum(rank), count(DISTINCT period) FROM {} WHERE period_kind = %s"
                )
                cursor.execute(check.format("bench_floor"), [kind])
                f_rows = cursor.fetchone()
                cursor.execute(check.format("reports_accountmetric"), [kind])
                o_rows = cursor.fetchone()
                agree = f_rows == o_rows
                print(
                    f"{kind:<8} ours {ours[kind]:7.3f} s  floor {floor[kind]:7.3f} s  "
                    f"ratio {ours[kind] / floor[kind]:5.2f}  (compute-only floor "
                    f"{floor_compute[kind]:7.3f} s, ratio {ours[kind] / floor_compute[kind]:5.2f})"
                    f"  rows {o_rows[0]}"
                    f"{'' if agree else f'  MISMATCH floor={f_rows} ours={o_rows}'}",
                    flush=True,
                )
                if not agree:
                    raise SystemExit("floor and recompute disagree")

        t0 = time.monotonic()
        run = recompute_metrics(as_of=AS_OF)
        unchanged = time.monotonic() - t0
        assert run.status == "success" and not run.periods_recomputed, run.periods_recomputed
        print(f"unchanged nightly run: {unchanged:.3f} s ({run.periods_unchanged} periods skipped)")

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratios = {k: round(ours[k] / floor[k], 3) for k in kinds}
        total_full = round(sum(full[k]["seconds"] for k in kinds), 3)
        result = {
            "accounts": ACCOUNTS,
            "lines": LINES,
            "ours_s": ours,
            "floor_s": floor,
            "floor_compute_only_s": floor_compute,
            "ratio": ratios,
            "ratio_vs_compute_only": {k: round(ours[k] / floor_compute[k], 3) for k in kinds},
            "worst_ratio": max(ratios.values()),
            "full_recompute_s": total_full,
            "full_recompute_per_kind_s": {k: full[k]["seconds"] for k in kinds},
            "full_recompute_with_writedown_s": round(total_full + full["accounts"]["seconds"], 3),
            "unchanged_run_s": round(unchanged, 3),
            "peak_rss_mb": round(peak_mb, 1),
            "targets_met": max(ratios.values()) <= 1.5 and unchanged < 1 and peak_mb < 300,
        }
        print(json.dumps(result))
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')


if __name__ == "__main__":
    main()
