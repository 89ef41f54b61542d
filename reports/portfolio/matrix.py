"""The key-account portfolio matrix (McDonald's attractiveness × our relative strength).

DESIGN.md, "Health, coverage and the portfolio matrix", literally:

- each criterion is scored 1–5; an axis is the weighted mean of its criteria (the head's
  weights, `MatrixCriterion`); a criterion with no data is left out of its axis;
- attractiveness: potential size (quintile of `potential_annual` among the accounts with
  one), growth (ttm growth < −10 % → 1, < 0 → 2, < 10 % → 3, < 25 % → 4, else 5), margin
  (quintile of ttm `margin_pct`), strategic fit (the KAM's 1–5, `MatrixScore`);
- strength: penetration (< 10 % → 1, < 25 % → 2, < 50 % → 3, < 75 % → 4, else 5) and, from
  the account's health (so each rule lives once, in reports.health): relationship =
  `role_coverage` score / 20, satisfaction = `satisfaction` score / 20 (= mean NPS / 2),
  tender win rate = `tenders` score / 20 (= win rate × 5), each at least 1;
- an axis ≥ 3.0 is attractive (strong): Strategic (both), Star (attractive only), Status
  (strong only), Streamline (neither).

A quintile is taken on the mid-rank percentile, so equal values share a score and a
lone account sits in the middle: p = (accounts below + accounts equal / 2) / n, score =
min(5, 1 + ⌊5·p⌋). Axis values are rounded to 2 places before the 3.0 test, so what the
page shows is what decided the quadrant.

Positions (`MatrixPosition`) are one row per account and year, replaced by each compute of
that year (nightly, after health); last year's rows stay as they were, so moves show.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.models import Account, User
from reports.health.selectors import health_latest
from reports.metrics.periods import TTM, ttm_latest
from reports.models import AccountMetric, MatrixCriterion, MatrixPosition, MatrixScore

Quadrant = Account.Quadrant
ATTRACTIVENESS, STRENGTH = MatrixCriterion.Axis.ATTRACTIVENESS, MatrixCriterion.Axis.STRENGTH
THRESHOLD = 3.0  # an axis value at or above it is attractive (strong)

# (upper bound, score): the first bound the value is below gives the score, else 5.
GROWTH_BANDS = ((-0.10, 1), (0.0, 2), (0.10, 3), (0.25, 4))
PENETRATION_BANDS = ((0.10, 1), (0.25, 2), (0.50, 3), (0.75, 4))
# Strength criteria read from the account's health components: criterion -> component key.
FROM_HEALTH = {
    "relationship": "role_coverage",
    "satisfaction": "satisfaction",
    "tender_win_rate": "tenders",
}

# What the page calls each criterion (the table's `label` is the English fallback).
LABELS = {
    "potential_size": gettext_lazy("Potential size"),
    "growth": gettext_lazy("Growth"),
    "margin": gettext_lazy("Margin"),
    "strategic_fit": gettext_lazy("Strategic fit"),
    "penetration": gettext_lazy("Penetration (share of wallet)"),
    "relationship": gettext_lazy("Relationship coverage"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "tender_win_rate": gettext_lazy("Tender win rate"),
}
RULES = {
    "potential_size": gettext_lazy("quintile of the annual potential among accounts with one"),
    "growth": gettext_lazy("ttm growth: < −10 % → 1, < 0 → 2, < 10 % → 3, < 25 % → 4, else 5"),
    "margin": gettext_lazy("quintile of the ttm margin among accounts with one"),
    "strategic_fit": gettext_lazy("the KAM's score, 1–5, once a year"),
    "penetration": gettext_lazy(
        "ttm penetration: < 10 % → 1, < 25 % → 2, < 50 % → 3, < 75 % → 4, else 5"
    ),
    "relationship": gettext_lazy("health's role coverage score / 20, at least 1"),
    "satisfaction": gettext_lazy("mean NPS of the last 12 months / 2, at least 1"),
    "tender_win_rate": gettext_lazy("win rate of tenders decided in 24 months × 5, at least 1"),
}

# The resources rule: how much of our time each quadrant deserves per account.
EFFORT_WEIGHTS = {
    Quadrant.STRATEGIC: 4,
    Quadrant.STAR: 3,
    Quadrant.STATUS: 2,
    Quadrant.STREAMLINE: 1,
}
OVER_FACTOR, UNDER_FACTOR, OVER_MIN_INTERACTIONS = 2.0, 0.5, 5
VERDICT_POINTS = 0.10  # a quadrant's share more than 10 points off the suggestion is flagged


def criterion_label(criterion: MatrixCriterion) -> str:
    return str(LABELS.get(criterion.key, criterion.label))


# --- scoring rules (pure) ----------------------------------------------------------------
def banded(value: float | None, bands: Sequence[tuple[float, int]]) -> int | None:
    """The score of the first band whose bound the value is below, else 5; None stays out."""
    if value is None:
        return None
    for bound, score in bands:
        if value < bound:
            return score
    return 5


def growth_score(growth: float | None) -> int | None:
    return banded(growth, GROWTH_BANDS)


def penetration_score(penetration: float | None) -> int | None:
    return banded(penetration, PENETRATION_BANDS)


def quintile_scores(values: dict[int, Any]) -> dict[int, int]:
    """{account: 1–5} by the mid-rank percentile of its value among `values` (see the
    module docstring); accounts without a value are not in `values`."""
    ordered = sorted(values.values())
    n = len(ordered)
    scores: dict[int, int] = {}
    if not n:
        return scores
    for account_id, value in values.items():
        below = bisect.bisect_left(ordered, value)
        equal = bisect.bisect_right(ordered, value) - below
        p = (below + equal / 2) / n
        scores[account_id] = min(5, 1 + math.floor(5 * p))
    return scores


def from_health_score(component_score: float | None) -> float | None:
    """A health component's 0–100 as a 1–5 criterion: / 20, at least 1 (at most 5)."""
    if component_score is None:
        return None
    return min(5.0, max(1.0, float(component_score) / 20))


