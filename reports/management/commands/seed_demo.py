"""`manage.py seed_demo`: a believable demo company (see reports/demo/builder.py).

It lives in `reports` because it writes every app's rows (accounts ← plans ← reports:
only reports may know all three).
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from reports.demo.builder import DemoBuilder, demo_logins
from reports.demo.bulk import wipe_kam_data


class Command(BaseCommand):
    help = (
        "Fill the database with a demo company: users, ~200 accounts with org charts, "
        "two years of interactions and revenue, plans, tenders, distributors and events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="same seed, same company")
        parser.add_argument("--accounts", type=int, default=200, help="number of accounts")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete ALL accounts, contacts, plans, tenders, revenue and metrics",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any account exists"
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="the 'today' of the demo, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, **options) -> None:
        if options["accounts"] < 20:
            raise CommandError(
                "--accounts must be at least 20 (the demo needs groups and key ones)"
            )
        if options["if_empty"] and Account.objects.exists():
            self.stdout.write("Accounts already exist: seed_demo --if-empty left them as they are.")
            self._print_logins()  # `make demo` shows them on every start
            return
        if Account.objects.exists() and not options["reset"]:
            raise CommandError(
                "The database already has accounts. Use --reset to replace everything with the "
                "demo company, or --if-empty to keep them."
            )
        started = time.perf_counter()
        builder = DemoBuilder(
            seed=options["seed"],
            accounts=options["accounts"],
            as_of=options["as_of"] or timezone.localdate(),
        )
        # All or nothing: a failed seed leaves the database as it was.
        with transaction.atomic():
            if options["reset"]:
                wipe_kam_data()
            counts = builder.build()
        elapsed = time.perf_counter() - started

        for name, count in counts.items():
            self.stdout.write(f"  {name:<26} {count:>8}")
        if options["verbosity"] > 1:
            for step, seconds in builder.timings.items():
                self.stdout.write(f"  {step:<26} {seconds:>7.2f} s")
        self.stdout.write(self.style.SUCCESS(f"Demo company seeded in {elapsed:.1f} s."))
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo_logins()
        existing = set(
            User.objects.filter(username__in=[u for u, _p, _r in logins]).values_list(
                "username", flat=True
            )
        )
        logins = [login for login in logins if login[0] in existing]
        if not logins:
            return
        self.stdout.write("Logins (username / password / role):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<12} {password:<18} {role}")
