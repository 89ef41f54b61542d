"""The ten components' formulas (DESIGN.md "Health", exact) and their explanations.

Each `score_<key>(facts)` takes the inputs `reports.health.inputs` gathered for one account
(the same on PostgreSQL and SQLite, live or as of a past month) and returns a `Part`:
the headline value, the score 0–100 (clamped) or None when the component's inputs do not
exist, and the facts its sentence needs. `explain(key, part)` writes that sentence in the
active language, so a page can re-render a stored component in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_noop

# Windows (days, inclusive of the as-of day) the formulas read.
RECENT_DAYS = 90  # role coverage, activity
DECIDER_FULL_DAYS = 30  # decision makers: met within → 100
DECIDER_ZERO_DAYS = 180  # decision makers: not met for → 0
SURVEY_DAYS = 365  # satisfaction: "surveys in the last 12 months"
TENDER_DAYS = 730  # tenders: "decided in 24 months"
ACTIVITY_FULL = 6  # interactions in 90 days for 100
KEY_ROLES = ("decision_maker", "economic_buyer", "champion")
DECIDER_ROLES = ("decision_maker", "economic_buyer")


@dataclass
class Facts:
    """One account's inputs as of a date. Sums are Decimal, counts int; None = no data."""

    revenue: Decimal = Decimal("0")  # ttm
    revenue_prev: Decimal = Decimal("0")  # the 12 months before ttm
    margin_pct: float | None = None  # ttm, lines with a cost
    margin_pct_prev: float | None = None
    potential: Decimal | None = None  # potential_annual
    deciders: int = 0  # contacts who are decision makers or economic buyers
    decider_days: int | None = None  # days since the latest interaction with one of them
    roles_met: frozenset[str] = frozenset()  # KEY_ROLES held by a contact met in 90 days
    contacts: int = 0
    attitude_sum: int = 0  # Σ influence × (+1, 0, −1)
    influence_sum: int = 0  # Σ influence
    nps_sum: int = 0
    nps_count: int = 0
    plan_done: int = 0  # objectives achieved + actions done by their due date
    plan_due: int = 0  # objectives and actions due so far in the active plan
    tenders_won: int = 0
    tenders_lost: int = 0
    interactions_90: int = 0


@dataclass
class Part:
    value: float | None
    score: float | None  # None: left out, weight redistributed
    facts: dict[str, Any] = field(default_factory=dict)


def clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def growth_of(f: Facts) -> float | None:
    """ttm growth as the metrics define it: revenue / previous − 1; null when previous ≤ 0."""
    if f.revenue_prev <= 0:
        return None
    return float(f.revenue) / float(f.revenue_prev) - 1


def score_revenue_trend(f: Facts) -> Part:
    g = growth_of(f)
    if g is None:
        return Part(None, None)
    return Part(round(g, 4), clamp(50 + 250 * g), {"pct": round(100 * g, 1)})


def score_margin_trend(f: Facts) -> Part:
    if f.margin_pct is None or f.margin_pct_prev is None:
        return Part(None, None)
    delta = 100 * (f.margin_pct - f.margin_pct_prev)  # margin_change in points
    return Part(round(delta, 2), clamp(50 + 10 * delta), {"points": round(delta, 1)})


def score_penetration(f: Facts) -> Part:
    if not f.potential:  # none or 0
        return Part(None, None)
    p = float(f.revenue) / float(f.potential)  # ttm: potential × 12 / 12
    return Part(round(p, 4), clamp(100 * p), {"pct": round(100 * p, 1)})


def score_decision_makers(f: Facts) -> Part:
    if f.deciders == 0:
        return Part(None, None)
    if f.decider_days is None:  # never met
        return Part(None, 0.0, {"never": True})
    d = f.decider_days
    span = DECIDER_ZERO_DAYS - DECIDER_FULL_DAYS
    return Part(d, clamp(100 * (DECIDER_ZERO_DAYS - d) / span), {"days": d})


def score_role_coverage(f: Facts) -> Part:
    held = len(set(f.roles_met) & set(KEY_ROLES))
    return Part(held, clamp(100 * held / len(KEY_ROLES)), {"held": held})


