"""Bounded requests: a body over its cap is refused unread; JSON too deep is a 400, not a 500.

Caps (kam.middleware, settings API_MAX_BODY_BYTES / DATA_UPLOAD_MAX_MEMORY_SIZE): the API
takes 1 MiB, form posts 1 MiB, the ERP endpoints 32 MB (reports.erp.batches.MAX_BODY_BYTES).
"""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from accounts.models import Account, Contact, Interaction
from kam.api.parsers import json_depth_exceeds
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


class UnreadableBody(io.RawIOBase):
    """A request body that records any attempt to read it."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = io.BytesIO(data)
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.reads += 1
        return self.data.readinto(buffer)


@pytest.fixture
def kam_api(kam_user, api_client_for):
    return api_client_for(kam_user)


@pytest.fixture
def account(kam_user):
    return AccountFactory(owner=kam_user)


def contact_body(account) -> bytes:
    return json.dumps({"account": account.pk, "name": "Irina Petrova"}).encode()


# --- Size -------------------------------------------------------------------------------
def test_api_body_declared_over_1_mib_is_413_problem_details_and_never_read(kam_api, account):
    body = UnreadableBody(contact_body(account))
    response = kam_api.generic(
        "POST",
        "/api/v1/contacts/",
        content_type="application/json",
        CONTENT_LENGTH=str(50 * MIB),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["title"] == "Request Entity Too Large"
    assert problem["status"] == 413
    assert problem["detail"] == (
        "The request body is 52428800 bytes; the most accepted here is 1048576 bytes."
    )
    assert problem["max_body_bytes"] == MIB
    assert body.reads == 0, "the body must not be read"
    assert not Contact.objects.exists(), "the view must not have run"


def test_api_body_within_the_cap_is_served(kam_api, account):
    response = kam_api.post(
        "/api/v1/contacts/", data=contact_body(account), content_type="application/json"
    )
    assert response.status_code == 201
    assert Contact.objects.filter(name="Irina Petrova").exists()


def test_the_api_cap_comes_from_settings(kam_api, account, settings):
    settings.API_MAX_BODY_BYTES = 20
    response = kam_api.post(
        "/api/v1/contacts/", data=contact_body(account), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["max_body_bytes"] == 20
    assert not Contact.objects.exists()


def test_api_body_without_a_length_is_411_problem_details_unread(kam_api, account):
    body = UnreadableBody(contact_body(account))
    response = kam_api.generic(
        "POST",
        "/api/v1/contacts/",
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )
    assert response.status_code == 411
    assert response["Content-Type"] == "application/problem+json"
    assert "Content-Length" in response.json()["detail"]
    assert body.reads == 0
    assert not Contact.objects.exists()


def test_form_post_over_the_cap_is_a_413_page_and_never_read(client, kam_user, account):
    client.force_login(kam_user)
    body = UnreadableBody(b"summary=x")
    response = client.generic(
        "POST",
        reverse("accounts:log", args=[account.pk]),
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(2 * MIB),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "The request was not accepted" in response.content.decode()
    assert "2.0\xa0MB" in response.content.decode()  # filesizeformat's non-breaking space
    assert body.reads == 0
    assert not Interaction.objects.exists()


def test_login_form_over_the_cap_is_refused_too(client):
    response = client.generic(
        "POST",
        "/login/",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(MIB + 1),
        **{"wsgi.input": UnreadableBody(b"username=a&password=b")},
    )
    assert response.status_code == 413
    assert "The request was not accepted" in response.content.decode()


# --- ERP: its own 32 MB ---------------------------------------------------------------
@pytest.fixture
def erp(integration_user, api_client_for):
    return api_client_for(integration_user)


def test_erp_accepts_a_2_mb_batch(erp):
    """Over the API's 1 MiB, well within the ERP's 32 MB: long names, pretty-printed."""
    accounts = [
        {
            "external_id": f"C{n:05d}-" + "x" * 57,
            "name": f"Client {n:05d} " + "n" * 242,
            "legal_name": f"Client {n:05d} LLC " + "l" * 238,
            "tax_id": f"{n:032d}",
        }
        for n in range(2800)
    ]
    body = json.dumps({"accounts": accounts}, indent=4).encode()
    assert 2_000_000 < len(body) < 2_200_000
    response = erp.post(reverse("api:erp-accounts"), data=body, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == 2800
    assert Account.objects.count() == 2800


def test_erp_body_over_its_32_mb_keeps_the_erp_answer_and_is_never_read(erp):
    body = UnreadableBody(b'{"accounts": []}')
    response = erp.generic(
        "POST",
        reverse("api:erp-accounts"),
        content_type="application/json",
        CONTENT_LENGTH=str(33 * MIB),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["errors"][0]["message"]
    assert body.reads == 0


# --- JSON depth ---------------------------------------------------------------------------
def nested(depth: int) -> str:
    """A JSON value of lists `depth` deep."""
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_api_json_nested_too_deep_is_a_400_naming_the_problem(kam_api, account, depth):
    body = f'{{"account": {account.pk}, "name": "P", "position": {nested(depth)}}}'
    response = kam_api.post("/api/v1/contacts/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "more than 64 deep" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_api_json_within_the_depth_is_judged_by_the_serializer(kam_api, account):
    body = f'{{"account": {account.pk}, "name": "P", "position": {nested(63)}}}'
    response = kam_api.post("/api/v1/contacts/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "position" in response.json()  # the field is named, not the nesting


@pytest.mark.parametrize(
    "value, limit, deeper",
    [
        ([], 1, False),
        ([[]], 1, True),
        ({"a": [{"b": []}]}, 3, True),
        ({"a": [{"b": []}]}, 4, False),
        ([1, "x", [2, {"c": None}]], 3, False),
        ([[[]], []], 2, True),
    ],
)
def test_json_depth_exceeds(value, limit, deeper):
    assert json_depth_exceeds(value, limit) is deeper