def axis_value(scored: Iterable[tuple[int, float | None]]) -> float | None:
    """Weighted mean of (weight, score) over the criteria with a score and a weight > 0,
    rounded to 2 places; None when none is left."""
    total = weights = 0.0
    for weight, score in scored:
        if score is None or weight <= 0:
            continue
        total += weight * score
        weights += weight
    return round(total / weights, 2) if weights else None


def quadrant_of(attractiveness: float, strength: float) -> str:
    attractive, strong = attractiveness >= THRESHOLD, strength >= THRESHOLD
    if attractive:
        return Quadrant.STRATEGIC if strong else Quadrant.STAR
    return Quadrant.STATUS if strong else Quadrant.STREAMLINE


# --- the compute ----------------------------------------------------------------------
@dataclass
class Inputs:
    """What one account's criteria are scored from."""

    potential: Decimal | None = None
    revenue: Decimal | None = None
    growth: float | None = None
    margin: float | None = None
    penetration: float | None = None
    manual: dict[str, int] = field(default_factory=dict)  # criterion key -> KAM's 1–5
    health_components: dict[str, float | None] = field(default_factory=dict)
    health_score: float | None = None
    health_band: str = ""


def score_accounts(
    inputs: dict[int, Inputs], criteria: Sequence[MatrixCriterion]
) -> dict[int, dict[str, Any]]:
    """{account: {"attractiveness", "strength", "quadrant", "criteria"}} for the accounts
    with at least one scored criterion on each axis (the others cannot be placed)."""
    potential = quintile_scores(
        {pk: i.potential for pk, i in inputs.items() if i.potential is not None and i.potential > 0}
    )
    margin = quintile_scores({pk: i.margin for pk, i in inputs.items() if i.margin is not None})
    placed: dict[int, dict[str, Any]] = {}
    for pk, i in inputs.items():
        rows = []
        for c in criteria:
            value: Any
            score: float | None
            if c.key == "potential_size":
                value, score = (str(i.potential) if i.potential else None), potential.get(pk)
            elif c.key == "growth":
                value, score = i.growth, growth_score(i.growth)
            elif c.key == "margin":
                value, score = i.margin, margin.get(pk)
            elif c.key == "penetration":
                value, score = i.penetration, penetration_score(i.penetration)
            elif c.key in FROM_HEALTH:
                value = i.health_components.get(FROM_HEALTH[c.key])
                score = from_health_score(value)
            elif c.source == MatrixCriterion.Source.MANUAL:
                value = score = i.manual.get(c.key)
            else:  # a computed criterion this code does not know: left out
                value = score = None
            rows.append(
                {"key": c.key, "axis": c.axis, "value": value, "score": score, "weight": c.weight}
            )
        attractiveness = axis_value(
            (r["weight"], r["score"]) for r in rows if r["axis"] == ATTRACTIVENESS
        )
        strength = axis_value((r["weight"], r["score"]) for r in rows if r["axis"] == STRENGTH)
        if attractiveness is None or strength is None:
            continue
        placed[pk] = {
            "attractiveness": attractiveness,
            "strength": strength,
            "quadrant": quadrant_of(attractiveness, strength),
            "criteria": rows,
        }
    return placed


