"""manage.py health_backtest [--from YYYY-MM] [--to YYYY-MM]: does the health score predict
a revenue fall of 20 % or more over the next 6 months? Prints per band and per component.
With --store, the whole history is computed and kept for the head's backtest page."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.health.backtest import CANNOT_SEE, health_backtest, health_backtest_store


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"{text!r}: use YYYY-MM") from exc


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:5.1f} %"


def _lift(x: float | None) -> str:
    return "–" if x is None else f"{x:4.2f}×"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="first", type=_month, help="first month (YYYY-MM)")
        parser.add_argument("--to", dest="last", type=_month, help="last month (YYYY-MM)")
        parser.add_argument(
            "--store", action="store_true", help="compute all months and keep it for the page"
        )

    def handle(self, *args, **options) -> None:
        if options["store"]:
            if options["first"] or options["last"]:
                raise CommandError("--store computes the whole history: no --from/--to")
            r = health_backtest_store().result
        else:
            r = health_backtest(first=options["first"], last=options["last"])
        if not r.months:
            self.stdout.write("No history to test: fewer than 19 months of revenue.")
            return
        w = self.stdout.write
        w(
            f"Months {r.months[0]:%Y-%m} … {r.months[-1]:%Y-%m}: {r.observations} account-months, "
            f"{r.fell} fell ≥ 20 % over the next 6 months (base rate {_pct(r.base_rate)})."
        )
        w("")
        w(f"{'band':10} {'n':>7} {'fell':>6} {'rate':>8} {'lift':>7}")
        for b in r.band_rows():
            rate, lift = _pct(b["rate"]), _lift(b["lift"])
            w(f"{b['band']:10} {b['n']:7d} {b['fell']:6d} {rate:>8} {lift:>7}")
        w(f"Lift of at_risk over the base rate: {_lift(r.at_risk_lift)}")
        w("")
        w(f"{'component (score < 40)':24} {'in':>6} {'low n':>6} {'rate':>8} {'lift':>7}")
        for c in r.component_rows():
            low = c["low"]
            w(
                f"{c['key']:24} {c['included']:6d} {low.n:6d} {_pct(low.rate):>8} "
                f"{_lift(c['lift_low']):>7}"
            )
        w("")
        w("What the backtest cannot see:")
        for line in CANNOT_SEE:
            w(f"- {line}")
