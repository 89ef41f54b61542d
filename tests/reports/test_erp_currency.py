"""Base-currency conversion at import and re-conversion when rates change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.models import RevenueLine
from tests.reports.test_erp_api import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(integration_user, api_client_for):
    client = api_client_for(integration_user)
    post(client, "erp-accounts", {"accounts": [{"external_id": "C1", "name": "Alpha"}]})
    post(client, "erp-categories", {"categories": [{"code": "PIPE", "name": "Pipes"}]})
    return client


def rates(client, *items):
    return post(
        client,
        "erp-exchange-rates",
        {"rates": [{"currency": c, "date": d, "rate": r} for c, d, r in items]},
    )


def lines(client, *items):
    return post(
        client,
        "erp-revenue-lines",
        {
            "lines": [
                {
                    "external_id": key,
                    "account": "C1",
                    "category": "PIPE",
                    "date": date,
                    "amount": amount,
                    "currency": "USD",
                    "cost": cost,
                }
                for key, date, amount, cost in items
            ]
        },
    )


def base(key: str) -> tuple[Decimal, Decimal | None]:
    line = RevenueLine.objects.get(external_id=key)
    return line.amount_base, line.cost_base


def test_rate_on_or_before_the_line_date_rounded_half_up(erp):
    rates(erp, ("USD", "2025-01-01", "0.5"), ("USD", "2025-02-01", "0.7"))
    response = lines(
        erp,
        ("A", "2025-01-31", "0.05", "-0.05"),
        ("B", "2025-02-01", "10.01", None),
        ("C", "2025-03-15", "1.00", "0.50"),
    )
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    # 0.025 rounds half-up (away from zero) to 0.03, and -0.025 to -0.03.
    assert base("A") == (Decimal("0.03"), Decimal("-0.03"))
    assert base("B") == (Decimal("7.01"), None)  # 7.007 → 7.01
    assert base("C") == (Decimal("0.70"), Decimal("0.35"))


def test_base_currency_lines_need_no_rate(erp):
    response = post(
        erp,
        "erp-revenue-lines",
        {
            "lines": [
                {
                    "external_id": "R",
                    "account": "C1",
                    "category": "PIPE",
                    "date": "2025-01-01",
                    "amount": "123.45",
                    "cost": "100.00",
                }
            ]
        },
    )
    assert response.json()["created"] == 1
    line = RevenueLine.objects.get()
    assert (line.currency, line.amount_base, line.cost_base) == (
        "RUB",
        Decimal("123.45"),
        Decimal("100.00"),
    )


def test_new_and_corrected_rates_reconvert_only_the_lines_they_govern(erp):
    rates(erp, ("USD", "2025-01-01", "100"))
    lines(
        erp,
        ("JAN", "2025-01-10", "10.00", "5.00"),
        ("FEB", "2025-02-10", "10.00", None),
        ("MAR", "2025-03-10", "1.00", None),
    )
    assert base("FEB") == (Decimal("1000.00"), None)

    # A rate posted later for 1 February governs February onwards, not January.
    stamp_jan = RevenueLine.objects.get(external_id="JAN").updated_at
    assert rates(erp, ("USD", "2025-02-01", "110.125")).json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert base("FEB") == (Decimal("1101.25"), None)
    assert base("MAR") == (Decimal("110.13"), None)
    assert base("JAN") == (Decimal("1000.00"), Decimal("500.00"))
    assert RevenueLine.objects.get(external_id="JAN").updated_at == stamp_jan

    # Correcting January's rate changes January only.
    assert rates(erp, ("USD", "2025-01-01", "90")).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }
    assert base("JAN") == (Decimal("900.00"), Decimal("450.00"))
    assert base("FEB") == (Decimal("1101.25"), None)

    # The same rates again: nothing changes, no line is touched.
    stamps = dict(RevenueLine.objects.values_list("external_id", "updated_at"))
    assert rates(erp, ("USD", "2025-01-01", "90"), ("USD", "2025-02-01", "110.125")).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    assert dict(RevenueLine.objects.values_list("external_id", "updated_at")) == stamps


def test_line_before_the_first_rate_is_rejected(erp):
    rates(erp, ("USD", "2025-01-01", "100"))
    response = lines(erp, ("OK", "2025-01-01", "1.00", None), ("OLD", "2024-12-31", "1.00", None))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "external_id": "OLD",
            "field": "currency",
            "message": "no USD exchange rate on or before 2024-12-31",
        }
    ]
    assert not RevenueLine.objects.exists()
