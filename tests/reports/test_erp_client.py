"""docs/erp-client.py, the integrators' example, against a live server."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import Account
from accounts.services import api_token_issue
from reports.models import ProductCategory, RevenueLine
from tests.factories import UserFactory

CLIENT = Path(__file__).resolve().parents[2] / "docs" / "erp-client.py"
pytestmark = pytest.mark.django_db(transaction=True)


def test_client_pushes_a_csv_in_batches_then_stops_on_bad_data(live_server, tmp_path):
    token = api_token_issue(user=UserFactory(role="integration", username="erp-cli"))
    Account.objects.create(external_id="C1", name="Alpha")
    ProductCategory.objects.create(code="PIPE", name="Pipes")
    path = tmp_path / "lines.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "account", "category", "date", "amount", "cost"])
        for n in range(25):
            writer.writerow([f"L{n}", "C1", "PIPE", "2025-01-15", f"{n}.50", "" if n % 2 else "1"])

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                str(CLIENT),
                str(path),
                "--url",
                live_server.url,
                "--token",
                token,
                "--batch",
                "10",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.splitlines()[-1]) == {
        "created": 25,
        "updated": 0,
        "unchanged": 0,
    }
    assert first.stderr.count("batch ") == 3
    assert RevenueLine.objects.count() == 25
    assert RevenueLine.objects.get(external_id="L1").cost is None

    again = run()
    assert json.loads(again.stdout.splitlines()[-1]) == {
        "created": 0,
        "updated": 0,
        "unchanged": 25,
    }

    with path.open("a", newline="") as handle:
        csv.writer(handle).writerow(["BAD", "NOPE", "PIPE", "2025-01-15", "1.005", ""])
    bad = run()
    assert bad.returncode == 1
    assert "line 26 BAD amount: must have at most 2 decimal places" in bad.stderr
    assert json.loads(bad.stdout.splitlines()[-1])["failed_batch"] == 3
    assert not RevenueLine.objects.filter(external_id="BAD").exists()
