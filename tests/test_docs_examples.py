"""The integrators' examples run verbatim on a fresh install: the README's curl commands
(with `python manage.py issue_api_token`) and every request body of docs/erp.md, posted in
the page's order, each answered 200 by a live server."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)


def _readme_erp_shell() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Connecting the ERP") :]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return next(b for b in blocks if "curl" in b)


def test_readme_curl_example_runs_verbatim_on_a_fresh_install(live_server, tmp_path):
    script = _readme_erp_shell()
    assert "python manage.py issue_api_token erp" in script
    # The command runs here, on the live server's test database (a child process could not
    # reach it); the script reads its output where it would have run it. Otherwise verbatim
    # but for where the server listens.
    issued = io.StringIO()
    call_command("issue_api_token", "erp", stdout=issued)
    (tmp_path / "issued.txt").write_text(issued.getvalue())
    script = script.replace("python manage.py issue_api_token erp", "cat issued.txt").replace(
        "http://127.0.0.1:8000", live_server.url
    )
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    decoder, text, answers = json.JSONDecoder(), run.stdout.strip(), []
    while text:  # curl prints the answers back to back
        answer, end = decoder.raw_decode(text)
        answers.append(answer)
        text = text[end:].strip()
    assert answers == [{"created": 1, "updated": 0, "unchanged": 0}] * 3


def _erp_doc_requests() -> list[tuple[str, dict]]:
    """(endpoint, body) for every `### POST /api/v1/erp/…` section's JSON example."""
    text = (ROOT / "docs" / "erp.md").read_text(encoding="utf-8")
    requests = []
    for match in re.finditer(
        r"^### `POST (/api/v1/erp/[^`]+)`.*?```json\n(.*?)```", text, re.S | re.M
    ):
        requests.append((match.group(1), json.loads(match.group(2))))
    return requests


def test_every_erp_doc_example_is_accepted_in_the_pages_order(live_server):
    from accounts.services import api_token_issue
    from tests.factories import UserFactory

    token = api_token_issue(user=UserFactory(role="integration", username="erp"))
    requests = _erp_doc_requests()
    assert [path for path, _ in requests] == [
        "/api/v1/erp/categories/",
        "/api/v1/erp/exchange-rates/",
        "/api/v1/erp/accounts/",
        "/api/v1/erp/distributors/",
        "/api/v1/erp/revenue-lines/",
        "/api/v1/erp/revenue-lines/delete/",
    ]
    for path, body in requests:
        answer = httpx.post(
            live_server.url + path, json=body, headers={"Authorization": f"Token {token}"}
        )
        assert answer.status_code == 200, (path, answer.text)
