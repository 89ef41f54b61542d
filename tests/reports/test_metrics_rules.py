"""The metric definitions of DESIGN.md on hand-made portfolios whose numbers one can check
with a pencil; and the recompute's bookkeeping (incremental runs, MetricRun, lock)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import Account
from reports.metrics.periods import parse_period, ttm_period
from reports.metrics.run import METRICS_LOCK_KEY, recompute_metrics
from reports.metrics.tiers import tiers_by_revenue
from reports.models import AccountMetric, MetricRun, PortfolioMetric
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory

AS_OF = dt.date(2025, 11, 26)


def line(account, day, amount, category=None, cost=None):
    return RevenueLineFactory(
        account=account,
        date=day,
        amount=Decimal(amount),
        amount_base=Decimal(amount),
        cost=None if cost is None else Decimal(cost),
        cost_base=None if cost is None else Decimal(cost),
        **({"category": category} if category else {}),
    )


def rows(period: str) -> dict[str, AccountMetric]:
    return {
        m.account.external_id: m
        for m in AccountMetric.objects.filter(period=period).select_related("account")
    }


@pytest.fixture
def cat(db):
    return ProductCategoryFactory(code="PIPES")


def test_ttm_is_the_twelve_months_before_the_as_of_month():
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 26), dt.date(2026, 11, 30)):
        ttm = ttm_period(day)
        assert (ttm.start, ttm.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
        assert (ttm.prev().start, ttm.prev().end) == (dt.date(2024, 11, 1), dt.date(2025, 10, 31))


@pytest.mark.parametrize(
    "text,start,end,prev",
    [
        ("2025-07", dt.date(2025, 7, 1), dt.date(2025, 7, 31), "2025-06"),
        ("2025-01", dt.date(2025, 1, 1), dt.date(2025, 1, 31), "2024-12"),
        ("2025-Q1", dt.date(2025, 1, 1), dt.date(2025, 3, 31), "2024-Q4"),
        ("2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), "2023-Q4"),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2024"),
    ],
)
def test_periods_parse_and_know_their_previous(text, start, end, prev):
    period = parse_period(text)
    assert (period.label, period.start, period.end, period.prev().label) == (text, start, end, prev)


@pytest.mark.parametrize("bad", ["2025-13", "2025-Q5", "25", "July", "", "2025-7"])
def test_bad_period_names_the_field(bad):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        parse_period(bad)
    assert "period" in err.value.message_dict


def test_share_rank_cumulative_and_tiers_with_ties_and_credit_notes(db, cat):
    big = AccountFactory(external_id="BIG", potential_annual=Decimal("12000"))
    # Two accounts with equal revenue: the tie goes to the smaller external_id.
    tie_b = AccountFactory(external_id="TIE-B", potential_annual=None)
    tie_a = AccountFactory(external_id="TIE-A", potential_annual=Decimal("0"))
    small = AccountFactory(external_id="SMALL")
    credit = AccountFactory(external_id="CREDIT")
    line(big, dt.date(2025, 7, 3), "800.00", cat)
    line(tie_b, dt.date(2025, 7, 4), "75.00", cat)
    line(tie_a, dt.date(2025, 7, 5), "100.00", cat)
    line(tie_a, dt.date(2025, 7, 6), "-25.00", cat)  # a credit note
    line(small, dt.date(2025, 7, 7), "50.00", cat)
    line(credit, dt.date(2025, 7, 8), "-0.01", cat)  # only a credit note
    recompute_metrics(as_of=AS_OF)

    july = rows("2025-07")
    total = Decimal("999.99")
    assert {k: m.revenue for k, m in july.items()} == {
        "BIG": Decimal("800.00"),
        "TIE-A": Decimal("75.00"),
        "TIE-B": Decimal("75.00"),
        "SMALL": Decimal("50.00"),
        "CREDIT": Decimal("-0.01"),
    }
    assert [july[k].rank for k in ("BIG", "TIE-A", "TIE-B", "SMALL", "CREDIT")] == [
        1,
        2,
        3,
        4,
        None,
    ]
    assert july["BIG"].revenue_share == pytest.approx(800 / float(total))
    assert july["TIE-B"].cumulative_share == pytest.approx(950 / float(total))
    assert july["CREDIT"].cumulative_share is None
    assert july["CREDIT"].revenue_share == pytest.approx(-0.01 / float(total))
    # before: BIG 0 → A; TIE-A 0.80001 → B; TIE-B 0.875 → B; SMALL 0.95001 → C; CREDIT ≤ 0 → C
    assert {k: m.tier for k, m in july.items()} == {
        "BIG": "A",
        "TIE-A": "B",
        "TIE-B": "B",
        "SMALL": "C",
        "CREDIT": "C",
    }
    assert july["BIG"].penetration == pytest.approx(800 / 1000)  # 12000 / 12 per month
    assert july["TIE-B"].penetration is None  # no potential
    assert july["TIE-A"].penetration is None  # potential 0

    portfolio = PortfolioMetric.objects.get(period="2025-07")
    assert portfolio.total_revenue == total
    assert portfolio.accounts_with_revenue == 4
    assert portfolio.tier_counts == {"A": 1, "B": 2, "C": 2}
    assert portfolio.concentration_risk == ["BIG"]
    assert portfolio.top10_share == pytest.approx(1.0)
    shares = [800, 75, 75, 50]
    assert portfolio.hhi == pytest.approx(sum((s / 999.99) ** 2 for s in shares))
    # The quarter and the year hold the same lines; ttm as of 2025-11-26 is 2024-11…2025-10.
    assert set(PortfolioMetric.objects.values_list("period", flat=True)) == {
        "2025-07",
        "2025-Q3",
        "2025",
        "ttm",
    }
    assert rows("ttm")["BIG"].penetration == pytest.approx(800 / 12000)


def test_tier_boundary_is_exact_not_floating_point(db, cat):
    # before = 0.80 exactly for the third account: B, not A (0.1 + 0.7 != 0.8 in floats).
    a, b, c = (AccountFactory(external_id=x) for x in ("A1", "A2", "A3"))
    line(a, dt.date(2025, 3, 1), "70.00", cat)
    line(b, dt.date(2025, 3, 1), "10.00", cat)
    line(c, dt.date(2025, 3, 1), "20.00", cat)
    recompute_metrics(as_of=AS_OF)
    march = rows("2025-03")
    assert [march[x].tier for x in ("A1", "A3", "A2")] == ["A", "A", "B"]


def _tiers(revenues: dict[str, str]) -> dict[str, str]:
    return tiers_by_revenue((x, x, Decimal(r)) for x, r in revenues.items())


def test_the_tier_rule_compares_exact_sums_not_float_shares():
    # 70/10/10/10: the third account has exactly 80 % above it, so B (floats: 0.7 + 0.1 <
    # 0.8, which said A); the three tied 10s are ranked by external id.
    assert _tiers({"E-70": "70", "E-10c": "10", "E-10a": "10", "E-10b": "10"}) == {
        "E-70": "A",
        "E-10a": "A",
        "E-10b": "B",
        "E-10c": "B",
    }


def test_the_tier_rule_breaks_ties_by_external_id_and_handles_non_positive_revenue():
    revenues = {"T-B": "40", "T-A": "40", "Z": "10", "U-2": "5", "U-1": "5", "NEG": "-3"}
    # Total 97: before U-1 = 90 < 0.95 × 97 → B; before U-2 = 95 ≥ 92.15 → C.
    assert _tiers(revenues) == {
        "T-A": "A",
        "T-B": "A",
        "Z": "B",
        "U-1": "B",
        "U-2": "C",
        "NEG": "C",
    }
    # Exactly 95 % above: C (before < 0.95 × total is false).
    assert _tiers({"X": "80", "Y": "15", "Z": "5"}) == {"X": "A", "Y": "B", "Z": "C"}
    # Total ≤ 0: no tier for anyone.
    assert _tiers({"P": "10", "N": "-10"}) == {"P": "", "N": ""}


def test_the_engine_writes_the_tiers_of_the_one_rule(db, cat):
    """The PostgreSQL statement (or the SQLite fallback) and tiers_by_revenue agree on every
    period, boundary hits and ties included (run on both databases)."""
    rng = random.Random(2025)
    accounts = [AccountFactory(external_id=f"R-{i:02d}") for i in range(24)]
    # Crafted months: 70/10/10/10 (a hit on 80 % with ties), 80/15/5 (hits on 80 and 95 %).
    for day, amounts in (
        (dt.date(2025, 1, 5), ["70.00", "10.00", "10.00", "10.00"]),
        (dt.date(2025, 2, 5), ["80.00", "15.00", "5.00"]),
    ):
        for account, amount in zip(accounts, amounts, strict=False):
            line(account, day, amount, cat)
    # Random months: small round amounts, so ties and exact boundaries are frequent.
    choices = ["5.00", "10.00", "10.00", "15.00", "20.00", "35.00", "70.00", "-5.00", "0.01"]
    for month in range(3, 13):
        for account in rng.sample(accounts, rng.randint(3, 12)):
            for _ in range(rng.randint(1, 2)):
                line(account, dt.date(2025, month, rng.randint(1, 28)), rng.choice(choices), cat)
    recompute_metrics(as_of=dt.date(2026, 1, 15))
    periods = list(PortfolioMetric.objects.values_list("period", flat=True))
    assert len(periods) == 12 + 4 + 1 + 1  # months, quarters, 2025, ttm
    for period in periods:
        stored = rows(period)
        expected = tiers_by_revenue((x, x, m.revenue) for x, m in stored.items())
        assert {x: m.tier for x, m in stored.items()} == expected, period
    assert [rows("2025-01")[f"R-0{i}"].tier for i in range(4)] == ["A", "A", "B", "B"]
    assert [rows("2025-02")[f"R-0{i}"].tier for i in range(3)] == ["A", "B", "C"]


def test_total_not_positive_nulls_shares_and_tiers_for_every_row(db, cat):
    a, b = AccountFactory(external_id="P"), AccountFactory(external_id="N")
    line(a, dt.date(2025, 5, 2), "100.00", cat)
    line(b, dt.date(2025, 5, 2), "-150.00", cat)
    recompute_metrics(as_of=AS_OF)
    may = rows("2025-05")
    for m in may.values():
        assert (m.revenue_share, m.cumulative_share, m.tier) == (None, None, "")
    assert may["P"].rank == 1 and may["N"].rank is None
    portfolio = PortfolioMetric.objects.get(period="2025-05")
    assert portfolio.total_revenue == Decimal("-50.00")
    assert (portfolio.top10_share, portfolio.hhi, portfolio.concentration_risk) == (None, None, [])
    assert portfolio.tier_counts == {"A": 0, "B": 0, "C": 0}


def test_growth_margin_and_category_penetration(db):
    pipes = ProductCategoryFactory(code="PIPES")
    valves = ProductCategoryFactory(code="VALVES")
    ProductCategoryFactory(code="PUMPS")
    old = ProductCategoryFactory(code="OLD", active=False)
    acc = AccountFactory(external_id="X")
    line(acc, dt.date(2025, 1, 10), "200.00", pipes, cost="150.00")  # margin 25 %
    line(acc, dt.date(2025, 2, 10), "300.00", pipes, cost="270.00")
    line(acc, dt.date(2025, 2, 11), "100.00", valves)  # no cost: not in the margin
    line(acc, dt.date(2025, 2, 12), "50.00", old)  # inactive category: not counted
    line(acc, dt.date(2025, 2, 13), "30.00", valves)
    line(acc, dt.date(2025, 2, 14), "-130.00", valves)  # valves net to 0: not bought
    recompute_metrics(as_of=AS_OF)
    jan, feb = rows("2025-01")["X"], rows("2025-02")["X"]
    assert jan.growth is None  # no revenue in 2024-12
    assert feb.revenue == Decimal("350.00")
    assert feb.growth == pytest.approx(350 / 200 - 1)
    assert jan.margin_pct == pytest.approx(0.25)
    assert feb.margin_pct == pytest.approx(0.10)  # (300 - 270) / 300, a ratio like the shares
    assert feb.margin_change == pytest.approx(-0.15)  # 15 points down
    assert jan.margin_change is None
    assert feb.category_penetration == pytest.approx(1 / 3)  # pipes of pipes/valves/pumps
    q1 = rows("2025-Q1")["X"]
    assert q1.margin_pct == pytest.approx((500 - 420) / 500)


def test_key_accounts_are_written_down_onto_accounts(db, cat):
    whale = AccountFactory(external_id="W")
    mid = AccountFactory(external_id="M")
    AccountFactory(external_id="S", strategic=True)
    tail = [AccountFactory(external_id=f"T{i}") for i in range(8)]
    line(whale, dt.date(2025, 6, 1), "850.00", cat)
    line(mid, dt.date(2025, 6, 1), "110.00", cat)  # tier B but share 11 % ≥ 10 %
    for t in tail:
        line(t, dt.date(2025, 6, 1), "5.00", cat)
    recompute_metrics(as_of=AS_OF)
    got = {a.external_id: (a.tier, a.is_key) for a in Account.objects.all()}
    assert got["W"] == ("A", True)
    assert got["M"] == ("B", True)
    assert got["S"] == ("", True)  # no revenue, but marked strategic
    assert got["T0"] == ("C", False)
    whale.refresh_from_db()
    assert whale.ttm_revenue == Decimal("850.00")
    assert whale.ttm_share == pytest.approx(850 / 1000)


def test_second_run_skips_unchanged_periods_and_changes_nothing(db, cat):
    acc = AccountFactory(external_id="A")
    line(acc, dt.date(2025, 4, 1), "10.00", cat)
    line(acc, dt.date(2025, 8, 1), "20.00", cat)
    first = recompute_metrics(as_of=AS_OF)
    assert sorted(first.periods_recomputed) == sorted(
        ["2025-04", "2025-08", "2025-Q2", "2025-Q3", "2025", "ttm"]
    )
    before = list(AccountMetric.objects.order_by("pk").values())
    second = recompute_metrics(as_of=AS_OF)
    assert second.status == MetricRun.Status.SUCCESS
    assert second.periods_recomputed == [] and second.periods_unchanged == 6
    assert list(AccountMetric.objects.order_by("pk").values()) == before

    # A new line in August recomputes August, Q3, 2025, ttm — and 2025-09 would use August
    # as its previous month, but has no lines, so it does not exist.
    line(acc, dt.date(2025, 8, 2), "5.00", cat)
    third = recompute_metrics(as_of=AS_OF)
    assert sorted(third.periods_recomputed) == sorted(["2025-08", "2025-Q3", "2025", "ttm"])
    assert rows("2025-08")["A"].revenue == Decimal("25.00")
    full = recompute_metrics(as_of=AS_OF, full=True)
    assert len(full.periods_recomputed) == 6


def test_inputs_other_than_lines_trigger_a_recompute(db, cat):
    acc = AccountFactory(external_id="A", potential_annual=Decimal("1200"))
    line(acc, dt.date(2025, 4, 1), "10.00", cat)
    recompute_metrics(as_of=AS_OF)
    Account.objects.filter(pk=acc.pk).update(potential_annual=Decimal("2400"))
    run = recompute_metrics(as_of=AS_OF)
    assert "2025-04" in run.periods_recomputed
    assert rows("2025-04")["A"].penetration == pytest.approx(10 / 200)
    cat.active = False
    cat.save()
    recompute_metrics(as_of=AS_OF)
    assert rows("2025-04")["A"].category_penetration is None  # no active category left
    # A new month moves the ttm window: ttm is recomputed, other periods are not.
    run = recompute_metrics(as_of=dt.date(2025, 12, 1))
    assert run.periods_recomputed == ["ttm"]


def test_periods_that_lose_all_lines_disappear(db, cat):
    acc = AccountFactory(external_id="A")
    keep = line(acc, dt.date(2025, 4, 1), "10.00", cat)
    gone = line(acc, dt.date(2024, 2, 1), "10.00", cat)
    recompute_metrics(as_of=AS_OF)
    assert PortfolioMetric.objects.filter(period="2024-02").exists()
    gone.delete()
    recompute_metrics(as_of=AS_OF)
    periods = set(PortfolioMetric.objects.values_list("period", flat=True))
    assert periods == {"2025-04", "2025-Q2", "2025", "ttm"}
    assert not AccountMetric.objects.filter(period__in=["2024-02", "2024-Q1", "2024"]).exists()
    assert keep.pk


def test_ttm_without_lines_still_has_a_portfolio_row(db):
    recompute_metrics(as_of=AS_OF)
    ttm = PortfolioMetric.objects.get(period="ttm")
    assert ttm.total_revenue == 0 and ttm.tier_counts == {"A": 0, "B": 0, "C": 0}
    assert (ttm.period_start, ttm.period_end) == (dt.date(2024, 11, 1), dt.date(2025, 10, 31))


def test_command_prints_progress_and_summary(db, cat):
    line(AccountFactory(), dt.date(2025, 4, 1), "10.00", cat)
    out = StringIO()
    call_command("recompute_metrics", "--as-of", "2025-11-26", stdout=out)
    text = out.getvalue()
    assert "Recomputing metrics as of 2025-11-26" in text
    assert "month" in text and "ttm" in text and "rows in" in text
    assert "4 periods recomputed, 0 unchanged" in text
    out = StringIO()
    call_command("recompute_metrics", "--as-of", "2025-11-26", stdout=out)
    assert "0 periods recomputed, 4 unchanged" in out.getvalue()
    out = StringIO()
    call_command("recompute_metrics", "--as-of", "2025-11-26", "--full", stdout=out)
    assert "4 periods recomputed" in out.getvalue()
    out = StringIO()
    call_command(
        "recompute_metrics", "--as-of", "2025-11-26", "--full", "--kind", "ttm", stdout=out
    )
    assert "1 periods recomputed" in out.getvalue() and "month" not in out.getvalue()
    with pytest.raises(CommandError, match="--as-of"):
        call_command("recompute_metrics", "--as-of", "26.11.2025")


@pytest.mark.postgres
def test_triggers_log_every_kind_of_write_to_lines(db, cat):
    from reports.metrics.fingerprint import month_digests
    from reports.models import RevenueLine, RevenueLineChange

    def counts():
        out: dict = {}
        for change in RevenueLineChange.objects.all():
            out[change.month] = out.get(change.month, 0) + change.lines
        return out

    april, may = dt.date(2025, 4, 1), dt.date(2025, 5, 1)
    acc = AccountFactory()
    a = line(acc, dt.date(2025, 4, 1), "10.00", cat)
    line(acc, dt.date(2025, 4, 9), "10.00", cat)
    assert counts() == {april: 2}
    RevenueLine.objects.filter(pk=a.pk).update(date=dt.date(2025, 5, 3))  # moves a month
    assert counts() == {april: 1, may: 1}
    before = month_digests()
    RevenueLine.objects.filter(pk=a.pk).update(amount_base=Decimal("11.00"))  # a new rate
    after = month_digests()
    assert after[may] != before[may] and after[april] == before[april]
    RevenueLine.objects.filter(date__month=5).delete()
    assert counts() == {april: 1, may: 0}
    assert set(month_digests()) == {april}
    # A full run compacts the log and repairs counts that went wrong behind its back.
    RevenueLineChange.objects.create(month=april, lines=6)
    recompute_metrics(as_of=AS_OF, full=True)
    assert list(RevenueLineChange.objects.values_list("month", "lines")) == [(april, 1)]
    assert set(PortfolioMetric.objects.values_list("period", flat=True)) == {
        "2025-04",
        "2025-Q2",
        "2025",
        "ttm",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failure_is_recorded_on_the_run(cat):
    # Two lines whose base amounts (an absurd rate) overflow the metric's numeric(18,2) when
    # summed: a real database error, not a mock.
    acc = AccountFactory()
    for day in (dt.date(2025, 4, 1), dt.date(2025, 4, 2)):
        RevenueLineFactory(
            account=acc,
            category=cat,
            date=day,
            amount=Decimal("1000000.00"),
            currency="XAU",
            amount_base=Decimal("9999999999999999.00"),
        )
    with pytest.raises(Exception, match="overflow"):
        recompute_metrics(as_of=AS_OF)
    run = MetricRun.objects.get()
    assert run.status == MetricRun.Status.FAILED
    assert "overflow" in run.error and run.finished_at and run.duration_s is not None
    assert not AccountMetric.objects.filter(period="2025-04").exists()  # nothing half-written


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_that_cannot_get_the_lock_is_recorded_as_skipped(cat):
    line(AccountFactory(), dt.date(2025, 4, 1), "10.00", cat)
    db = settings.DATABASES["default"]
    other = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [METRICS_LOCK_KEY])
        run = recompute_metrics(as_of=AS_OF, lock_wait_s=0.3)
        assert run.status == MetricRun.Status.SKIPPED
        assert "lock" in run.note
        assert not AccountMetric.objects.exists()
    finally:
        other.close()
    assert recompute_metrics(as_of=AS_OF).status == MetricRun.Status.SUCCESS
