"""The demo's white-space matrix: the largest holding grows three levels of subsidiaries,
and its KAM has filled cells (competitors, not relevant, potentials) and started a few
opportunities from them, so /accounts/<holding>/whitespace/ tells a story on first open.

Its own random stream (from the size and the as-of date), so the rest of the demo stays
as it was with or without it.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Sum

from accounts.models import Account
from plans.models import Opportunity
from reports.metrics.periods import ttm_period
from reports.models import RevenueLine, WhiteSpaceCell

from . import names

if TYPE_CHECKING:
    from .builder import DemoBuilder, Plan


def seed_whitespace(builder: DemoBuilder) -> None:
    rng = random.Random(f"whitespace-{builder.n}-{builder.as_of}")
    plans = builder.plans
    roots = {p.parent for p in plans if p.parent is not None}
    holdings = sorted((plans[i] for i in roots if plans[i].owner), key=lambda p: p.rank)
    if not holdings:
        return
    holding = holdings[0]
    level1 = [p for p in plans if p.parent == holding.index]
    taken = {p.index for p in plans if p.parent is not None} | roots
    free = [
        p for p in plans if p.index not in taken and not p.key and p.status == Account.Status.ACTIVE
    ]
    rng.shuffle(free)
    # Level 2 under two of the subsidiaries, level 3 under one of those.
    level2: list[Plan] = []
    for parent in level1[:2]:
        level2 += _adopt(parent, free, 2)
    level3 = _adopt(level2[0], free, 3) if level2 else []
    moved = level2 + level3
    for plan in moved:
        parent = plans[plan.parent if plan.parent is not None else holding.index]
        Account.objects.filter(pk=plan.account.pk).update(parent=parent.account)
    # The holding's KAM works the whole group: on the team of the units someone else owns.
    owner = builder.users[holding.owner or ""]
    units = [holding, *level1, *moved]
    team = Account.team.through
    team.objects.bulk_create(
        [
            team(account_id=p.account.pk, user_id=owner.pk)
            for p in units
            if p.owner != holding.owner
        ],
        ignore_conflicts=True,
    )
    _cells(builder, rng, units, owner)


def _adopt(parent: Plan, free: list[Plan], n: int) -> list[Plan]:
    kids = [free.pop() for _ in range(min(n, len(free)))]
    for kid in kids:
        kid.parent = parent.index
    return kids


def _cells(builder: DemoBuilder, rng: random.Random, units: list[Plan], owner) -> None:
    period = ttm_period(builder.as_of)
    ids = [p.account.pk for p in units]
    bought = {
        (a, c): total
        for a, c, total in RevenueLine.objects.filter(
            account_id__in=ids, date__gte=period.start, date__lte=period.end
        )
        .values("account_id", "category_id")
        .annotate(total=Sum("amount_base"))
        .values_list("account_id", "category_id", "total")
        .order_by()
    }
    active = [c for c in builder.categories if c.active]
    cells, opportunities = [], []
    stages = list(Opportunity.OPEN_STAGES)
    for plan in units:
        account = plan.account
        for category in active:
            amount = bought.get((account.pk, category.pk)) or Decimal(0)
            roll = rng.random()
            if amount > 0:
                if roll < 0.5:  # room to grow inside a category it buys
                    potential = Decimal(round(float(amount) * rng.uniform(1.2, 2.5), -3))
                    cells.append(
                        WhiteSpaceCell(
                            account=account,
                            category=category,
                            potential=potential,
                            updated_by=owner,
                        )
                    )
                continue
            size = Decimal(rng.randint(2, 40) * 50_000)
            if roll < 0.3:
                cells.append(
                    WhiteSpaceCell(
                        account=account,
                        category=category,
                        status=WhiteSpaceCell.Status.COMPETITOR,
                        competitor=rng.choice(names.COMPETITORS),
                        potential=size,
                        updated_by=owner,
                    )
                )
            elif roll < 0.45:
                cells.append(
                    WhiteSpaceCell(
                        account=account,
                        category=category,
                        status=WhiteSpaceCell.Status.NOT_RELEVANT,
                        note="No such production on site.",
                        updated_by=owner,
                    )
                )
            elif roll < 0.7:
                cells.append(
                    WhiteSpaceCell(
                        account=account, category=category, potential=size, updated_by=owner
                    )
                )
                if rng.random() < 0.35:
                    opportunities.append(
                        Opportunity(
                            account=account,
                            category_id=category.pk,
                            title=f"{category.name} for {account.name}",
                            value=size,
                            currency=settings.BASE_CURRENCY,
                            stage=rng.choice(stages),
                            owner=owner,
                        )
                    )
    builder._bulk(WhiteSpaceCell, cells, "white-space cells")
    builder._bulk(Opportunity, opportunities, "white-space opportunities")
