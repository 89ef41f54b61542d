"""docs/metrics.md's worked example is what the engine computes: its tables are loaded from
the page itself, the lines posted, the metrics recomputed, and every cell compared with
what the metrics API answers. Change the page or the engine, and this test says which."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reports.metrics.run import recompute_metrics
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def _tables() -> dict[str, list[dict[str, str]]]:
    """The tables of the page that follow a `<!-- metrics-example: NAME -->` marker."""
    tables: dict[str, list[dict[str, str]]] = {}
    name = None
    header: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("<!-- metrics-example:"):
            name = line.removeprefix("<!-- metrics-example:").removesuffix("-->").strip()
            tables[name], header = [], []
        elif name and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not header:
                header = cells
            elif not set(line) <= set("|- "):
                tables[name].append(dict(zip(header, cells, strict=True)))
        elif name and not line.strip() and header:
            name = None
    return tables


def _number(text: str):
    if text == "":
        return None
    return Decimal(text)


@pytest.fixture
def example():
    tables = _tables()
    potentials = {row["account"]: row["potential_annual"] for row in tables["potentials"]}
    accounts = {
        key: AccountFactory(external_id=key, potential_annual=_number(value))
        for key, value in potentials.items()
    }
    ProductCategoryFactory(code="PUMPS")
    ProductCategoryFactory(code="OLD", active=False)
    for line in tables["lines"]:
        amount = Decimal(line["amount"])
        RevenueLineFactory(
            external_id=line["line"],
            account=accounts[line["account"]],
            category=ProductCategoryFactory(code=line["category"]),
            date=dt.date.fromisoformat(line["date"]),
            amount=amount,
            amount_base=amount,
            cost=_number(line["cost"]),
            cost_base=_number(line["cost"]),
        )
    recompute_metrics(as_of=dt.date(2026, 1, 15))
    return tables


def _same(expected: str, actual) -> bool:
    """Money exactly as the API writes it; a ratio equal to the page's figure (the page
    writes exact values, so only float representation may differ)."""
    if expected == "" or actual is None:
        return expected == "" and actual is None
    if isinstance(actual, str):
        return actual == expected
    return abs(Decimal(str(actual)) - Decimal(expected)) < Decimal("1e-9")


def test_the_worked_example_rows_are_what_the_api_answers(example, api_client_for, head_user):
    rows = api_client_for(head_user).get("/api/v1/metrics/accounts/", {"period": "2025"})
    got = {row["account"]: row for row in rows.json()["results"]}
    for expected in example["rows 2025"]:
        actual = got[expected["account"]]
        for column, value in expected.items():
            if column == "account":
                continue
            if column == "tier":
                assert actual["tier"] == value, expected["account"]
            elif column == "rank":
                assert actual["rank"] == (int(value) if value else None), expected["account"]
            else:
                assert _same(value, actual[column]), (expected["account"], column, actual)


def test_the_worked_example_portfolio_is_what_the_api_answers(example, api_client_for, head_user):
    (expected,) = example["portfolio 2025"]
    got = api_client_for(head_user).get("/api/v1/metrics/portfolio/", {"period": "2025"}).json()
    assert got["total_revenue"] == expected["total_revenue"]
    assert got["accounts_with_revenue"] == int(expected["accounts_with_revenue"])
    tiers = dict(pair.split(":") for pair in expected["tier_counts"].split())
    assert got["tier_counts"] == {tier: int(n) for tier, n in tiers.items()}
    assert _same(expected["top10_share"], got["top10_share"])
    assert _same(expected["hhi"], got["hhi"])
    assert sorted(got["concentration_risk"]) == expected["concentration_risk"].split()
