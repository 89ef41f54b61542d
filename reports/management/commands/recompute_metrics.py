"""manage.py recompute_metrics [--as-of DATE] [--full]: the nightly job, by hand."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.health.compute import account_health_compute
from reports.metrics.periods import KINDS
from reports.metrics.run import recompute_metrics
from reports.models import MetricRun


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Recompute revenue share, ABC tiers, penetration and growth for every period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=_iso_date, default=None, help="YYYY-MM-DD (today)")
        parser.add_argument(
            "--full", action="store_true", help="recompute every period, changed or not"
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=KINDS,
            help="only this period kind (repeatable; default: all)",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="skip at once if another run holds the lock"
        )

    def _progress(self, event: str, data: dict) -> None:
        if event == "kind_start":
            bar = "#" * (data["index"] - 1) + "." * (data["of"] - data["index"] + 1)
            self.stdout.write(
                f"[{bar}] {data['kind']:<8} {data['todo']} to recompute, "
                f"{data['unchanged']} unchanged …",
                ending="",
            )
            self.stdout.flush()
        elif event == "kind_done":
            removed = f", {data['removed']} removed" if data["removed"] else ""
            self.stdout.write(f" {data['rows']} rows in {data['seconds']:.2f} s{removed}")
        elif event == "accounts_done":
            self.stdout.write(
                f"[####] accounts: {data['changed']} updated (tier, key, ttm) "
                f"in {data['seconds']:.2f} s"
            )

    def handle(self, *args, **options) -> None:
        as_of = options["as_of"] or timezone.localdate()
        self.stdout.write(
            f"Recomputing metrics as of {as_of}{' (full)' if options['full'] else ''}"
        )
        try:
            run = recompute_metrics(
                as_of=as_of,
                full=options["full"],
                kinds=tuple(options["kind"] or KINDS),
                lock_wait_s=0 if options["no_wait"] else None,
                progress=self._progress,
            )
        except Exception as exc:
            raise CommandError(f"Recompute failed (recorded as a failed run): {exc}") from exc
        if run.status == MetricRun.Status.SKIPPED:
            self.stdout.write(self.style.WARNING(run.note))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk}: {len(run.periods_recomputed)} periods recomputed, "
                f"{run.periods_unchanged} unchanged, {run.rows} rows in {run.duration_s:.2f} s."
            )
        )
        started = time.monotonic()
        rows = account_health_compute(as_of=as_of)
        self.stdout.write(
            self.style.SUCCESS(
                f"Health of {rows} accounts as of {as_of} in {time.monotonic() - started:.2f} s."
            )
        )
