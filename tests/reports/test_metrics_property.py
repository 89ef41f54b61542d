"""Random portfolios: the engine's rows equal the plain-Python reference on every field.

On PostgreSQL both the set-based SQL path and the portable fallback are checked; on SQLite
the fallback (the one the embedded demo runs).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account
from reports.metrics import fallback
from reports.metrics import run as services
from reports.metrics.fingerprint import global_digest, month_digests, period_fingerprint
from reports.metrics.periods import periods_with_revenue
from reports.models import (
    AccountMetric,
    ExchangeRate,
    PortfolioMetric,
    ProductCategory,
    RevenueLine,
)
from tests.factories import UserFactory
from tests.reports.metrics_reference import convert, key_accounts, reference

FLOAT_FIELDS = (
    "revenue_share",
    "cumulative_share",
    "penetration",
    "category_penetration",
    "growth",
    "margin_pct",
    "margin_change",
)
RATES = {
    ("USD", dt.date(2023, 1, 1)): Decimal("90.1234"),
    ("USD", dt.date(2025, 3, 10)): Decimal("97.555"),
    ("EUR", dt.date(2023, 1, 1)): Decimal("101.005"),
    ("EUR", dt.date(2025, 11, 1)): Decimal("0.335"),
}

# Few distinct amounts, so ties and sums that cancel to zero come up often.
amounts = st.one_of(
    st.sampled_from([Decimal(v) for v in ("100", "50", "-100", "0", "0.01", "333.33")]),
    st.sampled_from([Decimal(v) for v in ("100", "50", "-100", "0", "0.01", "333.33")]),
    st.decimals(min_value=-2000, max_value=20000, places=2, allow_nan=False),
)
line_strategy = st.fixed_dictionaries(
    {
        "account": st.integers(0, 5),
        "category": st.integers(0, 3),
        # 2024-07 … 2026-12, crowded into a few months half the time so that accounts
        # share periods (ties, previous periods, ttm windows).
        "month": st.one_of(st.sampled_from([15, 16, 27]), st.integers(0, 29)),
        "day": st.integers(1, 28),
        "amount": amounts,
        "currency": st.sampled_from(["RUB", "RUB", "USD", "EUR"]),
        "cost": st.one_of(st.none(), amounts),
    }
)
portfolio_strategy = st.fixed_dictionaries(
    {
        # Ids chosen so that code-point order differs from a locale's ("a" vs "B", "_").
        "ids": st.lists(
            st.sampled_from(["ACC-1", "ACC-2", "acc-1", "B", "a", "_x", "Z9", "ACC-10"]),
            min_size=1,
            max_size=6,
            unique=True,
        ),
        "potentials": st.lists(
            st.one_of(st.none(), st.just(Decimal(0)), st.decimals(1, 10**7, places=2)),
            min_size=6,
            max_size=6,
        ),
        "strategic": st.lists(st.booleans(), min_size=6, max_size=6),
        "active": st.lists(st.booleans(), min_size=4, max_size=4),
        "lines": st.lists(line_strategy, max_size=30),
        # Copy account 0's lines onto account 1: exact ties, broken by external_id.
        "mirror": st.booleans(),
        "as_of_month": st.integers(0, 32),
        "as_of_day": st.integers(1, 28),
    }
)


def _month(offset: int) -> dt.date:
    index = 2024 * 12 + 6 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def _build(data: dict) -> tuple[list, dict, dict, dt.date]:
    owner = UserFactory(username="owner")
    ids = data["ids"]
    accounts = {}
    objs = {}
    for i, ext in enumerate(ids):
        potential = data["potentials"][i]
        accounts[ext] = {"potential": potential, "strategic": data["strategic"][i]}
        objs[ext] = Account.objects.create(
            external_id=ext,
            name=ext,
            owner=owner,
            potential_annual=potential,
            strategic=data["strategic"][i],
        )
    categories = {}
    cats = []
    for i, is_active in enumerate(data["active"]):
        categories[f"C{i}"] = is_active
        cats.append(ProductCategory.objects.create(code=f"C{i}", name=f"C{i}", active=is_active))
    for (currency, day), rate in RATES.items():
        ExchangeRate.objects.create(currency=currency, date=day, rate=rate)
    lines = []
    db_lines = []
    raws = list(data["lines"])
    if data["mirror"]:
        raws += [{**raw, "account": 1} for raw in raws if raw["account"] % len(ids) == 0]
    for n, raw in enumerate(raws):
        ext = ids[raw["account"] % len(ids)]
        day = _month(raw["month"]).replace(day=raw["day"])
        line = {
            "account": ext,
            "category": f"C{raw['category']}",
            "date": day,
            "amount": raw["amount"],
            "currency": raw["currency"],
            "cost": raw["cost"],
        }
        lines.append(line)
        # The import stores base amounts; here the test plays the importer.
        cost = raw["cost"]
        db_lines.append(
            RevenueLine(
                external_id=f"L{n}",
                account=objs[ext],
                category=cats[raw["category"]],
                date=day,
                amount=raw["amount"],
                currency=raw["currency"],
                amount_base=convert(raw["amount"], raw["currency"], day, RATES, "RUB"),
                cost=cost,
                cost_base=None
                if cost is None
                else convert(cost, raw["currency"], day, RATES, "RUB"),
            )
        )
    RevenueLine.objects.bulk_create(db_lines)
    as_of = _month(data["as_of_month"]).replace(day=data["as_of_day"])
    return lines, accounts, categories, as_of


def _assert_matches(rows: dict, portfolio: dict) -> None:
    got = {
        (m.period, m.account.external_id): m
        for m in AccountMetric.objects.select_related("account")
    }
    assert set(got) == set(rows)
    for key, want in rows.items():
        m = got[key]
        assert m.revenue == want["revenue"], key
        assert (m.period_start, m.period_end) == (want["period_start"], want["period_end"]), key
        assert m.rank == want["rank"], key
        assert (m.tier or None) == want["tier"], key
        for field in FLOAT_FIELDS:
            value, expected = getattr(m, field), want[field]
            if expected is None or value is None:
                assert value == expected, (key, field, value, expected)
            else:
                assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12), (key, field)
    got_p = {p.period: p for p in PortfolioMetric.objects.all()}
    assert set(got_p) == set(portfolio)
    for period, want in portfolio.items():
        p = got_p[period]
        assert p.total_revenue == want["total_revenue"], period
        assert p.accounts_with_revenue == want["accounts_with_revenue"], period
        assert p.tier_counts == want["tier_counts"], period
        assert p.concentration_risk == want["concentration_risk"], period
        assert (p.period_start, p.period_end) == (want["period_start"], want["period_end"])
        for field in ("top10_share", "hhi"):
            value, expected = getattr(p, field), want[field]
            if expected is None or value is None:
                assert value == expected, (period, field)
            else:
                assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12), (period, field)


class _Rollback(Exception):
    pass


def _in_rollback(check) -> None:
    """Each example in its own transaction that is rolled back: examples don't mix."""
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@pytest.mark.postgres
@HYPOTHESIS
@given(data=portfolio_strategy)
def test_sql_path_equals_reference(data):
    def check():
        lines, accounts, categories, as_of = _build(data)
        run = services.recompute_metrics(as_of=as_of, full=True)
        assert run.status == "success"
        rows, portfolio = reference(
            lines=lines, accounts=accounts, categories=categories, rates=RATES, as_of=as_of
        )
        _assert_matches(rows, portfolio)
        keys = key_accounts(rows, portfolio, accounts)
        got = dict(Account.objects.values_list("external_id", "is_key"))
        assert got == keys
        tiers = dict(Account.objects.values_list("external_id", "tier"))
        assert tiers == {a: (rows.get(("ttm", a)) or {}).get("tier") or "" for a in accounts}

        # Then the ERP cancels every other invoice and the next nightly run is incremental:
        # changed periods are replaced, emptied ones disappear, the rest stay right.
        kept = [line for n, line in enumerate(lines) if n % 2 == 0]
        RevenueLine.objects.exclude(
            external_id__in=[f"L{n}" for n in range(0, len(lines), 2)]
        ).delete()
        run = services.recompute_metrics(as_of=as_of)
        assert run.status == "success"
        rows, portfolio = reference(
            lines=kept, accounts=accounts, categories=categories, rates=RATES, as_of=as_of
        )
        _assert_matches(rows, portfolio)

    _in_rollback(check)


@pytest.mark.django_db
@HYPOTHESIS
@given(data=portfolio_strategy)
def test_fallback_path_equals_reference(data):
    def check():
        lines, accounts, categories, as_of = _build(data)
        months = month_digests()
        digest, active = global_digest()
        periods = periods_with_revenue(sorted(months), as_of)
        fps = {p.label: period_fingerprint(p, months, digest) for p in periods}
        fallback.compute_periods(
            periods,
            fps,
            active_category_ids=active,
            tier_a=Decimal("0.8"),
            tier_b=Decimal("0.95"),
            risk_share=Decimal("0.10"),
        )
        rows, portfolio = reference(
            lines=lines, accounts=accounts, categories=categories, rates=RATES, as_of=as_of
        )
        _assert_matches(rows, portfolio)

    _in_rollback(check)