def matrix_inputs(*, year: int) -> dict[int, Inputs]:
    """Inputs of every account with an owner that is not lost: the latest ttm metric row,
    the KAM's latest manual scores of `year` or before, and the latest health."""
    accounts = Account.objects.filter(owner__isnull=False).exclude(status=Account.Status.LOST)
    inputs = {
        pk: Inputs(potential=potential)
        for pk, potential in accounts.values_list("pk", "potential_annual")
    }
    ttm = ttm_latest()
    for pk, revenue, growth, margin, penetration in AccountMetric.objects.filter(
        period=TTM, period_start=ttm.start, account_id__in=accounts.values("pk")
    ).values_list("account_id", "revenue", "growth", "margin_pct", "penetration"):
        i = inputs[pk]
        i.revenue, i.growth, i.margin, i.penetration = revenue, growth, margin, penetration
    # Latest score per (account, criterion) up to `year`: a strategic fit is not forgotten
    # on 1 January, it is carried until the KAM scores the new year.
    for pk, key, score in (
        MatrixScore.objects.filter(year__lte=year, account_id__in=accounts.values("pk"))
        .order_by("account_id", "criterion__key", "year")
        .values_list("account_id", "criterion__key", "score")
    ):
        inputs[pk].manual[key] = score  # later years overwrite earlier ones
    for pk, health in health_latest(account_ids=list(inputs)).items():
        if (found := inputs.get(pk)) is None:
            continue
        i = found
        i.health_score = float(health.score) if health.score is not None else None
        i.health_band = health.band or ""
        i.health_components = {c["key"]: c.get("score") for c in health.components or []}
    return inputs


@transaction.atomic
def portfolio_matrix_compute(*, as_of: dt.date | None = None) -> int:
    """Place every account for the year of `as_of` (default today) and replace that year's
    positions; the current year's quadrant is written down on the accounts. Returns the
    number of accounts placed. Run after health (reports.tasks)."""
    as_of = as_of or timezone.localdate()
    year = as_of.year
    criteria = list(MatrixCriterion.objects.all())
    inputs = matrix_inputs(year=year)
    placed = score_accounts(inputs, criteria)
    now = timezone.now()
    rows = [
        MatrixPosition(
            account_id=pk,
            year=year,
            attractiveness=p["attractiveness"],
            strength=p["strength"],
            quadrant=p["quadrant"],
            criteria=p["criteria"],
            revenue=inputs[pk].revenue or Decimal(0),
            health_score=inputs[pk].health_score,
            health_band=inputs[pk].health_band,
            computed_at=now,
        )
        for pk, p in placed.items()
    ]
    MatrixPosition.objects.filter(year=year).exclude(account_id__in=list(placed)).delete()
    MatrixPosition.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["account", "year"],
        update_fields=[
            "attractiveness",
            "strength",
            "quadrant",
            "criteria",
            "revenue",
            "health_score",
            "health_band",
            "computed_at",
        ],
    )
    latest = MatrixPosition.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None or year >= latest:
        _write_down_quadrants({pk: p["quadrant"] for pk, p in placed.items()})
    return len(rows)


def _write_down_quadrants(quadrants: dict[int, str]) -> None:
    """Account.quadrant = this year's quadrant (blank when not placed): the accounts table
    and the accounts API filter on it without joining the matrix."""
    Account.objects.exclude(pk__in=list(quadrants)).exclude(quadrant="").update(quadrant="")
    for quadrant in Quadrant.values:
        ids = [pk for pk, q in quadrants.items() if q == quadrant]
        if ids:
            Account.objects.filter(pk__in=ids).exclude(quadrant=quadrant).update(quadrant=quadrant)


