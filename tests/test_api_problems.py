"""Every API error is an RFC 9457 problem document, and every answer has an X-Request-ID."""

from __future__ import annotations

import pytest

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["instance"] == response.wsgi_request.path
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_field_errors_stay_members_and_are_listed(api_client_for, kam_user):
    response = api_client_for(kam_user).post("/api/v1/contacts/", {"email": "x"}, format="json")
    body = _is_problem(response, 400)
    # Clients written before problem details read the field's list; it is still there.
    assert body["account"] == ["This field is required."]
    assert {"field": "account", "message": "This field is required."} in body["errors"]
    assert "account" in body["detail"]


def test_a_field_named_like_a_problem_member_is_listed_not_overwritten(api_client_for, kam_user):
    account = AccountFactory(owner=kam_user)
    response = api_client_for(kam_user).post(
        "/api/v1/tenders/", {"account": account.pk}, format="json"
    )
    body = _is_problem(response, 400)
    assert body["title"] == "Bad Request"  # the problem's title, not the tender's
    assert any(e["field"] == "title" for e in body["errors"])


def test_not_found_unauthenticated_and_forbidden_are_problems(api_client_for, kam_user, other_kam):
    theirs = AccountFactory(owner=other_kam)
    client = api_client_for(kam_user)
    assert _is_problem(client.get(f"/api/v1/accounts/{theirs.pk}/"), 404)["detail"]
    assert _is_problem(client.get("/api/v1/no-such-thing/"), 404)
    assert _is_problem(api_client_for(None).get("/api/v1/accounts/"), 401)
    assert _is_problem(client.post("/api/v1/erp/accounts/", {}, format="json"), 403)


def test_form_bodies_are_refused_with_415(api_client_for, kam_user):
    response = api_client_for(kam_user).post("/api/v1/contacts/", {"name": "x"}, format="multipart")
    body = _is_problem(response, 415)
    assert "multipart/form-data" in body["detail"]


def test_erp_batch_errors_keep_their_items(api_client_for, integration_user):
    response = api_client_for(integration_user).post(
        "/api/v1/erp/accounts/", {"accounts": [{"external_id": "A-1"}]}, format="json"
    )
    body = _is_problem(response, 400)
    assert body["errors"] == [
        {"index": 0, "external_id": "A-1", "field": "name", "message": body["errors"][0]["message"]}
    ]


def test_request_id_is_echoed_when_sane_and_made_otherwise(api_client_for, kam_user):
    client = api_client_for(kam_user)
    sent = client.get("/api/v1/accounts/", HTTP_X_REQUEST_ID="erp-night-42")
    assert sent["X-Request-ID"] == "erp-night-42"
    made = client.get("/api/v1/accounts/", HTTP_X_REQUEST_ID="bad id\n<script>")
    assert made["X-Request-ID"] != "bad id\n<script>" and len(made["X-Request-ID"]) == 32
    assert client.get("/healthz")["X-Request-ID"]
