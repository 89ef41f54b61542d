"""Does the health score predict anything? (issue 14, part 2)

For each month end M of the history, every account with an owner is scored as of M from
the rows dated up to M (revenue lines, interactions, surveys, actions, tenders: the same
`inputs.gather` and `compute.score_facts` the nightly run uses, with the head's current
weights and thresholds). The outcome: its revenue **fell by 20 % or more** — the 6 months
after M (M+1 … M+6) against the 6 months up to M (M−5 … M). Accounts with no revenue in
the 6 months up to M have nothing to fall from and are not counted that month.

Per band: observations (account-months), how many fell, the fall rate and its lift over
the base rate (the rate over all observations); the lift of "at risk" is the headline.
Per component: the fall rate when its score is low (< 40), middling and high (≥ 70), and
the lift of "low" — evidence for the head's weights.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.cache import cache_call
from reports.metrics.periods import add_months, month_end
from reports.models import AccountHealth, HealthSettings, RevenueLine

from .compute import score_facts
from .definitions import KEYS, LABELS
from .inputs import accounts_in_play, gather

HORIZON_MONTHS = 6
FALL = Decimal("0.20")
LOW, HIGH = 40.0, 70.0
BANDS = (AccountHealth.Band.HEALTHY, AccountHealth.Band.WATCH, AccountHealth.Band.AT_RISK)

CANNOT_SEE = (
    _(
        "Contacts are taken as they stand today: their roles, influence and attitude (supporter, "
        "neutral, detractor) have no dated history here, so the attitude and decision-maker "
        "components of a past month use today's org chart."
    ),
    _(
        "An objective counts as achieved if it is achieved today; the account's potential and "
        "owner are today's; accounts that have no owner today are not in the test."
    ),
    _(
        "Deleted interactions and surveys are left out, even for months when they still stood; "
        "the weights and thresholds are the current ones."
    ),
    _(
        "It measures association on our own accounts, not cause: a KAM who sees a slip coming "
        "and acts on it makes the score look less predictive than it is."
    ),
)


@dataclass
class Cell:
    n: int = 0
    fell: int = 0

    @property
    def rate(self) -> float | None:
        return self.fell / self.n if self.n else None


@dataclass
class BacktestResult:
    months: list[dt.date]
    observations: int = 0
    fell: int = 0
    bands: dict[str, Cell] = field(default_factory=lambda: {b: Cell() for b in BANDS})
    # component key → {"low"|"mid"|"high"|"out": Cell}
    components: dict[str, dict[str, Cell]] = field(default_factory=dict)

    @property
    def base_rate(self) -> float | None:
        return self.fell / self.observations if self.observations else None

    def lift(self, cell: Cell) -> float | None:
        base, rate = self.base_rate, cell.rate
        if not base or rate is None:
            return None
        return rate / base

    @property
    def at_risk_lift(self) -> float | None:
        return self.lift(self.bands[AccountHealth.Band.AT_RISK])

    def band_rows(self) -> list[dict]:
        labels = dict(AccountHealth.Band.choices)
        return [
            {
                "band": b,
                "label": labels[b],
                "n": c.n,
                "fell": c.fell,
                "rate": c.rate,
                "lift": self.lift(c),
            }
            for b, c in self.bands.items()
        ]

    def component_rows(self) -> list[dict]:
        rows = []
        for key in KEYS:
            cells = self.components.get(key, {})
            low = cells.get("low", Cell())
            rows.append(
                {
                    "key": key,
                    "label": LABELS[key],
                    "included": sum(cells.get(k, Cell()).n for k in ("low", "mid", "high")),
                    "low": low,
                    "mid": cells.get("mid", Cell()),
                    "high": cells.get("high", Cell()),
                    "lift_low": self.lift(low),
                }
            )
        return rows


def _monthly_revenue(account_ids: list[int]) -> dict[int, dict[dt.date, Decimal]]:
    rows = (
        RevenueLine.objects.filter(account_id__in=account_ids)
        .annotate(month=TruncMonth("date"))
        .values("account_id", "month")
        .annotate(total=Sum("amount_base"))
        .order_by()
    )
    out: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        out[r["account_id"]][month] = r["total"]
    return out


def _window(revenue: dict[dt.date, Decimal], first: dt.date, months: int) -> Decimal:
    return sum((revenue.get(add_months(first, i), Decimal("0")) for i in range(months)), Decimal(0))


def default_months(*, today: dt.date | None = None) -> list[dt.date]:
    """Every month end from 12 months after the first revenue to the last month end whose
    6 following months are complete."""
    today = today or timezone.localdate()
    span = RevenueLine.objects.aggregate(lo=Min("date"), hi=Max("date"))
    if not span["lo"]:
        return []
    first = month_end(add_months(span["lo"], 12))
    last_complete = add_months(today, -1)  # first day of the last complete month
    last = month_end(add_months(last_complete, -HORIZON_MONTHS))
    out, m = [], first
    while m <= last:
        out.append(m)
        m = month_end(add_months(m, 1))
    return out


def health_backtest(
    *, first: dt.date | None = None, last: dt.date | None = None, account_ids=None
) -> BacktestResult:
    """Score every account as of each month end in [first, last] (default: all the history
    that has 6 months after it) and count who fell ≥ 20 % over the next 6 months."""
    months = default_months()
    if first is not None or last is not None:
        lo = month_end(first) if first else (months[0] if months else None)
        hi = month_end(last) if last else (months[-1] if months else None)
        months = []
        m = lo
        while m is not None and hi is not None and m <= hi:
            months.append(m)
            m = month_end(add_months(m, 1))
    result = BacktestResult(months=months)
    ids = accounts_in_play(account_ids)
    if not months or not ids:
        return result
    hs = HealthSettings.load()
    revenue = _monthly_revenue(ids)
    for m in months:
        this_month = m.replace(day=1)
        facts = gather(as_of=m, account_ids=ids, every=account_ids is None)
        for pk in ids:
            rev = revenue.get(pk, {})
            before = _window(rev, add_months(this_month, -(HORIZON_MONTHS - 1)), HORIZON_MONTHS)
            if before <= 0:
                continue
            after = _window(rev, add_months(this_month, 1), HORIZON_MONTHS)
            fell = after <= before * (1 - FALL)
            scored = score_facts(facts[pk], hs=hs)
            result.observations += 1
            result.fell += fell
            cell = result.bands[scored.band]
            cell.n += 1
            cell.fell += fell
            for key, part in scored.parts.items():
                if part.score is None:
                    bucket = "out"
                elif part.score < LOW:
                    bucket = "low"
                elif part.score >= HIGH:
                    bucket = "high"
                else:
                    bucket = "mid"
                c = result.components.setdefault(key, {}).setdefault(bucket, Cell())
                c.n += 1
                c.fell += fell
    return result


# The backtest scores every account at every month of history: minutes at 10 000 accounts.
# The page shows a stored result with its date, refreshed by the nightly chain and the
# `health_backtest --store` command; a change of weights or bands (HealthSettings'
# updated_at) makes a new key, so the page never shows figures of the old weights.
BACKTEST_CACHE_SECONDS = 8 * 24 * 3600
BACKTEST_CACHE_VERSION = 1


@dataclass
class StoredBacktest:
    result: BacktestResult
    computed_at: dt.datetime


def _stored_key() -> str:
    hs = HealthSettings.load()
    stamp = hs.updated_at.isoformat() if hs.updated_at else "default"
    return f"reports:health-backtest:v{BACKTEST_CACHE_VERSION}:{stamp}"


def health_backtest_store() -> StoredBacktest:
    """Run the whole backtest now and keep its result for the page."""
    key = _stored_key()
    stored = StoredBacktest(result=health_backtest(), computed_at=timezone.now())
    cache_call(
        lambda: cache.set(key, stored, BACKTEST_CACHE_SECONDS),
        fallback=None,
        what="health backtest",
    )
    return stored


def health_backtest_stored() -> StoredBacktest:
    """The last stored backtest for the current weights; computed (and stored) when none
    is (a cold cache or new weights): slow once, never wrong."""
    key = _stored_key()
    found = cache_call(lambda: cache.get(key), fallback=None, what="health backtest")
    if isinstance(found, StoredBacktest):
        return found
    return health_backtest_store()
