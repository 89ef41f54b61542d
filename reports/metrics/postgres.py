"""The PostgreSQL path: one set-based statement per period kind.

The statement aggregates the revenue lines of the chosen periods (and of their previous
periods, for growth and margin change), ranks with window functions, writes the account
rows (a plain INSERT into empty periods, else an upsert in place and a delete of rows
whose account has no line left) and the portfolio rows. Nothing about lines
is loaded into Python. Callers run it in a transaction, so a period changes atomically.

Exactness (DESIGN.md "Metric definitions"): money stays `numeric`; a ratio is one float8
division of exact sums (so it matches Python's `float(a) / float(b)` bit for bit); tiers,
key shares and the concentration flag compare exact sums (`before < 0.80 × total`), never
rounded floats. Ties are broken by `external_id` in code-point order (`COLLATE "C"`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from .periods import MONTHS_IN, TTM, Period

_BUCKET = {
    "month": "date_trunc('month', l.date)::date",
    "quarter": "date_trunc('quarter', l.date)::date",
    "year": "date_trunc('year', l.date)::date",
    # ttm and its previous window: the two 12-month blocks before the as-of month.
    "ttm": "CASE WHEN l.date >= %(ttm_start)s THEN %(ttm_start)s ELSE %(ttm_prev)s END::date",
}

# bench/metrics.py times this against its own hand-written statement (the floor).
_STATEMENT = """
WITH target AS (
    SELECT t.pstart, t.pend, t.label, t.fp,
           (t.pstart - make_interval(months => %(months)s))::date AS prev_start
    FROM unnest(%(starts)s::date[], %(ends)s::date[], %(labels)s::text[], %(fps)s::text[])
         AS t(pstart, pend, label, fp)
),
cat AS (
    SELECT l.account_id, {bucket} AS pstart, l.category_id,
           sum(l.amount_base) AS rev,
           sum(l.amount_base) FILTER (WHERE l.cost_base IS NOT NULL) AS c_amt,
           sum(l.cost_base) AS c_cost
    FROM reports_revenueline l
    WHERE l.date >= %(lo)s AND l.date <= %(hi)s {bucket_filter}
    GROUP BY 1, 2, 3
),
acc AS (
    SELECT account_id, pstart, sum(rev) AS rev,
           count(*) FILTER (WHERE rev > 0 AND category_id = ANY(%(active)s::bigint[])) AS cats,
           sum(c_amt) AS c_amt, sum(c_amt) - sum(c_cost) AS c_margin
    FROM cat GROUP BY 1, 2
),
cur AS (
    SELECT a.account_id, t.pstart, t.pend, t.label, a.rev, a.cats, a.c_amt, a.c_margin,
           p.rev AS prev_rev, p.c_amt AS prev_c_amt, p.c_margin AS prev_c_margin,
           ac.external_id, ac.potential_annual
    FROM acc a
    JOIN target t ON t.pstart = a.pstart
    JOIN accounts_account ac ON ac.id = a.account_id
    LEFT JOIN acc p ON p.account_id = a.account_id AND p.pstart = t.prev_start
),
ranked AS (
    SELECT cur.*,
           sum(rev) OVER (PARTITION BY pstart) AS total,
           row_number() OVER w AS rn,
           sum(rev) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_rev,
           CASE WHEN c_amt > 0 THEN c_margin::float8 / c_amt::float8 END AS margin,
           CASE WHEN prev_c_amt > 0
                THEN prev_c_margin::float8 / prev_c_amt::float8 END AS prev_margin
    FROM cur
    WINDOW w AS (PARTITION BY pstart ORDER BY rev DESC, external_id COLLATE "C")
),
final AS (
    SELECT account_id, label, pstart, pend, external_id, rev, total, rn,
           CASE WHEN total > 0 THEN rev::float8 / total::float8 END AS share,
           CASE WHEN total > 0 AND rev > 0 THEN cum_rev::float8 / total::float8 END AS cum_share,
           CASE WHEN rev > 0 THEN rn END AS rank,
           CASE WHEN total <= 0 THEN ''
                WHEN rev <= 0 THEN 'C'
                WHEN cum_rev - rev < %(tier_a)s * total THEN 'A'
                WHEN cum_rev - rev < %(tier_b)s * total THEN 'B'
                ELSE 'C' END AS tier,
           CASE WHEN potential_annual > 0
                THEN (12 * rev)::float8 / (%(months)s * potential_annual)::float8 END AS pen,
           CASE WHEN %(n_active)s > 0 THEN cats::float8 / %(n_active)s END AS cat_pen,
           CASE WHEN prev_rev > 0 THEN (rev - prev_rev)::float8 / prev_rev::float8 END AS growth,
           margin,
           margin - prev_margin AS margin_change
    FROM ranked
),
up AS (
    INSERT INTO reports_accountmetric AS m (
        account_id, period, period_kind, period_start, period_end, revenue, revenue_share,
        cumulative_share, rank, tier, penetration, category_penetration, growth,
        margin_pct, margin_change, run_id, computed_at)
    SELECT account_id, label, %(kind)s, pstart, pend, rev, share, cum_share, rank, tier, pen,
           cat_pen, growth, margin, margin_change, %(run_id)s, %(computed_at)s
    FROM final
    {on_conflict}
    RETURNING 1
),
-- Accounts that no longer have a line in the period lose their row.
gone AS (
    DELETE FROM reports_accountmetric m
    USING target t
    WHERE m.period = t.label
      AND NOT EXISTS (SELECT 1 FROM final f
                      WHERE f.label = m.period AND f.account_id = m.account_id)
    RETURNING 1
),
risk AS (
    SELECT label, jsonb_agg(external_id ORDER BY rank) AS ids
    FROM final
    WHERE total > 0 AND rev > 0 AND rev >= %(risk_share)s * total
    GROUP BY label
),
port AS (
    INSERT INTO reports_portfoliometric AS pm (
        period, period_kind, period_start, period_end, total_revenue, accounts_with_revenue,
        tier_counts, top10_share, hhi, concentration_risk, fingerprint, run_id, computed_at)
    SELECT tg.label, %(kind)s, tg.pstart, tg.pend,
           coalesce(sum(f.rev), 0),
           count(*) FILTER (WHERE f.rev > 0),
           jsonb_build_object('A', count(*) FILTER (WHERE f.tier = 'A'),
                              'B', count(*) FILTER (WHERE f.tier = 'B'),
                              'C', count(*) FILTER (WHERE f.tier = 'C')),
           sum(f.share) FILTER (WHERE f.rn <= 10),
           sum(f.share * f.share) FILTER (WHERE f.rev > 0),
           coalesce(max(r.ids::text)::jsonb, '[]'::jsonb),
           tg.fp, %(run_id)s, %(computed_at)s
    FROM target tg
    LEFT JOIN final f ON f.label = tg.label
    LEFT JOIN risk r ON r.label = tg.label
    GROUP BY tg.label, tg.pstart, tg.pend, tg.fp
    ON CONFLICT (period) DO UPDATE SET
        period_kind = EXCLUDED.period_kind, period_start = EXCLUDED.period_start,
        period_end = EXCLUDED.period_end, total_revenue = EXCLUDED.total_revenue,
        accounts_with_revenue = EXCLUDED.accounts_with_revenue,
        tier_counts = EXCLUDED.tier_counts, top10_share = EXCLUDED.top10_share,
        hhi = EXCLUDED.hhi, concentration_risk = EXCLUDED.concentration_risk,
        fingerprint = EXCLUDED.fingerprint, run_id = EXCLUDED.run_id,
        computed_at = EXCLUDED.computed_at
    RETURNING 1
)
SELECT (SELECT count(*) FROM final), (SELECT count(*) FROM up), (SELECT count(*) FROM gone),
       (SELECT count(*) FROM port)
