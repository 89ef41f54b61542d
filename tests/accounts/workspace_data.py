"""A small portfolio for page tests: accounts with everything the pages show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from reports.models import AccountMetric, PeriodKind
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    ContactFactory,
    DistributorLinkFactory,
    InteractionFactory,
    ObjectiveFactory,
    ProductCategoryFactory,
    RevenueLineFactory,
    SurveyFactory,
    TenderFactory,
)


def month_start(months_back: int) -> dt.date:
    first = timezone.localdate().replace(day=1)
    index = first.year * 12 + first.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def build_account(owner, *, i: int = 0, key: bool = True):
    """One fully furnished account: org chart, timeline, plan, tender, metrics, revenue."""
    account = AccountFactory(
        owner=owner,
        name=f"Client {i:03d}",
        tier="A" if key else "C",
        is_key=key,
        ttm_revenue=Decimal("1000000") + i,
        ttm_share=0.05,
        ttm_penetration=0.4,
        ttm_growth=0.1 if i % 2 else -0.1,
    )
    boss = ContactFactory(account=account, name=f"Boss {i}", decision_role="decision_maker")
    ContactFactory(account=account, name=f"Buyer {i}", reports_to=boss, attitude="supporter")
    interaction = InteractionFactory(
        account=account,
        occurred_at=timezone.now() - dt.timedelta(days=40 + i % 3),
        next_step="Send offer",
        next_step_due=timezone.localdate() + dt.timedelta(days=3),
    )
    interaction.contacts.add(boss)
    SurveyFactory(account=account)
    plan = AccountPlanFactory(account=account, owner=owner)
    objective = ObjectiveFactory(plan=plan, target=Decimal("100"), current=Decimal("40"))
    ActionFactory(plan=plan, objective=objective, owner=owner)
    ActionFactory(plan=plan, owner=owner, due=timezone.localdate() - dt.timedelta(days=2))
    TenderFactory(account=account, submission_deadline=timezone.now() + dt.timedelta(days=5))
    DistributorLinkFactory(account=account)
    category = ProductCategoryFactory(code="CAT-A")
    ProductCategoryFactory(code="CAT-B")
    RevenueLineFactory(account=account, category=category, date=month_start(2))
    for back in range(1, 4):
        start = month_start(back)
        AccountMetric.objects.create(
            account=account,
            period=start.strftime("%Y-%m"),
            period_kind=PeriodKind.MONTH,
            period_start=start,
            period_end=start,
            revenue=Decimal("1000") * back,
            tier="A",
        )
    AccountMetric.objects.create(
        account=account,
        period="ttm",
        period_kind=PeriodKind.TTM,
        period_start=month_start(12),
        period_end=month_start(0) - dt.timedelta(days=1),
        revenue=Decimal("6000"),
        revenue_share=0.05,
        penetration=0.4,
        category_penetration=0.5,
        growth=0.12,
        tier="A",
    )
    AccountMetric.objects.create(
        account=account,
        period="2026-Q2",
        period_kind=PeriodKind.QUARTER,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 6, 30),
        revenue=Decimal("3000"),
        tier="B",
    )
    return account


def build_portfolio(owner, n: int):
    return [build_account(owner, i=i, key=i % 2 == 0) for i in range(n)]
