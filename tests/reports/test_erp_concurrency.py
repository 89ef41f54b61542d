"""Two ERP processes at once, against PostgreSQL through a live server."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import ROUND_HALF_UP, Decimal

import pytest

from accounts.services import api_token_issue
from reports.models import ExchangeRate, ImportBatch, RevenueLine
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Erp:
    def __init__(self, base_url: str) -> None:
        user = UserFactory(role="integration", username="erp-live")
        self.token = api_token_issue(user=user)
        self.base_url = base_url

    def post(self, path: str, payload: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.base_url}/api/v1/erp/{path}/",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def concurrently(self, *calls: tuple[str, dict]) -> list[tuple[int, dict]]:
        results: list = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def run(n: int, path: str, payload: dict) -> None:
            barrier.wait()
            results[n] = self.post(path, payload)

        threads = [threading.Thread(target=run, args=(n, *call)) for n, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results


@pytest.fixture
def erp(live_server):
    client = Erp(live_server.url)
    assert (
        client.post(
            "accounts",
            {"accounts": [{"external_id": f"C{n}", "name": f"Client {n}"} for n in range(20)]},
        )[0]
        == 200
    )
    assert client.post("categories", {"categories": [{"code": "PIPE", "name": "Pipes"}]})[0] == 200
    assert (
        client.post(
            "exchange-rates", {"rates": [{"currency": "USD", "date": "2025-01-01", "rate": "100"}]}
        )[0]
        == 200
    )
    return client


def lines(keys, amount: str, currency: str = "RUB") -> dict:
    return {
        "lines": [
            {
                "external_id": f"L{k:05d}",
                "account": f"C{k % 20}",
                "category": "PIPE",
                "date": "2025-03-01",
                "amount": amount,
                "currency": currency,
            }
            for k in keys
        ]
    }


def test_overlapping_batches_at_once_make_no_duplicates_no_lost_updates_no_500(erp):
    for round_ in range(3):
        amount_a, amount_b = f"{round_ + 1}.00", f"{round_ + 1}.50"
        # B lists its lines in reverse order: overlapping rows would be locked in opposite
        # orders if the server did not sort them (or retry the deadlock).
        (status_a, a), (status_b, b) = erp.concurrently(
            ("revenue-lines", lines(range(0, 3000), amount_a)),
            ("revenue-lines", lines(reversed(range(1500, 4500)), amount_b)),
        )
        assert (status_a, status_b) == (200, 200), (a, b)
        assert sum(a.values()) == 3000 and sum(b.values()) == 3000
        if round_ == 0:
            assert a["created"] + b["created"] == 4500
        else:
            assert a["created"] == b["created"] == 0
        assert RevenueLine.objects.count() == 4500
        amounts = lambda lo, hi: set(  # noqa: E731
            RevenueLine.objects.filter(
                external_id__gte=f"L{lo:05d}", external_id__lt=f"L{hi:05d}"
            ).values_list("amount", flat=True)
        )
        assert amounts(0, 1500) == {Decimal(amount_a)}
        assert amounts(3000, 4500) == {Decimal(amount_b)}
        # Each batch is one transaction: the overlap is wholly one writer's, never a mix.
        assert amounts(1500, 3000) in ({Decimal(amount_a)}, {Decimal(amount_b)})
    assert not ImportBatch.objects.exclude(http_status=200).exists()


def test_rate_correction_during_a_line_import_leaves_no_stale_base_amount(erp):
    for round_ in range(3):
        rate = f"{101 + round_}.5"
        results = erp.concurrently(
            ("revenue-lines", lines(range(round_ * 2000, round_ * 2000 + 2000), "3.33", "USD")),
            (
                "exchange-rates",
                {"rates": [{"currency": "USD", "date": "2025-01-01", "rate": rate}]},
            ),
        )
        assert [status for status, _ in results] == [200, 200], results
        current = ExchangeRate.objects.get(currency="USD").rate
        assert current == Decimal(rate)
        expected = (Decimal("3.33") * current).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert set(RevenueLine.objects.values_list("amount_base", flat=True)) == {expected}


def test_overlapping_account_batches_with_parents_at_once(erp):
    batch = {
        "accounts": [
            {
                "external_id": f"P{n}",
                "name": f"Parent {n}",
                "parent": f"P{n + 1}" if n < 99 else None,
            }
            for n in range(100)
        ]
    }
    results = erp.concurrently(("accounts", batch), ("accounts", batch))
    assert [status for status, _ in results] == [200, 200], results
    created = sorted(body["created"] for _, body in results)
    assert created == [0, 100]
    assert sorted(body["unchanged"] for _, body in results) == [0, 100]
