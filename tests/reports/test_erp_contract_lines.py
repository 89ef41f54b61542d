"""Revenue under contract: ERP lines may name a contract of their account by its number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account
from plans.models import Contract
from reports.models import RevenueLine
from reports.selectors import contract_revenue_by_year
from tests import factories as f
from tests.reports.test_erp_api import line, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(integration_user, api_client_for):
    client = api_client_for(integration_user)
    post(client, "erp-accounts", {"accounts": [{"external_id": "C1", "name": "Alpha"}]})
    post(client, "erp-accounts", {"accounts": [{"external_id": "C2", "name": "Beta"}]})
    post(client, "erp-categories", {"categories": [{"code": "PIPE", "name": "Pipes"}]})
    return client


@pytest.fixture
def contract(erp):
    return f.ContractFactory(
        account=Account.objects.get(external_id="C1"),
        number="FA-1",
        start_date=dt.date(2025, 7, 1),
        end_date=dt.date(2026, 6, 30),
        annual_value=Decimal("1200.00"),
    )


def test_a_line_with_a_contract_number_counts_under_the_contract(erp, contract):
    response = post(
        erp,
        "erp-revenue-lines",
        {
            "lines": [
                line(1, contract="FA-1", amount="300.00", date="2025-08-01"),
                line(2, contract="FA-1", amount="100.00", date="2026-02-01"),
                line(3, amount="999.00"),
            ]
        },
    )
    assert response.status_code == 200, response.json()
    assert RevenueLine.objects.get(external_id="L1").contract == contract
    assert RevenueLine.objects.get(external_id="L3").contract is None
    again = post(
        erp,
        "erp-revenue-lines",
        {
            "lines": [
                line(1, contract="FA-1", amount="300.00", date="2025-08-01"),
                line(2, contract="FA-1", amount="100.00", date="2026-02-01"),
                line(3, amount="999.00"),
            ]
        },
    )
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    summary = contract_revenue_by_year(contract=contract)
    by_year = {r["year"]: r for r in summary["rows"]}
    assert by_year[2025]["revenue"] == Decimal("300.00")
    assert by_year[2026]["revenue"] == Decimal("100.00")
    assert summary["total"] == Decimal("400.00")
    # 184 of 365 days of 2025 run under the contract: 1200 × 184 / 365.
    assert by_year[2025]["expected"] == Decimal("604.93")
    # Re-sent without the number: the line leaves the contract (a line is replaced whole).
    post(erp, "erp-revenue-lines", {"lines": [line(2, amount="100.00", date="2026-02-01")]})
    assert contract_revenue_by_year(contract=contract)["total"] == Decimal("300.00")


def test_an_unknown_contract_number_for_the_account_refuses_the_batch(erp, contract):
    f.ContractFactory(account=Account.objects.get(external_id="C2"), number="BETA-1")
    response = post(
        erp,
        "erp-revenue-lines",
        {
            "lines": [
                line(1, contract="FA-1"),
                line(2, contract="NOPE"),
                line(3, contract="BETA-1"),  # another account's contract
                line(4, contract=7),
            ]
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {
        (1, "contract"),
        (2, "contract"),
        (3, "contract"),
    }
    assert 'unknown contract "NOPE" for account "C1"' in {e["message"] for e in errors}
    assert not RevenueLine.objects.exists()


def test_the_contract_page_shows_its_revenue_by_year(erp, contract, head_user):
    post(erp, "erp-revenue-lines", {"lines": [line(1, contract="FA-1", amount="250.00")]})
    client = Client()
    client.force_login(head_user)
    html = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="contract-revenue"' in html and "250" in html
    assert Contract.objects.get(pk=contract.pk).revenue_lines.count() == 1
