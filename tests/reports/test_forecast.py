"""The forecast on hand-built data where the answer is known (DESIGN.md, "Contracts,
targets, opportunities and the forecast"), the weekly snapshot and the accuracy of a
closed quarter.

As of 2026-04-30 (the end of a month, so no part of April is still ahead):
- account A (kam1, region North): revenue Dec 2025 1 000 (outside), Jan 100, Feb 200,
  Mar 300, Apr 50 → actual to date 2026: 650; Q2: 50. Run-rate: (100 + 200 + 300) / 3 =
  200 a month; 8 months left in the year (May … Dec) → 1 600; 2 in Q2 → 400.
- opportunities of A: idea 1 000 closing 2026-06-10 (10 % → 100), qualified 1 000 in
  September (25 % → 250), proposal 1 000 at its own 40 % in May (400), negotiation 1 000
  in January 2027 (outside), lost 5 000 in May and won 3 000 in May (closed: out).
- tenders of A, decided in May: identified 1 000 (10 % → 100), preparing 1 000 (25 % →
  250), submitted 1 000 (50 % → 500), submitted 10 USD at 90 (50 % → 450), won 7 000
  (out), submitted in 2025 (outside), submitted with no value (nothing).
  → year: 650 + 1 600 + 750 + 1 300 = 4 300;  Q2: 50 + 400 + 500 + 1 300 = 2 250.
- account B (kam2): 300 in each of Jan … Mar, no pipeline → year 900 + 300 × 8 = 3 300.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plans import services
from plans.models import Target
from reports.metrics.periods import parse_period
from reports.models import ExchangeRate, ForecastSnapshot
from reports.portfolio import forecast as fc
from reports.portfolio.forecast_history import forecast_history, forecast_snapshot_take
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 4, 30)
D = Decimal


@pytest.fixture
def world():
    kam1 = f.UserFactory(username="kam1", role="kam")
    kam2 = f.UserFactory(username="kam2", role="kam")
    head = f.UserFactory(username="head", role="head")
    north = f.RegionFactory(name="North")
    a = f.AccountFactory(owner=kam1, region=north, name="Alpha")
    b = f.AccountFactory(owner=kam2, name="Beta", region=None)
    for day, amount in [
        (dt.date(2025, 12, 10), 1000),
        (dt.date(2026, 1, 10), 100),
        (dt.date(2026, 2, 10), 200),
        (dt.date(2026, 3, 10), 300),
        (dt.date(2026, 4, 15), 50),
        (dt.date(2026, 5, 2), 999),  # after as-of: not actual yet
    ]:
        f.RevenueLineFactory(account=a, date=day, amount=D(amount))
    for month in (1, 2, 3):
        f.RevenueLineFactory(account=b, date=dt.date(2026, month, 5), amount=D(300))
    opp = f.OpportunityFactory
    opp(account=a, stage="idea", value=D(1000), expected_close=dt.date(2026, 6, 10))
    opp(account=a, stage="qualified", value=D(1000), expected_close=dt.date(2026, 9, 1))
    opp(
        account=a,
        stage="proposal",
        value=D(1000),
        probability=40,
        expected_close=dt.date(2026, 5, 20),
    )
    opp(account=a, stage="negotiation", value=D(1000), expected_close=dt.date(2027, 1, 15))
    opp(
        account=a,
        stage="lost",
        value=D(5000),
        outcome_reason="Price",
        expected_close=dt.date(2026, 5, 5),
    )
    opp(
        account=a,
        stage="won",
        value=D(3000),
        outcome_reason="Quality",
        expected_close=dt.date(2026, 5, 5),
    )
    may = dt.date(2026, 5, 15)
    tender = f.TenderFactory
    tender(account=a, stage="identified", estimated_value=D(1000), decision_date=may)
    tender(account=a, stage="preparing", estimated_value=D(1000), decision_date=may)
    tender(account=a, stage="submitted", estimated_value=D(1000), decision_date=may)
    tender(account=a, stage="submitted", estimated_value=D(10), currency="USD", decision_date=may)
    tender(
        account=a,
        stage="won",
        estimated_value=D(7000),
        decision_date=may,
        outcome_reason="Best offer",
    )
    tender(
        account=a,
        stage="submitted",
        estimated_value=D(1000),
        decision_date=dt.date(2025, 11, 1),
    )
    tender(account=a, stage="submitted", estimated_value=None, decision_date=may)
    ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 4, 1), rate=D(90))
    ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 5, 1), rate=D(200))  # later
    return {"kam1": kam1, "kam2": kam2, "head": head, "a": a, "b": b, "north": north}


def _company(user, period: str):
    return fc.forecast(user=user, period=parse_period(period), level=fc.COMPANY, as_of=AS_OF)


def test_months_left_and_run_rate_window():
    year, q2 = parse_period("2026"), parse_period("2026-Q2")
    assert fc.months_left(year, AS_OF) == 8
    assert fc.months_left(q2, AS_OF) == 2
    assert fc.months_left(parse_period("2026-Q1"), AS_OF) == 0  # closed
    assert fc.months_left(parse_period("2026-Q3"), AS_OF) == 3  # not begun
    # Mid-month: the part of the month still ahead counts (15 of 30 April days left).
    assert fc.months_left(q2, dt.date(2026, 4, 15)) == D("2.5")
    assert fc.run_rate_window(AS_OF) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_forecast_of_one_kams_year_on_known_data(world):
    result = _company(world["kam1"], "2026")
    row = result.rows[0]
    assert (row.actual, row.run_rate) == (D("650.00"), D("1600.00"))
    assert row.opportunities == D("750.00")
    assert row.tenders == D("1300.00")
    assert row.forecast == D("4300.00")


def test_forecast_of_a_quarter_on_known_data(world):
    row = _company(world["kam1"], "2026-Q2").rows[0]
    assert (row.actual, row.run_rate, row.opportunities, row.tenders) == (
        D("50.00"),
        D("400.00"),
        D("500.00"),
        D("1300.00"),
    )
    assert row.forecast == D("2250.00")


def test_a_closed_quarter_is_its_actual(world):
    row = _company(world["kam1"], "2026-Q1").rows[0]
    assert row.actual == D("600.00")
    assert row.forecast == D("600.00")


def test_head_sees_every_kam_and_the_company(world):
    by_owner = fc.forecast(
        user=world["head"], period=parse_period("2026"), level=fc.OWNER, as_of=AS_OF
    )
    assert {r.label: r.forecast for r in by_owner.rows} == {
        "kam1": D("4300.00"),
        "kam2": D("3300.00"),
    }
    assert by_owner.total.forecast == D("7600.00")
    assert _company(world["head"], "2026").rows[0].forecast == D("7600.00")
    by_region = fc.forecast(
        user=world["head"], period=parse_period("2026"), level=fc.REGION, as_of=AS_OF
    )
    assert {r.label: r.forecast for r in by_region.rows} == {
        "North": D("4300.00"),
        "No region": D("3300.00"),
    }


@pytest.mark.parametrize("period", ["2026", "2026-Q2", "2026-Q4"])
@pytest.mark.parametrize("level", [fc.OWNER, fc.REGION, fc.ACCOUNT])
def test_every_levels_total_is_the_companys_forecast_to_the_kopeck(world, level, period):
    """The forecast page shows the table's total as the company's figures."""
    table = fc.forecast(user=world["head"], period=parse_period(period), level=level, as_of=AS_OF)
    company = _company(world["head"], period).rows[0]
    fields = ("actual", "run_rate", "opportunities", "tenders", "forecast", "target")
    assert [getattr(table.total, f) for f in fields] == [getattr(company, f) for f in fields]


def test_kam_gets_no_row_of_another_kams_account(world):
    rows = fc.forecast(
        user=world["kam2"], period=parse_period("2026"), level=fc.ACCOUNT, as_of=AS_OF
    ).rows
    assert [r.label for r in rows] == ["Beta"]
    owners = fc.forecast(
        user=world["kam2"], period=parse_period("2026"), level=fc.OWNER, as_of=AS_OF
    ).rows
    assert [r.label for r in owners] == ["kam2"]


def test_head_changes_a_stage_probability_and_the_forecast_follows(world):
    services.stage_probabilities_set(user=world["head"], kind="tender", percents={"submitted": 0})
    row = _company(world["kam1"], "2026").rows[0]
    assert row.tenders == D("350.00")  # identified 100 + preparing 250


def test_target_and_gap(world):
    Target.objects.create(account=world["a"], year=2026, revenue_target=D(5000))
    row = _company(world["kam1"], "2026").rows[0]
    assert row.target == D("5000.00")
    assert row.gap == D("-700.00")
    # A quarter of an annual target, or the quarter's own row.
    assert _company(world["kam1"], "2026-Q2").rows[0].target == D("1250.00")


def test_weekly_snapshot_is_written_once_a_week(world):
    written = forecast_snapshot_take(as_of=AS_OF)  # a Thursday
    assert written > 0
    rows = ForecastSnapshot.objects.filter(period="2026", level="company")
    assert [(r.week, r.forecast) for r in rows] == [(dt.date(2026, 4, 27), D("7600.00"))]
    before = list(ForecastSnapshot.objects.order_by("pk").values())
    # The same week again (a retry, the next day's beat): nothing changes.
    assert forecast_snapshot_take(as_of=AS_OF) == 0
    assert forecast_snapshot_take(as_of=dt.date(2026, 5, 1)) == 0
    assert list(ForecastSnapshot.objects.order_by("pk").values()) == before
    # Periods: this year, this quarter, the next one; by KAM, region and company.
    assert set(ForecastSnapshot.objects.values_list("period", flat=True)) == {
        "2026",
        "2026-Q2",
        "2026-Q3",
    }
    assert set(ForecastSnapshot.objects.values_list("level", flat=True)) == {
        "owner",
        "region",
        "company",
    }


def test_accuracy_once_the_quarter_closes(world, monkeypatch):
    # Two snapshots of Q2 (as of 30 April, then 25 May);
    # then Q2 closes with June's revenue in.
    forecast_snapshot_take(as_of=AS_OF)
    f.RevenueLineFactory(account=world["a"], date=dt.date(2026, 6, 10), amount=D(1251))
    forecast_snapshot_take(as_of=dt.date(2026, 5, 25))
    monkeypatch.setattr(
        "reports.portfolio.forecast_history.timezone.localdate", lambda: dt.date(2026, 7, 2)
    )
    history = forecast_history(user=world["head"], period=parse_period("2026-Q2"), level="owner")
    assert history["closed"]
    kam1 = next(a for a in history["accuracy"] if a.label == "kam1")
    # Actual Q2 of kam1: 50 (April) + 999 (May) + 1 251 (June) = 2 300.
    assert kam1.actual == D("2300.00")
    assert kam1.first_week == dt.date(2026, 4, 27)
    assert kam1.first_forecast == D("2250.00")
    assert kam1.first_accuracy == pytest.approx(1 - 50 / 2300)
    assert kam1.last_week == dt.date(2026, 5, 25)
    assert kam1.last_accuracy == pytest.approx(1 - abs(float(kam1.last_forecast) - 2300) / 2300)
    # A KAM reads only their own row.
    own = forecast_history(user=world["kam2"], period=parse_period("2026-Q2"), level="owner")
    assert [a.label for a in own["accuracy"]] == ["kam2"]
    assert forecast_history(user=world["kam2"], period=parse_period("2026-Q2"))["series"] == []


def test_accuracy_formula():
    assert fc.accuracy(D(90), D(100)) == pytest.approx(0.9)
    assert fc.accuracy(D(110), D(100)) == pytest.approx(0.9)
    assert fc.accuracy(D(10), D(0)) is None
