"""Benchmark of the alert rules and the daily digests on PostgreSQL: 50 KAMs.

Creates its own database (default `kam_bench_digests` on the server of DATABASE_URL), fills
it with 50 KAMs (half of them reading Russian) of 40 accounts each, an active plan per
account with actions due earlier, today and later, detractor surveys and tenders closing
soon; runs the nightly alert evaluation (twice: the second run must fire nothing), then
sends every KAM's daily digest through a real SMTP server (aiosmtpd on 127.0.0.1) and
prints the figures. The issue's target: the digest for 50 KAMs in under 30 s. The last
line is JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kam .venv/bin/python bench/digests.py \
        [--kams 50] [--accounts-per-kam 40] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT_S = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kams", type=int, default=50)
    parser.add_argument("--accounts-per-kam", type=int, default=40)
    parser.add_argument("--database", default="kam_bench_digests")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def server_url(database: str) -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam")
    if not base.startswith("postgres"):
        sys.exit("bench/digests.py needs DATABASE_URL=postgres://…")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(
        parts._replace(path=f"/{database}")
    )


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def generate(kams: int, per_kam: int, today: dt.date) -> float:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Account, Survey, User
    from plans.models import AccountPlan, Action, Tender

    started = time.perf_counter()
    password = make_password("bench-pass-123")
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-kam-{i:02d}",
                email=f"kam{i:02d}@bench.example",
                role=User.Role.KAM,
                language="ru" if i % 2 else "en",
                timezone="Europe/Moscow",
                password=password,
            )
            for i in range(kams)
        ]
        + [
            User(
                username="bench-head",
                email="head@bench.example",
                role=User.Role.HEAD,
                password=password,
            )
        ]
    )
    kam_users = users[:kams]
    accounts = Account.objects.bulk_create(
        [
            Account(
                external_id=f"B-{k:02d}-{a:03d}",
                name=f"Клиент {k:02d}-{a:03d}" if k % 2 else f"Client {k:02d}-{a:03d}",
                owner=user,
                is_key=a < 5,
            )
            for k, user in enumerate(kam_users)
            for a in range(per_kam)
        ]
    )
    plans = AccountPlan.objects.bulk_create(
        [
            AccountPlan(
                account=account,
                title=f"{account.name} plan",
                period_start=dt.date(today.year, 1, 1),
                period_end=dt.date(today.year, 12, 31),
                owner=account.owner,
                status=AccountPlan.Status.ACTIVE,
            )
            for account in accounts
        ]
    )
    offsets = (-20, -3, 0, 5, 30)  # two overdue, one due today, two later
    Action.objects.bulk_create(
        [
            Action(
                plan=plan,
                description=f"Step {n + 1} with {plan.account.name}",
                owner=plan.owner,
                due=today + dt.timedelta(days=offset),
            )
            for plan in plans
            for n, offset in enumerate(offsets)
        ]
    )
    Survey.objects.bulk_create(
        [
            Survey(account=account, date=today - dt.timedelta(days=2), nps=3)
            for account in accounts[::7]
        ]
    )
    now = timezone.now()
    Tender.objects.bulk_create(
        [
            Tender(
                account=account,
                title=f"Tender {account.external_id}",
                submission_deadline=now + dt.timedelta(days=2),
            )
            for account in accounts[::5]
        ]
    )
    return time.perf_counter() - started


def main() -> int:
    args = parse_args()
    admin_url, bench_url = server_url(args.database)
    admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{args.database}"')
    admin_sql(admin_url, f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from reports.alerts.digests import digests_send_due
    from reports.alerts.services import alerts_evaluate
    from reports.models import DigestDelivery, Notification

    class Inbox:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Inbox.count += 1
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    ok = False
    summary: dict = {}
    try:
        call_command("migrate", verbosity=0)
        today = timezone.localdate()
        setup_s = generate(args.kams, args.accounts_per_kam, today)
        started = time.perf_counter()
        first = alerts_evaluate(as_of=today)
        evaluate_s = time.perf_counter() - started
        started = time.perf_counter()
        second = alerts_evaluate(as_of=today)
        again_s = time.perf_counter() - started
        fired = sum(r["fired"] for r in first["rules"].values())
        refired = sum(r["fired"] for r in second["rules"].values())
        notifications = Notification.objects.count()
        # Every KAM is in Moscow; past DIGEST_SEND_HOUR there, everyone's digest is due.
        settings.DIGEST_SEND_HOUR = 0
        started = time.perf_counter()
        counts = digests_send_due()
        digests_s = time.perf_counter() - started
        deliveries = DigestDelivery.objects.filter(sent_at__isnull=False).count()
        ok = digests_s < LIMIT_S and refired == 0 and counts["sent"] >= args.kams
        print(
            f"setup {setup_s:.1f} s; alerts: {fired} firings, {notifications} notifications "
            f"in {evaluate_s:.2f} s, second run {refired} new in {again_s:.2f} s; digests: "
            f"{counts} ({Inbox.count} received by SMTP, {deliveries} recorded) in "
            f"{digests_s:.2f} s ({1000 * digests_s / max(counts['sent'], 1):.0f} ms each), "
            f"target < {LIMIT_S:.0f} s: {'met' if ok else 'NOT met'}",
            flush=True,
        )
        summary = {
            "kams": args.kams,
            "accounts": args.kams * args.accounts_per_kam,
            "setup_s": round(setup_s, 2),
            "alerts_evaluate_s": round(evaluate_s, 3),
            "alerts_second_run_s": round(again_s, 3),
            "firings": fired,
            "second_run_firings": refired,
            "notifications": notifications,
            "digests": counts,
            "smtp_received": Inbox.count,
            "digests_s": round(digests_s, 3),
            "limit_s": LIMIT_S,
            "ok": ok,
        }
    finally:
        controller.stop()
        connection.close()
        if not args.keep:
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{args.database}"')
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
