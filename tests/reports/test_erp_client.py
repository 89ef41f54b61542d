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
    # The 26th line of data is line 27 of the file (the header is line 1).
    assert "line 27 BAD amount: must have at most 2 decimal places" in bad.stderr
    assert "HTTP 400 Bad Request: amount must have at most 2 decimal places" in bad.stderr
    assert json.loads(bad.stdout.splitlines()[-1])["failed_batch"] == 3
    assert not RevenueLine.objects.filter(external_id="BAD").exists()


def test_client_explains_a_refused_token_and_ends_with_totals(live_server, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("external_id,account,category,date,amount\nL1,C1,PIPE,2025-01-15,1\n")
    run = subprocess.run(
        [sys.executable, str(CLIENT), str(path), "--url", live_server.url, "--token", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "HTTP 401 Unauthorized: Invalid token." in run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "failed_batch": 1,
    }


def test_client_gives_up_with_totals_when_the_server_is_away(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "lines.csv"
    path.write_text("external_id,account,category,date,amount\nL1,C1,PIPE,2025-01-15,1\n")
    run = subprocess.run(
        [
            sys.executable,
            str(CLIENT),
            str(path),
            "--url",
            f"http://127.0.0.1:{port}",
            "--token",
            "t",
            "--attempts",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "giving up after 1 attempts" in run.stderr
    assert json.loads(run.stdout.splitlines()[-1])["failed_batch"] == 1
