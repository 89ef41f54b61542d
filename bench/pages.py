"""Server time of the KAM's pages on a 10 000-account, 100 000-contact portfolio.

Creates a throw-away test database (`test_<name>` of DATABASE_URL; PostgreSQL expected),
seeds it with bulk_create (until `seed_demo` is on main), then requests each page N times
with the Django test client and prints p50/p95 per page and its query count. The last
line is JSON. Targets: p95 < 150 ms; global search and the contact page p95 < 100 ms;
the account page's server CPU per request ≤ 2× the account API's (same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kam_uikam .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
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
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account, Contact, Interaction, Region, User  # noqa: E402
from plans.models import AccountPlan, Action, Objective, Opportunity, Tender  # noqa: E402
from reports.models import (  # noqa: E402
    AccountMetric,
    PeriodKind,
    ProductCategory,
    RevenueLine,
    WhiteSpaceCell,
)

KAMS = 25
CONTACTS = 10
INTERACTIONS = 8
MONTHS = 24
CATEGORIES = 20
# The largest holding: a root, 4 subsidiaries, 16 under them, 48 under those (69 units).
HOLDING_FANOUT = (4, 4, 3)


def month_start(today: dt.date, back: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def seed(n_accounts: int) -> dict:
    rnd = random.Random(7)
    today = timezone.localdate()
    now = timezone.now()
    kams = User.objects.bulk_create(
        [
            User(username=f"kam{i:02d}", first_name="KAM", last_name=f"{i:02d}", role="kam")
            for i in range(KAMS)
        ]
    )
    head = User.objects.create(username="head", role="head")
    regions = Region.objects.bulk_create(
        [Region(code=f"R{i}", name=f"Region {i}") for i in range(12)]
    )
    categories = ProductCategory.objects.bulk_create(
        [ProductCategory(code=f"C{i:02d}", name=f"Category {i:02d}") for i in range(CATEGORIES)]
    )
    accounts = Account.objects.bulk_create(
        [
            Account(
                external_id=f"ACC-{i:05d}",
                name=f"Client {i:05d}",
                owner=kams[i % KAMS],
                region=regions[i % len(regions)],
                potential_annual=Decimal(rnd.randint(1, 500) * 100_000),
                tier="A" if i < 400 else ("B" if i < 1500 else "C"),
                is_key=i < 400,
                ttm_revenue=Decimal(rnd.randint(1, 10_000) * 1000),
                ttm_share=rnd.random() / 100,
                ttm_penetration=rnd.random(),
                ttm_growth=rnd.uniform(-0.5, 0.8),
            )
            for i in range(n_accounts)
        ],
        batch_size=2000,
    )
    team = Account.team.through
    team.objects.bulk_create(
        [
            team(account_id=a.pk, user_id=kams[(i + 1) % KAMS].pk)
            for i, a in enumerate(accounts)
            if i % 3 == 0
        ],
        batch_size=5000,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                account=a,
                name=f"Person {a.pk}-{j}",
                position="Manager",
                decision_role=rnd.choice(Contact.DecisionRole.values),
                influence=rnd.randint(1, 5),
                attitude=rnd.choice(Contact.Attitude.values),
                phone=f"+7 495 {a.pk:05d}{j:02d}",
                email=f"p{a.pk}.{j}@client{a.pk}.example",
            )
            for a in accounts
            for j in range(CONTACTS)
        ],
        batch_size=5000,
    )
    by_account: dict[int, list[Contact]] = {}
    for c in contacts:
        by_account.setdefault(c.account_id, []).append(c)
    updates = []
    for people in by_account.values():
        for j, person in enumerate(people[1:], start=1):
            person.reports_to = people[(j - 1) // 2]
            updates.append(person)
    Contact.objects.bulk_update(updates, ["reports_to"], batch_size=5000)

    def interaction(account: Account) -> Interaction:
        occurred = now - dt.timedelta(days=rnd.randint(0, 400), minutes=rnd.randint(0, 600))
        # About half the meetings end with a next step, due one to three weeks later.
        step = rnd.random() < 0.5
        return Interaction(
            account=account,
            author=account.owner,
            kind="meeting",
            occurred_at=occurred,
            summary="Discussed volumes and prices for next quarter",
            next_step="Send offer" if step else "",
            next_step_due=(occurred + dt.timedelta(days=rnd.randint(7, 21))).date()
            if step
            else None,
        )

    interactions = Interaction.objects.bulk_create(
        [interaction(a) for a in accounts for _ in range(INTERACTIONS)], batch_size=5000
    )
    through = Interaction.contacts.through
    through.objects.bulk_create(
        [
            through(interaction_id=it.pk, contact_id=by_account[it.account_id][k % CONTACTS].pk)
            for k, it in enumerate(interactions)
        ],
        batch_size=5000,
    )
    plans = AccountPlan.objects.bulk_create(
        [
            AccountPlan(
                account=a,
                title=f"{a.name} plan",
                period_start=dt.date(today.year, 1, 1),
                period_end=dt.date(today.year, 12, 31),
                owner=a.owner,
                client_goals="Grow",
            )
            for a in accounts
        ],
        batch_size=2000,
    )
    objectives = Objective.objects.bulk_create(
        [
            Objective(
                plan=p,
                description="Win a new category",
                target=Decimal(100),
                current=Decimal(rnd.randint(0, 100)),
            )
            for p in plans
        ],
        batch_size=2000,
    )
    Action.objects.bulk_create(
        [
            Action(
                plan=p,
                objective=o,
                owner=p.owner,
                description=f"Action {k}",
                due=today + dt.timedelta(days=rnd.randint(-20, 60)),
            )
            for p, o in zip(plans, objectives, strict=True)
            for k in range(3)
        ],
        batch_size=5000,
    )
    Tender.objects.bulk_create(
        [
            Tender(
                account=a,
                title=f"Tender {a.pk}",
                stage=rnd.choice(Tender.OPEN_STAGES),
                submission_deadline=now + dt.timedelta(days=rnd.randint(-30, 90)),
                estimated_value=Decimal(500000),
            )
            for a in accounts
        ],
        batch_size=2000,
    )
    metrics, lines = [], []
    for a in accounts:
        for back in range(1, MONTHS + 1):
            start = month_start(today, back)
            amount = Decimal(rnd.randint(1, 1000) * 100)
            metrics.append(
                AccountMetric(
                    account=a,
                    period=start.strftime("%Y-%m"),
                    period_kind=PeriodKind.MONTH,
                    period_start=start,
                    period_end=start,
                    revenue=amount,
                    tier="A",
                )
            )
            category = categories[(a.pk + back) % CATEGORIES]
            lines.append(
                RevenueLine(
                    external_id=f"L{a.pk}-{back}",
                    account=a,
                    category=category,
                    date=start,
                    amount=amount,
                    currency="RUB",
                    amount_base=amount,
                )
            )
        metrics.append(
            AccountMetric(
                account=a,
                period="ttm",
                period_kind=PeriodKind.TTM,
                period_start=month_start(today, 12),
                period_end=month_start(today, 0) - dt.timedelta(days=1),
                revenue=a.ttm_revenue,
                revenue_share=a.ttm_share,
                penetration=a.ttm_penetration,
                growth=a.ttm_growth,
                category_penetration=0.5,
                tier=a.tier,
            )
        )
        for q in range(8):
            metrics.append(
                AccountMetric(
                    account=a,
                    period=f"Q{q}",
                    period_kind=PeriodKind.QUARTER,
                    period_start=month_start(today, 3 * (q + 1)),
                    period_end=month_start(today, 3 * q),
                    revenue=0,
                    tier=rnd.choice("ABC"),
                )
            )
    AccountMetric.objects.bulk_create(metrics, batch_size=10000)
    RevenueLine.objects.bulk_create(lines, batch_size=10000)
    seed_holding(rnd, [a for a in accounts if a.owner_id == kams[0].pk], categories)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return {"kam": kams[0], "head": head, "account": accounts[0]}


def seed_holding(rnd: random.Random, own: list[Account], categories: list) -> None:
    """The white-space matrix's worst case: the first KAM's first account becomes a holding
    of three levels (HOLDING_FANOUT) with half its cells filled and a few opportunities."""
    root, pool = own[0], iter(own[1:])
    level, units = [root], [root]
    for fanout in HOLDING_FANOUT:
        children = []
        for parent in level:
            for _ in range(fanout):
                child = next(pool)
                child.parent = parent
                children.append(child)
        units += children
        level = children
    Account.objects.bulk_update(units[1:], ["parent"], batch_size=1000)
    cells, opportunities = [], []
    for unit in units:
        for category in rnd.sample(categories, CATEGORIES // 2):
            status = rnd.choice(["open", "open", "competitor", "not_relevant"])
            cells.append(
                WhiteSpaceCell(
                    account=unit,
                    category=category,
                    status=status,
                    competitor="Rival" if status == "competitor" else "",
                    potential=None if status == "not_relevant" else Decimal(500_000),
                )
            )
            if status == "open" and rnd.random() < 0.2:
                opportunities.append(
                    Opportunity(
                        account=unit,
                        category_id=category.pk,
                        title=f"{category.name} for {unit.name}",
                        value=Decimal(400_000),
                        owner=unit.owner,
                    )
                )
    WhiteSpaceCell.objects.bulk_create(cells, batch_size=5000)
    Opportunity.objects.bulk_create(opportunities, batch_size=5000)


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return round(values[max(0, math.ceil(len(values) * 0.95) - 1)], 1)


def measure(client: Client, url: str, n: int, slow: bool = False) -> dict:
    """Wall time per request, and the two parts of it we own: Python CPU and SQL time.

    On a shared, loaded machine the wall time includes waiting for a core; the CPU time of
    this process does not, so both are reported.
    """
    for _ in range(3):  # warm caches, template loaders, connection
        assert client.get(url).status_code == 200, url
    wall, cpu, sql = [], [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        assert response.status_code == 200
    if slow:
        for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:300]}")
    return {
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": _p95(wall),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "sql_p50_ms": round(statistics.median(sql), 1),
        "queries": len(ctx.captured_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("-n", "--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded DB")
    parser.add_argument("--slow-queries", action="store_true", help="print each page's slowest")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    args = parser.parse_args()

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keep, serialize=False, keepdb=args.keep
    )
    try:
        if not (args.keep and Account.objects.count() == args.accounts):
            started = time.perf_counter()
            seed(args.accounts)
            seeded_s = round(time.perf_counter() - started, 1)
            print(f"seeded {args.accounts} accounts in {seeded_s} s ({connection.vendor})")
        data = {
            "kam": User.objects.get(username="kam00"),
            "head": User.objects.get(username="head"),
            "account": Account.objects.order_by("pk").first(),
        }
        kam_client, head_client = Client(), Client()
        kam_client.force_login(data["kam"])
        head_client.force_login(data["head"])
        account = data["account"]
        contact = account.contacts.order_by("pk").first()
        pages = {
            "baseline: /healthz": (kam_client, "/healthz"),
            "home (KAM)": (kam_client, "/"),
            "home (head, all accounts)": (head_client, "/"),
            "home (head, sorted by last contact)": (head_client, "/?sort=last_contact"),
            "account page": (kam_client, f"/accounts/{account.pk}/"),
            "account API (same account)": (kam_client, f"/api/v1/accounts/{account.pk}/"),
            # Global search over 10 000 accounts and 100 000 contacts: a name, a phone part.
            "search (head, name)": (head_client, "/search/?q=Person+42"),
            "search (head, phone part)": (head_client, "/search/?q=495+0004"),
            "search (KAM, name)": (kam_client, "/search/?q=Client+000"),
            "contact page": (kam_client, f"/contacts/{contact.pk}/"),
            "forecast (head)": (head_client, "/forecast/"),
            "tenders (KAM)": (kam_client, "/tenders/"),
            "tenders (head)": (head_client, "/tenders/"),
            "calendar (KAM)": (kam_client, "/calendar/"),
            "plan page": (kam_client, f"/plans/{account.plans.first().pk}/"),
            # The largest holding (69 units × 20 categories), as its KAM sees it.
            "white-space matrix (largest holding)": (
                kam_client,
                f"/accounts/{account.pk}/whitespace/",
            ),
            # A head picks among every account: the heaviest form.
            "event form (head)": (head_client, "/events/new/"),
        }
        results = {}
        for name, (client, url) in pages.items():
            if args.only and args.only not in name and not name.startswith("baseline"):
                continue
            results[name] = measure(client, url, args.requests, args.slow_queries)
            r = results[name]
            print(
                f"{name:36s} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                f"(cpu {r['cpu_p50_ms']:5.1f}, sql {r['sql_p50_ms']:5.1f})  "
                f"{r['queries']:2d} queries"
            )
        worst = max(r["p95_ms"] for r in results.values())
        ratio = None
        if "account page" in results and "account API (same account)" in results:
            # The target: the page's server CPU ≤ 2× the API's for the same account.
            ratio = round(
                results["account page"]["cpu_p50_ms"]
                / results["account API (same account)"]["cpu_p50_ms"],
                2,
            )
            print(f"account page CPU / account API CPU: {ratio}× (target ≤ 2×)")
        print(
            json.dumps(
                {
                    "bench": "pages",
                    "db": connection.vendor,
                    "accounts": args.accounts,
                    "requests": args.requests,
                    "target_p95_ms": 150,
                    "worst_p95_ms": worst,
                    "account_page_cpu_vs_api": ratio,
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
