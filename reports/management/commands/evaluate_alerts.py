"""manage.py evaluate_alerts [--as-of DATE]: the nightly alert rules, by hand."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.alerts.services import alerts_evaluate


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Run every alert rule: new conditions fire once, vanished ones clear."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=_iso_date, default=None, help="YYYY-MM-DD (today)")

    def handle(self, *args, as_of=None, **options) -> None:
        result = alerts_evaluate(as_of=as_of)
        for rule, counts in result["rules"].items():
            self.stdout.write(
                f"{rule}: fired {counts['fired']}, holding {counts['holding']}, "
                f"cleared {counts['cleared']}"
            )
