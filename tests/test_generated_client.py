"""An integrator's first day: a Python client generated from the schema as served (no edits
to either) imports cleanly and runs an ERP night and a KAM's day against a live server.

The client is openapi-python-client's (pinned in the dev extra). It is built with
`raise_on_unexpected_status=True`, so a status the schema does not document fails the
test, and every answer is parsed into the documented model, so a body that does not match
its schema fails too.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from accounts.services import api_token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


_TOKENS: dict[int, str] = {}


def _token(user) -> str:
    """One token a user (issuing another would revoke the first)."""
    if user.pk not in _TOKENS:
        _TOKENS[user.pk] = api_token_issue(user=user)
    return _TOKENS[user.pk]


@pytest.fixture
def kam_client_package(live_server, tmp_path, monkeypatch):
    """Generate the client from the live schema and import every module of it."""
    reader = UserFactory(role="integration", username="schema-reader")
    schema = httpx.get(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Token {_token(reader)}"},
    )
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_text(schema.text)
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "schema.json",
            "--meta",
            "none",
            "--output-path",
            "kam_client",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout, run.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module("kam_client")
    broken = {}
    for module in pkgutil.walk_packages(package.__path__, "kam_client."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported at once
            broken[module.name] = repr(exc)
    assert broken == {}
    yield package
    _TOKENS.clear()
    for name in [m for m in sys.modules if m == "kam_client" or m.startswith("kam_client.")]:
        del sys.modules[name]


def _client(package, live_server, user):
    return package.AuthenticatedClient(
        base_url=live_server.url,
        token=_token(user),
        prefix="Token",  # our scheme: `Authorization: Token <key>` (docs/erp.md)
        raise_on_unexpected_status=True,
    )


def _ok(response, status=200):
    assert response.status_code == status, response.content
    assert response.parsed is not None
    return response.parsed


def test_generated_client_runs_an_erp_night_and_a_kams_day(kam_client_package, live_server):
    from kam_client import models as m
    from kam_client.api import erp, v1

    integration = UserFactory(role="integration", username="erp")
    head = UserFactory(role="head", username="head")
    kam = UserFactory(role="kam", username="kam1")
    erp_api = _client(kam_client_package, live_server, integration)
    day = dt.date.today().replace(day=1) - dt.timedelta(days=20)  # last month

    # --- the ERP's night ----------------------------------------------------------------
    counts = _ok(
        erp.erp_categories_upsert.sync_detailed(
            client=erp_api,
            body=m.ErpCategoriesRequest(
                categories=[m.ErpCategoryItemRequest(code="PUMPS", name="Pumps")]
            ),
        )
    )
    assert (counts.created, counts.updated, counts.unchanged) == (1, 0, 0)
    _ok(
        erp.erp_exchange_rates_upsert.sync_detailed(
            client=erp_api,
            body=m.ErpRatesRequest(
                rates=[m.ErpRateItemRequest(currency="USD", date=day, rate="90.5")]
            ),
        )
    )
    accounts = m.ErpAccountsRequest(
        accounts=[
            m.ErpAccountItemRequest(external_id="C-2", name="Uralkhim Trade", parent="C-1"),
            m.ErpAccountItemRequest(external_id="C-1", name="Uralkhim Holding"),
        ]
    )
    assert _ok(erp.erp_accounts_upsert.sync_detailed(client=erp_api, body=accounts)).created == 2
    lines = [
        m.ErpLineItemRequest(
            external_id="INV-1", account="C-1", category="PUMPS", date=day, amount="1000.00"
        ),
        m.ErpLineItemRequest(
            external_id="INV-2",
            account="C-2",
            category="PUMPS",
            date=day,
            amount="10.00",
            currency="USD",
            cost="6.00",
        ),
    ]
    body = m.ErpLinesRequest(lines=lines)
    assert _ok(erp.erp_revenue_lines_upsert.sync_detailed(client=erp_api, body=body)).created == 2
    again = _ok(erp.erp_revenue_lines_upsert.sync_detailed(client=erp_api, body=body))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    lines[0].amount = "1500.00"
    changed = _ok(
        erp.erp_revenue_lines_upsert.sync_detailed(
            client=erp_api, body=m.ErpLinesRequest(lines=lines[:1])
        )
    )
    assert changed.updated == 1
    refused = erp.erp_revenue_lines_upsert.sync_detailed(
        client=erp_api,
        body=m.ErpLinesRequest(
            lines=[
                m.ErpLineItemRequest(
                    external_id="INV-9", account="NOPE", category="PUMPS", date=day, amount="1"
                )
            ]
        ),
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, m.ErpProblem) and refused.parsed.errors[0].index == 0
    deleted = _ok(
        erp.erp_revenue_lines_delete.sync_detailed(
            client=erp_api, body=m.ErpDeleteRequest(external_ids=["INV-2", "INV-404"])
        )
    )
    assert (deleted.deleted, deleted.not_found) == (1, 1)

    from reports.metrics.run import recompute_metrics

    recompute_metrics(as_of=dt.date.today())
    portfolio = _ok(v1.v1_metrics_portfolio_retrieve.sync_detailed(client=erp_api, period="ttm"))
    assert portfolio.total_revenue == "1500.00"
    rows = _ok(v1.v1_metrics_accounts_list.sync_detailed(client=erp_api, period="ttm"))
    assert [(r.account, r.revenue) for r in rows.results] == [("C-1", "1500.00")]
    batches = _ok(
        erp.v1_erp_import_batches_list.sync_detailed(
            client=_client(kam_client_package, live_server, head)
        )
    )
    assert batches.count >= 7

    # --- a head assigns, the KAM's day ---------------------------------------------------
    head_api = _client(kam_client_package, live_server, head)
    listed = _ok(v1.v1_accounts_list.sync_detailed(client=head_api, external_id="C-1"))
    account_id = listed.results[0].id
    assigned = _ok(
        v1.v1_accounts_partial_update.sync_detailed(
            account_id, client=head_api, body=m.PatchedAccountRequest(owner="kam1")
        )
    )
    assert assigned.owner == "kam1"

    kam_api = _client(kam_client_package, live_server, kam)
    mine = _ok(v1.v1_accounts_list.sync_detailed(client=kam_api))
    assert [a.external_id for a in mine.results] == ["C-1"]
    assert mine.results[0].tier is not None  # placed by the recompute: tier A
    contact = _ok(
        v1.v1_contacts_create.sync_detailed(
            client=kam_api,
            body=m.ContactRequest(account=account_id, name="Irina Sokolova", email=""),
        ),
        201,
    )
    met = _ok(
        v1.v1_interactions_create.sync_detailed(
            client=kam_api,
            body=m.InteractionRequest(
                account=account_id, summary="Pumps for the new plant", contacts=[contact.id]
            ),
        ),
        201,
    )
    assert met.contacts == [contact.id]
    year = dt.date.today().year
    plan = _ok(
        v1.v1_plans_create.sync_detailed(
            client=kam_api,
            body=m.AccountPlanRequest(
                account=account_id,
                title=f"Plan {year}",
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
            ),
        ),
        201,
    )
    assert plan.account == account_id
    tender = _ok(
        v1.v1_tenders_create.sync_detailed(
            client=kam_api, body=m.TenderRequest(account=account_id, title="Pumps 2027")
        ),
        201,
    )
    tenders = _ok(v1.v1_tenders_list.sync_detailed(client=kam_api))
    assert [t.id for t in tenders.results] == [tender.id]
    # A refusal comes back as a parsed problem document naming the field.
    bad = v1.v1_contacts_create.sync_detailed(
        client=kam_api, body=m.ContactRequest(account=account_id, name="")
    )
    assert bad.status_code == 400 and isinstance(bad.parsed, m.ValidationProblem)
    assert any(e.field == "name" for e in bad.parsed.errors)
    assert json.loads(bad.content)["name"]
