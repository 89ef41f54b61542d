"""plans 0005: a plan's own revenue target becomes a draft target of its account's year
before the column is dropped (nothing a KAM typed is lost); a year with targets keeps them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("plans", "0004_search_indexes"), ("accounts", "0014_db_defaults_for_sql_inserts")]
AFTER = [("plans", "0005_remove_accountplan_revenue_target")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_plans_revenue_target_becomes_a_draft_target_of_its_year():
    apps = _migrate(BEFORE)
    try:
        Account = apps.get_model("accounts", "Account")
        AccountPlan = apps.get_model("plans", "AccountPlan")
        Target = apps.get_model("plans", "Target")
        lone = Account.objects.create(name="Only a plan")
        both = Account.objects.create(name="Plan and target")
        for account, amount in ((lone, "1200000.00"), (both, "999.00")):
            AccountPlan.objects.create(
                account=account,
                title="Plan",
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31),
                revenue_target=Decimal(amount),
            )
        Target.objects.create(account=both, year=2026, revenue_target=Decimal("5000000"))

        apps = _migrate(AFTER)

        Target = apps.get_model("plans", "Target")
        rows = {
            (t.account_id, t.year, t.quarter, t.revenue_target, t.status)
            for t in Target.objects.all()
        }
        assert rows == {
            (lone.pk, 2026, None, Decimal("1200000.00"), "draft"),
            (both.pk, 2026, None, Decimal("5000000.00"), "draft"),  # kept, not doubled
        }
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
