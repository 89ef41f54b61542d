"""The backtest on a hand-built history where the answer is known.

Two accounts sell 100 a month from 2023-01 to 2026-06. "Slipping" has no contacts and no
meetings (health at risk every month) and drops to 40 a month from 2026-01; "Looked after"
meets its decision maker, economic buyer and champion every month (healthy) and never
drops. Tested over the month ends of 2025: the slipping account fell ≥ 20 % over the next
6 months as of Aug–Dec (5 of 12), the looked-after one never (0 of 12).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Contact
from reports.health.backtest import health_backtest
from reports.metrics.periods import add_months
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InteractionFactory,
    ProductCategoryFactory,
    RevenueLineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    cat = ProductCategoryFactory()
    slipping = AccountFactory(name="Slipping", potential_annual=None)
    kept = AccountFactory(name="Looked after", potential_annual=None)
    roles = ("decision_maker", "economic_buyer", "champion")
    people = [ContactFactory(account=kept, decision_role=r) for r in roles]
    month = dt.date(2023, 1, 1)
    while month <= dt.date(2026, 6, 1):
        drop = slipping and month >= dt.date(2026, 1, 1)
        RevenueLineFactory(
            account=slipping,
            category=cat,
            date=month.replace(day=10),
            amount=Decimal("40" if drop else "100"),
        )
        RevenueLineFactory(
            account=kept, category=cat, date=month.replace(day=10), amount=Decimal("100")
        )
        when = timezone.make_aware(dt.datetime.combine(month.replace(day=20), dt.time(10)))
        meeting = InteractionFactory(account=kept, occurred_at=when)
        meeting.contacts.set(people)
        month = add_months(month, 1)
    assert Contact.objects.filter(account=slipping).count() == 0
    return slipping, kept


def test_backtest_counts_falls_per_band_and_the_lift_of_at_risk(history):
    result = health_backtest(first=dt.date(2025, 1, 1), last=dt.date(2025, 12, 31))
    assert len(result.months) == 12
    assert (result.observations, result.fell) == (24, 5)
    bands = {r["band"]: r for r in result.band_rows()}
    assert (bands["at_risk"]["n"], bands["at_risk"]["fell"]) == (12, 5)
    assert (bands["healthy"]["n"], bands["healthy"]["fell"]) == (12, 0)
    assert bands["watch"]["n"] == 0
    assert result.base_rate == pytest.approx(5 / 24)
    assert result.at_risk_lift == pytest.approx(2.0)
    comps = {r["key"]: r for r in result.component_rows()}
    # Activity is 0 for the slipping account (low) and 100 for the other (high).
    assert (comps["activity"]["low"].n, comps["activity"]["low"].fell) == (12, 5)
    assert comps["activity"]["lift_low"] == pytest.approx(2.0)
    assert comps["tenders"]["included"] == 0


def test_backtest_only_sees_rows_dated_up_to_each_month(history):
    slipping, kept = history
    # A meeting dated after the tested months changes nothing.
    InteractionFactory(
        account=slipping, occurred_at=timezone.make_aware(dt.datetime(2026, 3, 1, 9))
    )
    result = health_backtest(first=dt.date(2025, 1, 1), last=dt.date(2025, 12, 31))
    assert result.bands["at_risk"].n == 12


def test_command_prints_bands_and_what_it_cannot_see(history):
    out = StringIO()
    call_command("health_backtest", "--from", "2025-01", "--to", "2025-12", stdout=out)
    text = out.getvalue()
    assert "at_risk" in text and "lift" in text.lower()
    assert "as they stand today" in text