"""


# When the periods already have rows: upsert in place. Every row of a recomputed period is
# stamped with the run (`run_id`, `computed_at`), so a period's rows always name one run;
# in practice a changed input changes the period's total and with it every share anyway.
# No indexed column changes, so these are HOT updates. Into empty periods a plain INSERT
# is cheaper.
_ON_CONFLICT = """
    ON CONFLICT (period, account_id) DO UPDATE SET
        period_kind = EXCLUDED.period_kind, period_start = EXCLUDED.period_start,
        period_end = EXCLUDED.period_end, revenue = EXCLUDED.revenue,
        revenue_share = EXCLUDED.revenue_share, cumulative_share = EXCLUDED.cumulative_share,
        rank = EXCLUDED.rank, tier = EXCLUDED.tier, penetration = EXCLUDED.penetration,
        category_penetration = EXCLUDED.category_penetration, growth = EXCLUDED.growth,
        margin_pct = EXCLUDED.margin_pct, margin_change = EXCLUDED.margin_change,
        run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at
"""


def compute_kind(
    kind: str,
    periods: list[Period],
    fingerprints: dict[str, str],
    *,
    active_category_ids: list[int],
    tier_a: Decimal,
    tier_b: Decimal,
    risk_share: Decimal,
    run_id: int | None = None,
    computed_at: dt.datetime | None = None,
) -> int:
    """Write the account and portfolio rows of `periods` (all of `kind`), stamped with
    `run_id` and `computed_at`; return the account row count."""
    if not periods:
        return 0
    needed = sorted({p.start for p in periods} | {p.prev().start for p in periods})
    params: dict[str, Any] = {
        "kind": kind,
        "months": MONTHS_IN[kind],
        "starts": [p.start for p in periods],
        "ends": [p.end for p in periods],
        "labels": [p.key for p in periods],
        "fps": [fingerprints.get(p.key, "") for p in periods],
        "lo": min(p.prev().start for p in periods),
        "hi": max(p.end for p in periods),
        "needed": needed,
        "active": active_category_ids,
        "n_active": len(active_category_ids),
        "tier_a": tier_a,
        "tier_b": tier_b,
        "risk_share": risk_share,
        "run_id": run_id,
        "computed_at": computed_at,
    }
    if kind == TTM:
        (ttm,) = periods
        params["ttm_start"], params["ttm_prev"] = ttm.start, ttm.prev().start
    # Filter lines by bucket only when the periods leave gaps (an incremental run); a full
    # run reads the whole date range and saves evaluating the bucket twice per line.
    contiguous = kind == TTM or len(needed) == _span(params["lo"], params["hi"]) // MONTHS_IN[kind]
    bucket = _BUCKET[kind]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM reports_accountmetric WHERE period = ANY(%s::text[]))",
            [params["labels"]],
        )
        statement = _STATEMENT.format(
            bucket=bucket,
            bucket_filter="" if contiguous else f"AND {bucket} = ANY(%(needed)s::date[])",
            on_conflict=_ON_CONFLICT if cursor.fetchone()[0] else "",
        )
        # Aggregating ~all lines per (account, period, category) wants memory, not temp files.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.METRICS_WORK_MEM])
        cursor.execute(statement, params)
        rows, _written, _removed, _portfolio = cursor.fetchone()
    return rows


def _span(lo: dt.date, hi: dt.date) -> int:
    """Months from the month of `lo` to the month of `hi`, inclusive."""
    return (hi.year - lo.year) * 12 + hi.month - lo.month + 1
