"""External ids are the ERP's: KAMs and heads cannot set or change them through the regular
API; they create prospects without one, which the ERP claims through a logged link."""

from __future__ import annotations

import pytest

from accounts.models import Account
from reports.models import ImportBatch
from tests.conftest import field_errors
from tests.factories import AccountFactory, DistributorFactory

pytestmark = pytest.mark.django_db


def test_a_kam_cannot_change_external_id_and_nothing_changes(api_client_for, kam_user):
    account = AccountFactory(owner=kam_user, external_id="ERP-1", name="Before")
    response = api_client_for(kam_user).patch(
        f"/api/v1/accounts/{account.pk}/", {"external_id": "ERP-2", "name": "After"}, format="json"
    )
    assert response.status_code == 400
    assert list(field_errors(response.json())) == ["external_id"]
    account.refresh_from_db()
    assert (account.external_id, account.name) == ("ERP-1", "Before")


def test_a_head_cannot_change_external_id_either(api_client_for, head_user):
    account = AccountFactory(external_id="ERP-1")
    response = api_client_for(head_user).patch(
        f"/api/v1/accounts/{account.pk}/", {"external_id": None}, format="json"
    )
    assert response.status_code == 400 and "external_id" in response.json()


def test_a_full_put_may_repeat_the_stored_key(api_client_for, kam_user):
    account = AccountFactory(owner=kam_user, external_id="ERP-1")
    client = api_client_for(kam_user)
    body = client.get(f"/api/v1/accounts/{account.pk}/").json()
    writable = {k: body[k] for k in ("external_id", "name", "legal_name", "tax_id", "notes")}
    response = client.put(f"/api/v1/accounts/{account.pk}/", writable, format="json")
    assert response.status_code == 200, response.json()


def test_a_kam_creates_a_prospect_without_a_key_and_owns_it(api_client_for, kam_user):
    client = api_client_for(kam_user)
    refused = client.post(
        "/api/v1/accounts/", {"name": "Squatter", "external_id": "ERP-LATER"}, format="json"
    )
    assert refused.status_code == 400 and "external_id" in refused.json()
    assert not Account.objects.filter(external_id="ERP-LATER").exists()
    created = client.post("/api/v1/accounts/", {"name": "New prospect"}, format="json")
    assert created.status_code == 201
    assert created.json()["external_id"] is None and created.json()["owner"] == kam_user.username


def test_an_admin_may_set_a_key(api_client_for, admin_user_):
    account = AccountFactory(external_id="ERP-1")
    response = api_client_for(admin_user_).patch(
        f"/api/v1/accounts/{account.pk}/", {"external_id": "ERP-9"}, format="json"
    )
    assert response.status_code == 200 and response.json()["external_id"] == "ERP-9"


def test_distributor_keys_are_the_erps_too(api_client_for, head_user):
    distributor = DistributorFactory(external_id="D-1")
    response = api_client_for(head_user).patch(
        f"/api/v1/distributors/{distributor.pk}/", {"external_id": "D-2"}, format="json"
    )
    assert response.status_code in (400, 403)
    distributor.refresh_from_db()
    assert distributor.external_id == "D-1"


def test_the_erp_links_a_prospect_and_its_next_push_updates_it(
    api_client_for, kam_user, integration_user
):
    prospect = (
        api_client_for(kam_user)
        .post("/api/v1/accounts/", {"name": "Prospect LLC"}, format="json")
        .json()
    )
    erp = api_client_for(integration_user)
    linked = erp.post(
        "/api/v1/erp/accounts/link/",
        {"account": prospect["id"], "external_id": "C-77"},
        format="json",
    )
    assert linked.status_code == 200
    assert linked.json() == {"id": prospect["id"], "external_id": "C-77", "changed": True}
    again = erp.post(
        "/api/v1/erp/accounts/link/",
        {"account": prospect["id"], "external_id": "C-77"},
        format="json",
    )
    assert again.json()["changed"] is False
    push = erp.post(
        "/api/v1/erp/accounts/",
        {"accounts": [{"external_id": "C-77", "name": "Prospect LLC (ERP)"}]},
        format="json",
    )
    assert push.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Account.objects.filter(name__startswith="Prospect").count() == 1
    log = list(ImportBatch.objects.filter(endpoint="accounts/link").values_list("http_status"))
    assert log == [(200,), (200,)]


def test_a_link_to_a_taken_key_or_a_linked_account_is_a_logged_409(
    api_client_for, integration_user
):
    AccountFactory(external_id="C-1")
    linked = AccountFactory(external_id="C-2")
    prospect = AccountFactory(external_id=None)
    erp = api_client_for(integration_user)
    taken = erp.post(
        "/api/v1/erp/accounts/link/",
        {"account": prospect.pk, "external_id": "C-1"},
        format="json",
    )
    assert taken.status_code == 409
    assert taken["Content-Type"] == "application/problem+json"
    assert taken.json()["errors"][0]["field"] == "external_id"
    moved = erp.post(
        "/api/v1/erp/accounts/link/",
        {"account": linked.pk, "external_id": "C-3"},
        format="json",
    )
    assert moved.status_code == 409 and moved.json()["errors"][0]["field"] == "account"
    prospect.refresh_from_db()
    assert prospect.external_id is None
    assert ImportBatch.objects.filter(endpoint="accounts/link", http_status=409).count() == 2


def test_only_the_erp_and_admins_link(api_client_for, head_user):
    prospect = AccountFactory(external_id=None)
    response = api_client_for(head_user).post(
        "/api/v1/erp/accounts/link/",
        {"account": prospect.pk, "external_id": "C-1"},
        format="json",
    )
    assert response.status_code == 403
