"""Attainment of the targets on hand-built revenue lines where the answer is known
(DESIGN.md: attainment = actual of the period to date / its target; run-rate to the end =
mean monthly revenue of the last 3 complete months × months left), rolled up by account,
KAM, region and company.

As of 2026-04-30 (a month's end: no part of April is still ahead; 8 months left):
- A (kam1, North): Jan 100, Feb 200, Mar 300, Apr 50 (and 999 in May, after as-of)
  → actual 650; run-rate (100+200+300)/3 × 8 = 1 600 → projected 2 250.
  Annual target 2 600 → attainment 0.25. Q2: a quarter of it, 650: actual 50, run-rate
  200 × 2 = 400.
- B (kam2, no region): 300 in each of Jan … Mar → actual 900; run-rate 300 × 8 = 2 400.
  Quarterly targets Q1 1 000, Q2 1 200, Q3 1 000, Q4 800 → year 4 000, attainment 0.225;
  Q1 0.9 (closed: no run-rate); Q2 0 to date, run-rate 600.
- C (kam1, North): Apr 400, no target: not counted in any roll-up.
- D (kam1, South): Feb 1 000; annual target 2 000 for 2027 only: not counted in 2026.
→ kam1: 650 / 2 600; North: same; no region: B; company: 1 550 / 6 600.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports.metrics.periods import parse_period
from reports.portfolio import targets as tg
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 4, 30)
D = Decimal


@pytest.fixture
def world():
    kam1 = f.UserFactory(username="kam1", role="kam")
    kam2 = f.UserFactory(username="kam2", role="kam")
    head = f.UserFactory(username="head", role="head")
    north, south = f.RegionFactory(name="North"), f.RegionFactory(name="South")
    a = f.AccountFactory(owner=kam1, region=north, name="Alpha")
    b = f.AccountFactory(owner=kam2, region=None, name="Beta")
    c = f.AccountFactory(owner=kam1, region=north, name="Gamma")
    d = f.AccountFactory(owner=kam1, region=south, name="Delta")
    line = f.RevenueLineFactory
    for day, amount in [(1, 100), (2, 200), (3, 300), (4, 50)]:
        line(account=a, date=dt.date(2026, day, 10), amount=D(amount))
    line(account=a, date=dt.date(2026, 5, 2), amount=D(999))
    line(account=a, date=dt.date(2025, 12, 10), amount=D(5000))
    for month in (1, 2, 3):
        line(account=b, date=dt.date(2026, month, 5), amount=D(300))
    line(account=c, date=dt.date(2026, 4, 1), amount=D(400))
    line(account=d, date=dt.date(2026, 2, 1), amount=D(1000))
    f.TargetFactory(account=a, year=2026, revenue_target=D(2600))
    for quarter, amount in [(1, 1000), (2, 1200), (3, 1000), (4, 800)]:
        f.TargetFactory(account=b, year=2026, quarter=quarter, revenue_target=D(amount))
    f.TargetFactory(account=d, year=2027, revenue_target=D(2000))
    return {"kam1": kam1, "kam2": kam2, "head": head, "a": a, "b": b, "c": c, "d": d,
            "north": north, "south": south}  # fmt: skip


def _at(user, level, period="2026", **kwargs):
    return tg.attainment(user=user, level=level, period=parse_period(period), as_of=AS_OF, **kwargs)


def test_account_attainment_and_run_rate_to_year_end(world):
    result = _at(world["head"], tg.ACCOUNT)
    rows = {r.label: r for r in result.rows}
    assert set(rows) == {"Alpha", "Beta"}  # no target for 2026: no row
    alpha, beta = rows["Alpha"], rows["Beta"]
    assert (alpha.actual, alpha.run_rate, alpha.target) == (D(650), D(1600), D(2600))
    assert alpha.attainment == pytest.approx(0.25)
    assert alpha.projected == D(2250)
    assert alpha.projected_attainment == pytest.approx(2250 / 2600)
    assert alpha.gap == D(-350)
    assert (beta.actual, beta.run_rate, beta.target) == (D(900), D(2400), D(4000))
    assert beta.attainment == pytest.approx(0.225)
    assert result.months_left == 8


def test_quarter_targets_quarterly_rows_or_a_quarter_of_the_annual_one(world):
    q1 = {r.label: r for r in _at(world["head"], tg.ACCOUNT, "2026-Q1").rows}
    assert q1["Beta"].target == D(1000) and q1["Beta"].attainment == pytest.approx(0.9)
    assert q1["Beta"].run_rate == 0  # closed
    assert q1["Alpha"].target == D(650) and q1["Alpha"].actual == D(600)
    q2 = {r.label: r for r in _at(world["head"], tg.ACCOUNT, "2026-Q2").rows}
    assert (q2["Beta"].actual, q2["Beta"].run_rate, q2["Beta"].target) == (0, D(600), D(1200))
    assert q2["Beta"].attainment == 0
    assert (q2["Alpha"].actual, q2["Alpha"].run_rate) == (D(50), D(400))


def test_one_account_year_with_its_quarters(world):
    result = _at(world["kam2"], tg.ACCOUNT, accounts=world["b"].__class__.objects.filter(
        pk=world["b"].pk), quarters=True)  # fmt: skip
    assert [r.target for r in result.rows] == [D(4000)]
    quarters = {key: rows[0] for key, rows in result.by_period.items()}
    assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [q.target for q in quarters.values()] == [D(1000), D(1200), D(1000), D(800)]
    assert [q.actual for q in quarters.values()] == [D(900), 0, 0, 0]
    assert [q.run_rate for q in quarters.values()] == [0, D(600), D(900), D(900)]


def test_roll_ups_by_kam_region_and_company(world):
    levels = tg.attainment_levels(
        user=world["head"],
        levels=(tg.OWNER, tg.REGION, tg.COMPANY),
        period=parse_period("2026"),
        as_of=AS_OF,
    )
    by_kam = {r.key: r for r in levels[tg.OWNER].rows}
    assert set(by_kam) == {world["kam1"].pk, world["kam2"].pk}
    kam1 = by_kam[world["kam1"].pk]
    assert (kam1.actual, kam1.target, kam1.run_rate) == (D(650), D(2600), D(1600))
    assert by_kam[world["kam2"].pk].attainment == pytest.approx(0.225)
    # Furthest behind first.
    assert [r.key for r in levels[tg.OWNER].rows] == [world["kam2"].pk, world["kam1"].pk]
    by_region = {r.key: r for r in levels[tg.REGION].rows}
    assert set(by_region) == {world["north"].pk, None}
    assert by_region[world["north"].pk].target == D(2600)
    assert by_region[None].label == "No region" and by_region[None].actual == D(900)
    company = levels[tg.COMPANY]
    assert [r.key for r in company.rows] == [None]
    total = company.rows[0]
    assert (total.actual, total.target, total.run_rate) == (D(1550), D(6600), D(4000))
    assert total.attainment == pytest.approx(1550 / 6600)
    assert company.total.target == D(6600)


def test_a_kam_rolls_up_only_what_they_see(world):
    mine = _at(world["kam1"], tg.COMPANY).rows[0]
    assert (mine.actual, mine.target) == (D(650), D(2600))
    assert [r.label for r in _at(world["kam1"], tg.ACCOUNT).rows] == ["Alpha"]


def test_the_home_card_is_the_kams_own_accounts_or_the_company(world):
    kam2, company = tg.my_attainment(user=world["kam2"], as_of=AS_OF)
    assert kam2.total.target == D(4000) and not company
    head, company = tg.my_attainment(user=world["head"], as_of=AS_OF)
    assert head.total.target == D(6600) and company


def test_the_table_annotation_agrees_with_the_roll_up(world):
    from accounts.models import Account

    rows = tg.with_attainment(
        Account.objects.order_by("name"), period=parse_period("2026"), as_of=AS_OF
    )
    got = {a.name: (a.attainment, a.target_amount) for a in rows}
    assert got["Alpha"][0] == pytest.approx(0.25) and got["Alpha"][1] == D(2600)
    assert got["Beta"][0] == pytest.approx(0.225)
    assert got["Gamma"] == (None, None) and got["Delta"] == (None, None)


def test_bounded_queries_whatever_the_levels(world, django_assert_max_num_queries):
    # Revenue, targets, and the names of each level's keys.
    with django_assert_max_num_queries(5):
        tg.attainment_levels(
            user=world["head"], levels=(tg.OWNER, tg.REGION, tg.COMPANY), as_of=AS_OF,
            period=parse_period("2026"),
        )  # fmt: skip
