"""Server time of the portfolio matrix page on a 10 000-account portfolio.

Seeds a throw-away test database like bench/pages.py (its `seed`), adds a health snapshot
per account, strategic-fit scores for the key accounts and last year's positions, runs the
matrix compute (timed), then requests the matrix pages N times with the Django test client
and prints p50/p95 per page and its query count. The last line is JSON. Target: p95 < 150 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kam_matrix .venv/bin/python bench/matrix.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account, User  # noqa: E402
from bench.pages import measure, seed  # noqa: E402
from reports.models import (  # noqa: E402
    AccountHealth,
    MatrixCriterion,
    MatrixPosition,
    MatrixScore,
)
from reports.portfolio.matrix import portfolio_matrix_compute, quadrant_of  # noqa: E402

BANDS = ((70, "healthy"), (40, "watch"), (0, "at_risk"))


def seed_matrix() -> float:
    """Health, strategic fit and last year's positions; returns the compute's seconds."""
    rnd = random.Random(11)
    today, now = timezone.localdate(), timezone.now()
    year = today.year
    accounts = list(Account.objects.values_list("pk", "is_key", "owner_id"))
    health = []
    for pk, _key, _owner in accounts:
        score = round(rnd.uniform(10, 95), 1)
        band = next(name for floor, name in BANDS if score >= floor)
        components = [
            {
                "key": key,
                "label": key,
                "value": None,
                "weight": None,
                "points": None,
                "explanation": "",
                "score": rnd.choice([None, 0.0, 33.3, 66.7, 100.0]),
            }
            for key in ("role_coverage", "satisfaction", "tenders")
        ]
        health.append(
            AccountHealth(
                account_id=pk,
                date=today,
                score=Decimal(str(score)),
                band=band,
                components=components,
                computed_at=now,
            )
        )
    AccountHealth.objects.bulk_create(health, batch_size=5000)
    fit = MatrixCriterion.objects.get(key="strategic_fit")
    MatrixScore.objects.bulk_create(
        [
            MatrixScore(
                account_id=pk, criterion=fit, year=year, score=rnd.randint(1, 5), scored_by_id=owner
            )
            for pk, key, owner in accounts
            if key
        ],
        batch_size=5000,
    )
    last_year = []
    for pk, _key, _owner in accounts:
        a, s = round(rnd.uniform(1, 5), 2), round(rnd.uniform(1, 5), 2)
        last_year.append(
            MatrixPosition(
                account_id=pk,
                year=year - 1,
                attractiveness=a,
                strength=s,
                quadrant=quadrant_of(a, s),
                computed_at=now,
            )
        )
    MatrixPosition.objects.bulk_create(last_year, batch_size=5000)
    started = time.perf_counter()
    placed = portfolio_matrix_compute()
    seconds = round(time.perf_counter() - started, 2)
    print(f"matrix compute: {placed} accounts placed in {seconds} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("-n", "--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded DB")
    parser.add_argument("--slow-queries", action="store_true", help="print each page's slowest")
    args = parser.parse_args()

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keep, serialize=False, keepdb=args.keep
    )
    compute_s = None
    try:
        if args.keep and not MatrixPosition.objects.exists():
            compute_s = seed_matrix()  # a kept database seeded by bench/pages.py
        if not (args.keep and Account.objects.count() == args.accounts):
            started = time.perf_counter()
            seed(args.accounts)
            compute_s = seed_matrix()
            print(
                f"seeded {args.accounts} accounts in {time.perf_counter() - started:.1f} s "
                f"({connection.vendor})"
            )
        kam_client, head_client = Client(), Client()
        kam_client.force_login(User.objects.get(username="kam00"))
        head_client.force_login(User.objects.get(username="head"))
        pages = {
            # The in-run baseline: what a near-empty request costs on this machine now.
            "baseline: /healthz": (kam_client, "/healthz"),
            "matrix (head, all accounts)": (head_client, "/portfolio/matrix/"),
            "matrix (head, page 40)": (head_client, "/portfolio/matrix/?page=40"),
            "matrix (head, Star only)": (head_client, "/portfolio/matrix/?quadrant=star"),
            "matrix (KAM)": (kam_client, "/portfolio/matrix/"),
            "resources vs quadrant (head)": (head_client, "/portfolio/matrix/resources/"),
            "criteria (head)": (head_client, "/portfolio/matrix/criteria/"),
            "API rows (head)": (head_client, "/api/v1/portfolio-matrix/"),
        }
        results = {}
        for name, (client, url) in pages.items():
            results[name] = measure(client, url, args.requests, args.slow_queries)
            r = results[name]
            print(
                f"{name:32s} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                f"(cpu {r['cpu_p50_ms']:5.1f}, sql {r['sql_p50_ms']:5.1f})  "
                f"{r['queries']:2d} queries"
            )
        matrix_pages = [v for k, v in results.items() if k.startswith("matrix")]
        print(
            json.dumps(
                {
                    "bench": "matrix",
                    "db": connection.vendor,
                    "accounts": args.accounts,
                    "requests": args.requests,
                    "target_p95_ms": 150,
                    "matrix_worst_p95_ms": max(r["p95_ms"] for r in matrix_pages),
                    "compute_s": compute_s,
                    "load_avg_1m": round(os.getloadavg()[0], 2),
                    "cpus": os.cpu_count(),
                    "pages": results,
                }
            )
        )
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
