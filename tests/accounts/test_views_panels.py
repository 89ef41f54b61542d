"""The reports panels the account page composes (numbers, chart, tiers, whitespace)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from reports.metrics.periods import ttm_latest
from reports.templatetags.reports_tags import (
    account_numbers,
    account_revenue_chart,
    account_whitespace,
)
from tests.accounts.workspace_data import build_account, month_start
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory

pytestmark = pytest.mark.django_db


def test_numbers_come_from_the_ttm_metric_row(kam_user):
    account = build_account(kam_user)
    numbers = account_numbers(account)
    assert numbers["revenue"] == Decimal("6000") and numbers["growth"] == 0.12
    assert numbers["category_penetration"] == 0.5


def test_numbers_fall_back_to_the_accounts_ttm_fields_before_any_recompute(kam_user):
    account = AccountFactory(owner=kam_user, ttm_revenue=Decimal("42"), ttm_growth=-0.3, tier="B")
    numbers = account_numbers(account)
    assert numbers["row"] is None and numbers["revenue"] == Decimal("42")
    assert numbers["growth"] == -0.3 and numbers["tier"] == "B"


def test_chart_has_24_months_with_zeros_and_tiers_by_quarter(kam_user):
    account = build_account(kam_user)
    chart = account_revenue_chart(account)
    assert len(chart["chart"]["labels"]) == 24
    assert chart["chart"]["labels"][-1] == month_start(1).strftime("%Y-%m")
    assert chart["chart"]["values"][-3:] == [3000.0, 2000.0, 1000.0]
    assert chart["chart"]["values"][0] == 0.0
    assert [t["tier"] for t in chart["tiers"]] == ["B"]


def test_whitespace_splits_active_categories_by_ttm_purchases(kam_user):
    account = AccountFactory(owner=kam_user)
    bought = ProductCategoryFactory(code="BOUGHT", name="Bought one")
    ProductCategoryFactory(code="GAP", name="Never bought")
    ProductCategoryFactory(code="OLD", name="Retired", active=False)
    start = ttm_latest().start
    RevenueLineFactory(account=account, category=bought, date=start)
    RevenueLineFactory(  # before the window: does not count
        account=account, category=ProductCategoryFactory(code="GAP"), date=month_start(14)
    )
    panel = account_whitespace({"request": SimpleNamespace(user=kam_user)}, account)
    assert [c["code"] for c, _amount in panel["bought"]] == ["BOUGHT"]
    assert [c["code"] for c in panel["not_bought"]] == ["GAP"]
    assert panel["total"] == 2