# --- writes by people -------------------------------------------------------------------
@transaction.atomic
def matrix_criterion_update(
    *, user: User, criterion: MatrixCriterion, weight: int
) -> MatrixCriterion:
    """Set a criterion's weight (0–100; 0 leaves it out): heads and admins only. An axis
    keeps at least one criterion with a weight. Positions change at the next compute."""
    if not access.can_change_matrix_criteria(user):
        raise PermissionDenied(_("Only a sales head or an admin can change the matrix criteria."))
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
        raise ValidationError({"weight": _("A weight is a whole number from 0 to 100.")})
    others = (
        MatrixCriterion.objects.select_for_update()
        .filter(axis=criterion.axis, weight__gt=0)
        .exclude(pk=criterion.pk)
    )
    if weight == 0 and not others.exists():
        raise ValidationError(
            {"weight": _("Each axis needs at least one criterion with a weight.")}
        )
    criterion.weight = weight
    criterion.updated_by = user
    criterion.save(update_fields=["weight", "updated_by", "updated_at"])
    return criterion


@transaction.atomic
def matrix_score_set(
    *,
    user: User,
    account: Account,
    criterion: MatrixCriterion,
    year: int,
    score: int,
    note: str = "",
) -> MatrixScore:
    """The KAM's 1–5 on a manual criterion (strategic fit) of the account for `year`
    (this year or the last); a second score of the same year replaces the first, and the
    history keeps both (who, when)."""
    access.ensure_can_change_account(user=user, account=account)
    errors = {}
    if criterion.source != MatrixCriterion.Source.MANUAL:
        errors["criterion"] = _("This criterion is computed from the numbers, not scored.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("A score is a whole number from 1 to 5.")
    this_year = timezone.localdate().year
    if year not in (this_year, this_year - 1):
        errors["year"] = _("Score this year or the last.")
    if errors:
        raise ValidationError(errors)
    row = (
        MatrixScore.objects.select_for_update()
        .filter(account=account, criterion=criterion, year=year)
        .first()
    )
    if row is None:
        return MatrixScore.objects.create(
            account=account,
            criterion=criterion,
            year=year,
            score=score,
            note=note,
            scored_by=user,
            scored_at=timezone.now(),
        )
    row.score, row.note, row.scored_by, row.scored_at = score, note, user, timezone.now()
    row.save(update_fields=["score", "note", "scored_by", "scored_at"])
    return row


# --- reads --------------------------------------------------------------------------------
def matrix_years() -> list[int]:
    """Years from the newest with positions down to the oldest, newest first (two index
    lookups: a DISTINCT would read every row)."""
    years = MatrixPosition.objects.values_list("year", flat=True)
    newest, oldest = years.order_by("-year").first(), years.order_by("year").first()
    return list(range(newest, oldest - 1, -1)) if newest and oldest else []


def matrix_default_year(*, years: list[int] | None = None) -> int:
    """The newest year with positions (this year before any compute); `years` when the
    caller has them already."""
    if years is None:
        latest = MatrixPosition.objects.order_by("-year").values_list("year", flat=True).first()
    else:
        latest = years[0] if years else None
    return latest or timezone.localdate().year


def matrix_positions(
    *, user: User, year: int, quadrant: str | None = None
) -> QuerySet[MatrixPosition]:
    """The year's positions the user may see, biggest revenue first."""
    qs = access.matrix_scope(user=user, queryset=MatrixPosition.objects.filter(year=year))
    if quadrant:
        qs = qs.filter(quadrant=quadrant)
    return qs.select_related("account").order_by("-revenue", "account_id")


def matrix_previous_quadrants(*, account_ids: Iterable[int], year: int) -> dict[int, str]:
    """{account: quadrant} of the year before, for the accounts given (ids already scoped)."""
    return dict(
        MatrixPosition.objects.filter(year=year - 1, account_id__in=list(account_ids)).values_list(
            "account_id", "quadrant"
        )
    )


def matrix_summary(*, user: User, year: int) -> list[dict[str, Any]]:
    """Per quadrant: accounts and revenue among the user's positions of the year."""
    found = {
        row["quadrant"]: row
        for row in access.matrix_scope(user=user, queryset=MatrixPosition.objects.filter(year=year))
        .values("quadrant")
        .annotate(accounts=Count("pk"), revenue=Sum("revenue"))
        .order_by()
    }
    return [
        {
            "quadrant": q.value,
            "label": q.label,
            "accounts": found.get(q.value, {}).get("accounts", 0),
            "revenue": found.get(q.value, {}).get("revenue") or Decimal(0),
        }
        for q in Quadrant
    ]


def matrix_scores(*, user: User, account_ids: Iterable[int], year: int) -> dict[int, MatrixScore]:
    """The KAM's strategic-fit rows of `year` for the accounts given, in the user's scope."""
    qs = MatrixScore.objects.filter(
        year=year, account_id__in=list(account_ids), criterion__key="strategic_fit"
    ).select_related("scored_by")
    return {s.account_id: s for s in access.matrix_scope(user=user, queryset=qs)}


@dataclass
class Resources:
    """Where our time (interactions of the last 12 months) goes, by quadrant, against
    where the matrix says it should go (EFFORT_WEIGHTS)."""

    since: dt.datetime
    quadrants: list[dict[str, Any]]
    over: list[dict[str, Any]]
    under: list[dict[str, Any]]
    interactions: int


def matrix_resources(*, user: User, year: int, now: dt.datetime | None = None) -> Resources:
    """Actual vs suggested share of interactions per quadrant and per account.

    An account's suggested share is its quadrant's effort weight over the sum of the
    weights of every placed account; it is flagged as taking time out of proportion when
    its actual share is more than OVER_FACTOR times that (with at least
    OVER_MIN_INTERACTIONS interactions), and a Strategic or Star account as starved when
    its share is under UNDER_FACTOR times it.
    """
    since = (now or timezone.now()) - dt.timedelta(days=365)
    visible = access.matrix_scope(user=user, queryset=MatrixPosition.objects.filter(year=year))
    positions = list(visible.values_list("account_id", "quadrant", "account__name").order_by())
    counts = dict(
        access.interaction_scope(user=user)
        .filter(occurred_at__gte=since, account_id__in=visible.values("account_id"))
        .values("account_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("account_id", "n")
    )
    total = sum(counts.values())
    weight_sum = sum(EFFORT_WEIGHTS[Quadrant(q)] for _pk, q, _n in positions) or 1
    by_quadrant = {q.value: {"accounts": 0, "interactions": 0, "weight": 0} for q in Quadrant}
    over, under = [], []
    for pk, q, name in positions:
        n = counts.get(pk, 0)
        suggested = EFFORT_WEIGHTS[Quadrant(q)] / weight_sum
        actual = n / total if total else 0.0
        agg = by_quadrant[q]
        agg["accounts"] += 1
        agg["interactions"] += n
        agg["weight"] += EFFORT_WEIGHTS[Quadrant(q)]
        row = {
            "account_id": pk,
            "name": name,
            "quadrant": q,
            "interactions": n,
            "actual": actual,
            "suggested": suggested,
        }
        if total and n >= OVER_MIN_INTERACTIONS and actual > OVER_FACTOR * suggested:
            over.append(row)
        elif (
            total and q in (Quadrant.STRATEGIC, Quadrant.STAR) and actual < UNDER_FACTOR * suggested
        ):
            under.append(row)
    quadrants = []
    for q in Quadrant:
        agg = by_quadrant[q.value]
        actual = agg["interactions"] / total if total else 0.0
        suggested = agg["weight"] / weight_sum if positions else 0.0
        verdict = ""
        if total and agg["accounts"]:
            verdict = "in_line"
            if actual > suggested + VERDICT_POINTS:
                verdict = "more"
            elif actual < suggested - VERDICT_POINTS:
                verdict = "less"
        quadrants.append(
            {
                "quadrant": q.value,
                "label": q.label,
                "accounts": agg["accounts"],
                "interactions": agg["interactions"],
                "actual": actual,
                "suggested": suggested,
                "verdict": verdict,
            }
        )
    over.sort(key=lambda r: r["suggested"] - r["actual"])
    under.sort(key=lambda r: (r["actual"] - r["suggested"], r["name"]))
    return Resources(
        since=since, quadrants=quadrants, over=over[:50], under=under[:50], interactions=total
    )
