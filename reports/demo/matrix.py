"""The demo's portfolio matrix: the KAMs' strategic-fit scores, last year's positions (so the
quadrant moves show) and two planted stories — a Star (a big, attractive client where we are
weak: a large untapped potential) and a Streamline client (small, no potential left to win,
of little strategic fit). This year's positions are computed by the nightly chain (`make
demo` runs `portfolio_matrix_compute` after the metrics and health)."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from decimal import Decimal
from importlib import import_module
from typing import TYPE_CHECKING

from django.apps import apps as django_apps
from django.db.models import Count, Sum

from accounts.models import Account, User
from reports.metrics.periods import ttm_period
from reports.models import MatrixCriterion, MatrixPosition, MatrixScore, RevenueLine
from reports.portfolio.matrix import quadrant_of

if TYPE_CHECKING:
    from .builder import DemoBuilder, Plan

STAR_POTENTIAL_FACTOR = 12  # potential = 12 × the year's revenue: ~8 % penetration
STREAMLINE_POTENTIAL_FACTOR = 8  # 12.5 % penetration of a small potential


def _money(x: float) -> Decimal:
    return Decimal(round(x, -3)).quantize(Decimal("0.01"))


def plant_matrix(builder: DemoBuilder) -> dict[str, str]:
    """Strategic fit for the key accounts (this year and last), last year's positions, a
    Star and a Streamline client. Returns {"star": name, "streamline": name}."""
    rng = random.Random(builder.rng.random())
    year = builder.as_of.year
    # The default criteria are rows the migration seeds; a wiped database (a test's flush,
    # a restore of an older dump) may lack them: the demo puts DESIGN's defaults back.
    seed = import_module("reports.migrations.0012_matrix_criteria_scores_positions")
    seed.seed_criteria(django_apps, None)
    fit = MatrixCriterion.objects.get(key="strategic_fit")
    owned = [p for p in builder.plans if p.owner and p.status == Account.Status.ACTIVE]
    keys = [p for p in owned if p.key]
    star = _pick_star(builder, keys)
    # A small client already slipping (the builder's at-risk accounts shrink 35 % a year).
    slipping = [
        p for p in builder.plans if p.owner and not p.key and p.status == Account.Status.AT_RISK
    ]
    streamline = _pick_streamline(builder, slipping or [p for p in owned if not p.key])

    star.account.potential_annual = _money(_ttm_revenue(builder, star) * STAR_POTENTIAL_FACTOR)
    streamline.account.potential_annual = _money(
        _ttm_revenue(builder, streamline) * STREAMLINE_POTENTIAL_FACTOR
    )
    Account.objects.bulk_update([star.account, streamline.account], ["potential_annual"])

    users = builder.users
    scores, positions = [], []
    for plan in dict.fromkeys([*keys, streamline]):
        assert plan.owner is not None  # every plan here has an owner (filtered above)
        kam: User = users[plan.owner]
        if plan is star:
            now, before = 5, 5
        elif plan is streamline:
            now, before = 1, 2
        elif plan.strategic:
            now, before = 5, rng.choice([4, 5])
        else:
            now, before = rng.choice([2, 3, 4, 4, 5]), rng.choice([2, 3, 4, 5])
        for y, score in ((year, now), (year - 1, before)):
            day = dt.date(y, 2, 1) if y < year else min(builder.as_of, dt.date(y, 2, 1))
            scores.append(
                MatrixScore(
                    account=plan.account, criterion=fit, year=y, score=score, scored_by=kam,
                    scored_at=builder._when(day),
                )
            )  # fmt: skip
        # Last year's place: near this year's story, so most stay and a few move.
        if plan is star:
            attractiveness, strength = 4.1, 3.4  # was Strategic: we lost the relationship
        elif plan is streamline:
            attractiveness, strength = 2.6, 3.2  # was Status: the business dried up
        else:
            attractiveness = round(rng.uniform(2.2, 4.6), 2)
            strength = round(rng.uniform(1.8, 4.4), 2)
        positions.append(
            MatrixPosition(
                account=plan.account, year=year - 1, attractiveness=attractiveness,
                strength=strength, quadrant=quadrant_of(attractiveness, strength),
                computed_at=builder._when(dt.date(year - 1, 12, 31)),
            )
        )  # fmt: skip
    builder._bulk(MatrixScore, scores, "matrix scores")
    builder._bulk(MatrixPosition, positions, "matrix positions (last year)")
    return {"star": star.name, "streamline": streamline.name}


def _ttm_revenue(builder: DemoBuilder, plan: Plan) -> float:
    """The account's revenue over the ttm window the metrics will use (lines are written)."""
    window = ttm_period(builder.as_of)
    total = RevenueLine.objects.filter(
        account=plan.account, date__gte=window.start, date__lte=window.end
    ).aggregate(total=Sum("amount_base"))["total"]
    return float(total or 0) or builder._annual(plan)


def _pick_star(builder: DemoBuilder, keys: list[Plan]) -> Plan:
    """A key account that is neither strategic already nor slipping, with the thinnest
    org chart: a big client we barely know."""
    candidates = [p for p in keys if not p.strategic] or keys
    contacts = dict(
        Account.objects.filter(pk__in=[p.account.pk for p in candidates])
        .annotate(n=Count("contacts"))
        .values_list("pk", "n")
    )
    return min(candidates, key=lambda p: (contacts.get(p.account.pk, 0), p.rank))


def _pick_streamline(builder: DemoBuilder, small: list[Plan]) -> Plan:
    """The account whose potential, at STREAMLINE_POTENTIAL_FACTOR × its revenue, ranks
    lowest among the portfolio's potentials: with its shrinking revenue and a strategic fit
    of 1, unattractive; with a sixth of its potential bought, weak."""
    potentials = sorted(
        p.account.potential_annual for p in builder.plans if p.account.potential_annual
    )

    def rank_of(plan: Plan) -> int:
        mine = _money(builder._annual(plan) * STREAMLINE_POTENTIAL_FACTOR)
        return bisect.bisect_left(potentials, mine)

    return min(small, key=lambda p: (rank_of(p), -p.rank))
