"""manage.py portfolio_matrix_compute [--as-of DATE]: place every account in the portfolio
matrix for the year of the date (the nightly chain runs it after the metrics and health)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.portfolio.matrix import portfolio_matrix_compute


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Compute this year's portfolio-matrix positions (attractiveness × strength)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=_iso_date, default=None, help="YYYY-MM-DD (today)")

    def handle(self, *args, **options) -> None:
        placed = portfolio_matrix_compute(as_of=options["as_of"])
        self.stdout.write(self.style.SUCCESS(f"{placed} accounts placed in the matrix."))
