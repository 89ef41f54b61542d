"""Account health benchmark: `make bench-health` (needs DATABASE_URL pointing at PostgreSQL).

Creates its own database (`<name of DATABASE_URL's database>_bench_health`, or
BENCH_DATABASE) with the metrics bench's company (10 000 accounts, 2 000 000 revenue lines
over 24 months, bench/metrics.py's generator) plus what health reads: 8 contacts an
account (roles, influence, attitudes), 60 interactions an account over two years with one
to three people each, two surveys, an active plan with objectives and actions, tenders.
Then, as of the metrics bench's day:

1. the baseline: the nightly metrics run's ttm kind over the same lines (what health
   follows every night), best of BENCH_REPEAT (3);
2. `account_health_compute` for every account (gather + score + replace the day), best
   of BENCH_REPEAT, and its two halves (the inputs' queries; scoring and writing);
3. the recompute of one account, as a KAM's request pays it (median of 50);
4. the peak RSS. Target (issue 14): every account in < 10 s.

The last line of output is one JSON object. Drops the database at the end (BENCH_KEEP=1
keeps it).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import metrics as mbench  # noqa: E402  (the same company as the metrics bench)

REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
CONTACTS = 8
INTERACTIONS = 60

GENERATE_HEALTH = [
    # Contacts: roles cycle through the seven, influence 1–5, a fifth supporters, a tenth
    # detractors.
    """INSERT INTO accounts_contact (created_at, updated_at, name, position, department, email,
           phone, decision_role, influence, attitude, is_primary, account_id)
       SELECT now(), now(), 'Person ' || a.id || '-' || k, '', '', '', '',
              (ARRAY['decision_maker','economic_buyer','champion','influencer',
                     'technical_evaluator','user','gatekeeper'])[1 + (a.id + k) % 7],
              1 + (a.id * 7 + k) % 5,
              CASE WHEN (a.id + k) % 5 = 0 THEN 'supporter'
                   WHEN (a.id + k) % 10 = 3 THEN 'detractor' ELSE 'neutral' END,
              k = 1, a.id
       FROM accounts_account a, generate_series(1, %(contacts)s) k""",
    # Interactions: spread over the 24 months, busier accounts first.
    """INSERT INTO accounts_interaction (created_at, updated_at, kind, occurred_at, subject,
           summary, outcome, next_step, sentiment, account_id, author_id)
       SELECT now(), now(), 'meeting',
              %(as_of)s::timestamptz - make_interval(days => floor(random() * 730)::int),
              '', 'Bench meeting', '', '', 'neutral', a.id, a.owner_id
       FROM accounts_account a, generate_series(1, %(interactions)s) k
       WHERE k <= %(interactions)s * (0.2 + 0.8 * ((a.id % 5) / 4.0))""",
    # One to three of the account's contacts in each.
    """INSERT INTO accounts_interaction_contacts (interaction_id, contact_id)
       SELECT DISTINCT i.id, c.id
       FROM accounts_interaction i
       CROSS JOIN LATERAL generate_series(0, i.id % 3) j
       JOIN LATERAL (SELECT id FROM accounts_contact c WHERE c.account_id = i.account_id
                     ORDER BY id OFFSET ((i.id + j * 3) % %(contacts)s) LIMIT 1) c ON true""",
    """INSERT INTO accounts_survey (created_at, updated_at, date, nps, satisfaction, needs,
           comments, account_id)
       SELECT now(), now(), %(as_of)s::date - (k * 150 + a.id % 90)::int, (a.id + k) % 11, 3,
              '', '', a.id
       FROM accounts_account a, generate_series(1, 2) k""",
    """INSERT INTO plans_accountplan (created_at, updated_at, title, period_start, period_end,
           status, client_goals, our_strategy, mutual_value, account_id, owner_id)
       SELECT now(), now(), 'Plan', date_trunc('year', %(as_of)s::date)::date,
              (date_trunc('year', %(as_of)s::date) + interval '1 year - 1 day')::date,
              'active', '', '', '', a.id, a.owner_id
       FROM accounts_account a""",
    """INSERT INTO plans_objective (created_at, updated_at, description, measure, due, status,
           plan_id)
       SELECT now(), now(), 'Objective', '', %(as_of)s::date - (30 * k)::int,
              CASE WHEN (p.id + k) % 3 = 0 THEN 'achieved' ELSE 'open' END, p.id
       FROM plans_accountplan p, generate_series(1, 3) k""",
    """INSERT INTO plans_action (created_at, updated_at, description, due, status, completed_at,
           owner_id, plan_id)
       SELECT now(), now(), 'Action', %(as_of)s::date - (10 * k)::int,
              CASE WHEN (p.id + k) % 2 = 0 THEN 'done' ELSE 'open' END,
              CASE WHEN (p.id + k) % 2 = 0
                   THEN %(as_of)s::timestamptz - make_interval(days => 10 * k + (k % 3) - 1) END,
              p.owner_id, p.id
       FROM plans_accountplan p, generate_series(1, 6) k""",
    """INSERT INTO plans_tender (created_at, updated_at, title, reference, platform, stage,
           currency, competitors, decision_date, outcome_reason, account_id)
       SELECT now(), now(), 'Tender', '', '',
              (ARRAY['won','lost','submitted'])[1 + (a.id + k) % 3], 'RUB', '',
              %(as_of)s::date - (100 * k)::int, 'bench', a.id
       FROM accounts_account a, generate_series(1, 3) k WHERE a.id % 3 = 0""",
]


def _bench_url() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench/health.py needs DATABASE_URL=postgres://… (PostgreSQL)")
    parts = urlparse(url)
    name = os.environ.get("BENCH_DATABASE") or f"{parts.path.lstrip('/') or 'kam'}_bench_health"
    admin = urlunparse(parts._replace(path="/postgres"))
    return urlunparse(parts._replace(path=f"/{name}")), admin, name


def main() -> None:
    url, admin_url, db_name = _bench_url()
    mbench._admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')
    mbench._admin(admin_url, f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reports.health.compute import account_health_compute
    from reports.health.inputs import accounts_in_play, gather
    from reports.metrics.run import recompute_metrics
    from reports.models import AccountHealth

    as_of = mbench.AS_OF
    try:
        call_command("migrate", verbosity=0)
        print(f"database {db_name}: generating {mbench.ACCOUNTS} accounts …", flush=True)
        t0 = time.monotonic()
        params = {
            "accounts": mbench.ACCOUNTS,
            "lines": mbench.LINES,
            "first": mbench.FIRST_MONTH,
            "contacts": CONTACTS,
            "interactions": INTERACTIONS,
            "as_of": as_of,
        }
        with connection.cursor() as cursor:
            for sql in mbench.GENERATE + GENERATE_HEALTH:
                cursor.execute(sql.replace(" % ", " %% "), params)
            cursor.execute("VACUUM ANALYZE")
            counts = {}
            for table in ("accounts_contact", "accounts_interaction",
                          "accounts_interaction_contacts", "reports_revenueline"):  # fmt: skip
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
        print(f"generated in {time.monotonic() - t0:.1f} s: {counts}", flush=True)

        baseline, ours, gather_s, score_write_s = [], [], [], []
        for i in range(REPEAT):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE reports_accountmetric, reports_portfoliometric")
            run = recompute_metrics(as_of=as_of, full=True, kinds=("ttm",))
            assert run.status == "success", run.error
            baseline.append(run.details["ttm"]["seconds"])

            t0 = time.monotonic()
            rows = account_health_compute(as_of=as_of)
            ours.append(time.monotonic() - t0)

            ids = accounts_in_play()
            t0 = time.monotonic()
            facts = gather(as_of=as_of, account_ids=ids, every=True)
            gather_s.append(time.monotonic() - t0)
            assert len(facts) == rows
            score_write_s.append(ours[-1] - gather_s[-1])
            print(
                f"round {i + 1}: metrics ttm {baseline[-1]:.3f} s  health {ours[-1]:.3f} s "
                f"({rows} accounts; inputs {gather_s[-1]:.3f} s)",
                flush=True,
            )

        one = []
        sample = ids[:: max(1, len(ids) // 50)][:50]
        for pk in sample:
            t0 = time.monotonic()
            account_health_compute(as_of=as_of, account_ids=[pk])
            one.append(time.monotonic() - t0)

        bands = dict(
            AccountHealth.objects.filter(date=as_of)
            .values_list("band")
            .annotate(n=django.db.models.Count("id"))
        )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        best = round(min(ours), 3)
        result = {
            "accounts": len(ids),
            "rows": counts,
            "health_s": best,
            "health_inputs_s": round(min(gather_s), 3),
            "health_score_and_write_s": round(min(score_write_s), 3),
            "metrics_ttm_baseline_s": round(min(baseline), 3),
            "ratio_to_metrics_ttm": round(best / min(baseline), 2),
            "one_account_ms_median": round(1000 * statistics.median(one), 1),
            "bands": bands,
            "target_s": 10,
            "meets_target": best < 10,
            "peak_rss_mb": round(peak_mb),
        }
        print(
            f"health of {len(ids)} accounts: {best:.3f} s (target < 10 s; metrics ttm over the "
            f"same lines {min(baseline):.3f} s); one account {result['one_account_ms_median']} ms"
        )
        print(json.dumps(result))
    finally:
        connection.close()
        if os.environ.get("BENCH_KEEP") != "1":
            mbench._admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')


if __name__ == "__main__":
    main()
