"""The demo's forward look: opportunities in every stage for the key accounts, expected
decision dates on the open tenders, and a year of weekly forecast snapshots.

Called once from DemoBuilder.build(), after every other step (the snapshots read the
revenue, tenders and targets the other steps wrote).
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.models import Account
from plans.models import Objective, Opportunity, Tender
from reports.portfolio.forecast_history import forecast_snapshot_take, week_of

from . import names

if TYPE_CHECKING:
    from .builder import DemoBuilder

SNAPSHOT_WEEKS = 52
TITLES = {
    True: [
        "Расширение поставок: {category}",
        "Продление рамочного договора",
        "Новая площадка клиента",
        "Склад на территории клиента",
        "Сервисный контракт на {category}",
    ],
    False: [
        "Upsell: {category}",
        "Renewal of the frame agreement",
        "New site roll-out",
        "Consignment stock on site",
        "Service contract for {category}",
    ],
}


def seed_pipeline_and_forecast(builder: DemoBuilder) -> float:
    """Write the opportunities, date the open tenders' decisions, backfill the weekly
    snapshots; returns the seconds it took (for the builder's timings)."""
    started = time.perf_counter()
    _opportunities(builder)
    _tender_decisions(builder)
    weeks = _snapshots(builder)
    builder.counts["forecast snapshot weeks"] += weeks
    return time.perf_counter() - started


def _opportunities(builder: DemoBuilder) -> None:
    rng, as_of = builder.rng, builder.as_of
    key_plans = [p for p in builder.plans if p.key and p.status != Account.Status.LOST]
    categories = [c for c in builder.categories if c.active]
    objectives: dict[int, list[Objective]] = {}
    for objective in Objective.objects.filter(
        plan__account__in=[p.account for p in key_plans],
        plan__period_start__year=as_of.year,
    ).select_related("plan"):
        objectives.setdefault(objective.plan.account_id, []).append(objective)
    stages = [s for s, _ in Opportunity.Stage.choices]
    rows = []
    i = 0
    for plan in key_plans:
        account = plan.account
        for _ in range(rng.randint(1, 4)):
            # The first ones cycle through every stage, so the board shows them all.
            stage = stages[i % len(stages)] if i < 3 * len(stages) else rng.choice(stages)
            i += 1
            category = rng.choice(categories)
            value = builder._annual(plan) * rng.uniform(0.02, 0.15)
            closed = stage in Opportunity.CLOSED_WITH_REASON
            if closed:
                close = as_of - dt.timedelta(days=rng.randint(5, 240))
            else:
                close = as_of + dt.timedelta(days=rng.randint(-15, 330))
            reason = ""
            if stage == Opportunity.Stage.WON:
                reason = rng.choice(names.in_language(names.WIN_REASONS, plan.russian))
            elif stage == Opportunity.Stage.LOST:
                reason = rng.choice(names.in_language(names.LOSS_REASONS, plan.russian))
            own = objectives.get(account.pk, [])
            rows.append(
                Opportunity(
                    account=account,
                    category_id=category.pk,
                    title=rng.choice(TITLES[plan.russian]).format(category=category.name),
                    value=Decimal(round(value, -3)).quantize(Decimal("0.01")),
                    currency=builder.base,
                    # Now and then the KAM's own judgement instead of the stage's.
                    probability=rng.choice([30, 40, 60])
                    if not closed and rng.random() < 0.2
                    else None,
                    stage=stage,
                    expected_close=close,
                    closed_on=close if closed else None,
                    outcome_reason=reason,
                    objective=rng.choice(own) if own and rng.random() < 0.5 else None,
                    owner=account.owner,
                )
            )
    builder._bulk(Opportunity, rows, "opportunities")


def _own_probability(rng, closed: bool) -> int | None:
    """Now and then the KAM's own judgement instead of the stage's."""
    return rng.choice([30, 40, 60]) if not closed and rng.random() < 0.2 else None


def _tender_decisions(builder: DemoBuilder) -> None:
    """Open tenders expect a decision two to six weeks after their deadline (the forecast
    counts a tender in the period of its decision date)."""
    rng = builder.rng
    dated = []
    for tender in Tender.objects.filter(stage__in=Tender.OPEN_STAGES, decision_date__isnull=True):
        deadline = tender.submission_deadline.date() if tender.submission_deadline else None
        start = max(deadline or builder.as_of, builder.as_of)
        tender.decision_date = start + dt.timedelta(days=rng.randint(14, 45))
        dated.append(tender)
    Tender.objects.bulk_update(dated, ["decision_date"], batch_size=1000)


def _snapshots(builder: DemoBuilder) -> int:
    """A year of Mondays, each as the weekly job would have taken it (the pipeline as it
    stands: the demo has no older state of it)."""
    last = week_of(builder.as_of)
    weeks = 0
    for back in range(SNAPSHOT_WEEKS, -1, -1):
        monday = last - dt.timedelta(weeks=back)
        if forecast_snapshot_take(as_of=monday):
            weeks += 1
    return weeks