def score_attitude(f: Facts) -> Part:
    if f.contacts == 0 or f.influence_sum <= 0:
        return Part(None, None)
    balance = f.attitude_sum / f.influence_sum
    return Part(round(balance, 4), clamp(50 + 50 * balance), {"balance": round(balance, 2)})


def score_satisfaction(f: Facts) -> Part:
    if f.nps_count == 0:
        return Part(None, None)
    mean = f.nps_sum / f.nps_count
    return Part(round(mean, 2), clamp(10 * mean), {"nps": round(mean, 1), "n": f.nps_count})


def score_plan_execution(f: Facts) -> Part:
    if f.plan_due == 0:
        return Part(None, None)
    ratio = f.plan_done / f.plan_due
    return Part(round(ratio, 4), clamp(100 * ratio), {"done": f.plan_done, "due": f.plan_due})


def score_tenders(f: Facts) -> Part:
    decided = f.tenders_won + f.tenders_lost
    if decided == 0:
        return Part(None, None)
    rate = f.tenders_won / decided
    return Part(round(rate, 4), clamp(100 * rate), {"won": f.tenders_won, "decided": decided})


def score_activity(f: Facts) -> Part:
    n = f.interactions_90
    return Part(n, clamp(100 * n / ACTIVITY_FULL), {"n": n})


SCORERS: dict[str, Callable[[Facts], Part]] = {
    "revenue_trend": score_revenue_trend,
    "margin_trend": score_margin_trend,
    "penetration": score_penetration,
    "decision_makers": score_decision_makers,
    "role_coverage": score_role_coverage,
    "attitude": score_attitude,
    "satisfaction": score_satisfaction,
    "plan_execution": score_plan_execution,
    "tenders": score_tenders,
    "activity": score_activity,
}

_OUT = {
    "revenue_trend": gettext_noop(
        "Left out: no revenue in the 12 months before the last 12, so there is no trend."
    ),
    "margin_trend": gettext_noop(
        "Left out: no lines with a cost in the last 12 months or the 12 before."
    ),
    "penetration": gettext_noop("Left out: the account has no potential set."),
    "decision_makers": gettext_noop(
        "Left out: no contact is a decision maker or an economic buyer."
    ),
    "attitude": gettext_noop("Left out: the account has no contacts."),
    "satisfaction": gettext_noop("Left out: no survey with an NPS in the last 12 months."),
    "plan_execution": gettext_noop("Left out: nothing in an active plan is due yet."),
    "tenders": gettext_noop("Left out: no tender won or lost in the last 24 months."),
}


def explain(key: str, part: Part, tr: Callable[[str], str] = gettext) -> str:
    """One sentence, in the active language, saying what the score rests on. `tr` is the
    translation function (a run over many accounts passes a memoized one)."""
    gettext = tr  # noqa: N806  (makemessages finds the msgids through the name `gettext`)
    f = part.facts
    if part.score is None:
        return gettext(_OUT[key])
    if key == "revenue_trend":
        return (
            gettext("Revenue of the last 12 months changed by %(pct)+.1f %% on the 12 before.") % f
        )
    if key == "margin_trend":
        return gettext("Margin moved by %(points)+.1f points against the 12 months before.") % f
    if key == "penetration":
        return gettext("The last 12 months' revenue is %(pct).1f %% of the annual potential.") % f
    if key == "decision_makers":
        if f.get("never"):
            return gettext("No decision maker or economic buyer has been met yet.")
        return gettext("A decision maker or economic buyer was last met %(days)d days ago.") % f
    if key == "role_coverage":
        return (
            gettext(
                "%(held)d of 3 key roles (decision maker, economic buyer, champion) met in 90 days."
            )
            % f
        )
    if key == "attitude":
        return (
            gettext("Supporters minus detractors, weighted by influence: %(balance)+.2f (−1 … +1).")
            % f
        )
    if key == "satisfaction":
        return gettext("Mean NPS %(nps).1f in the last 12 months (surveys: %(n)d).") % f
    if key == "plan_execution":
        return gettext("%(done)d of %(due)d objectives and actions due were achieved on time.") % f
    if key == "tenders":
        return gettext("%(won)d of %(decided)d tenders decided in 24 months were won.") % f
    if key == "activity":
        return gettext("Interactions in the last 90 days: %(n)d (6 or more scores 100).") % f
    raise KeyError(key)
