"""The contracts API: CRUD with filters, documents (multipart upload, download, delete)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from plans.models import Contract, ContractDocument
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def kam():
    return f.UserFactory(role="kam")


@pytest.fixture
def contract(kam):
    return f.ContractFactory(account=f.AccountFactory(owner=kam))


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client, contract, name: str, content: bytes):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        f"/api/v1/contracts/{contract.pk}/documents/", {"file": file}, format="multipart"
    )


def test_kam_creates_filters_and_deletes_contracts(kam):
    account = f.AccountFactory(owner=kam)
    client = client_for(kam)
    today = timezone.localdate()
    body = {
        "account": account.pk,
        "number": "FA-2026/1",
        "title": "Frame agreement",
        "kind": "frame",
        "status": "active",
        "start_date": str(today - dt.timedelta(days=200)),
        "end_date": str(today + dt.timedelta(days=80)),
        "notice_days": 30,
        "annual_value": "1000000.00",
    }
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["notice_date"] == str(today + dt.timedelta(days=50))
    assert created["renewing"] is True and created["currency"] == "RUB"
    f.ContractFactory(account=account, status="draft")
    assert client.get("/api/v1/contracts/?renewing=true").json()["count"] == 1
    assert client.get("/api/v1/contracts/?status=draft").json()["count"] == 1
    assert client.get("/api/v1/contracts/?kind=frame").json()["count"] == 1
    ends_before = str(today + dt.timedelta(days=100))
    assert client.get(f"/api/v1/contracts/?ends_before={ends_before}").json()["count"] == 1
    assert client.get(f"/api/v1/contracts/?account={account.pk}").json()["count"] == 2
    bad = client.patch(
        f"/api/v1/contracts/{created['id']}/", {"end_date": body["start_date"]}, format="json"
    )
    assert bad.status_code == 400 and "end_date" in bad.json()
    history = client.get(f"/api/v1/contracts/{created['id']}/history/").json()
    assert history["results"][0]["type"] == "created"
    assert client.delete(f"/api/v1/contracts/{created['id']}/").status_code == 204
    assert not Contract.objects.filter(pk=created["id"]).exists()


def test_document_is_served_to_the_accounts_kam_and_head_not_another_kam(kam, contract):
    response = upload(client_for(kam), contract, "signed.pdf", PDF)
    assert response.status_code == 201, response.json()
    doc = response.json()
    url = f"/api/v1/contracts/{contract.pk}/documents/{doc['id']}/"
    assert doc["url"] == url and doc["size"] == len(PDF)
    for user in (kam, f.UserFactory(role="head")):
        got = client_for(user).get(url)
        assert got.status_code == 200
        assert b"".join(got.streaming_content) == PDF
        assert got["Content-Disposition"].startswith("attachment")
        assert got["X-Content-Type-Options"] == "nosniff"
        assert got["Content-Type"] == "application/pdf"
    other = client_for(f.UserFactory(role="kam"))
    assert other.get(url).status_code == 404
    assert other.get(f"/api/v1/contracts/{contract.pk}/documents/").status_code == 404
    assert other.delete(url).status_code == 404
    assert upload(other, contract, "x.pdf", PDF).status_code == 404
    assert client_for(f.UserFactory(role="integration")).get(url).status_code == 403
    listed = client_for(kam).get(f"/api/v1/contracts/{contract.pk}/documents/").json()
    assert [d["name"] for d in listed] == ["signed.pdf"]
    assert client_for(kam).delete(url).status_code == 204
    assert not ContractDocument.objects.exists()


@override_settings(CONTRACT_DOCUMENT_MAX_BYTES=1000)
def test_oversized_and_wrong_type_uploads_are_refused_naming_the_field(kam, contract):
    client = client_for(kam)
    too_big = upload(client, contract, "big.pdf", PDF + b"0" * 2000)
    assert too_big.status_code == 400
    assert too_big["Content-Type"].startswith("application/problem+json")
    assert "most accepted" in too_big.json()["file"][0]
    renamed = upload(client, contract, "script.pdf", b"<html><script>alert(1)</script>")
    assert renamed.status_code == 400 and "not a PDF" in renamed.json()["file"][0]
    exe = upload(client, contract, "setup.exe", PDF)
    assert exe.status_code == 400 and "PDF, DOCX or XLSX" in exe.json()["file"][0]
    pdf_as_xlsx = upload(client, contract, "numbers.xlsx", PDF)
    assert pdf_as_xlsx.status_code == 400
    assert upload(client, contract, "numbers.xlsx", xlsx_bytes()).status_code == 201
    as_json = client.post(
        f"/api/v1/contracts/{contract.pk}/documents/", {"file": "x"}, format="json"
    )
    assert as_json.status_code == 415
    assert ContractDocument.objects.count() == 1


@override_settings(CONTRACT_DOCUMENT_MAX_BYTES=1000)
def test_an_upload_too_large_to_hold_a_document_is_a_413_problem(kam, contract):
    response = upload(client_for(kam), contract, "huge.pdf", PDF + b"0" * (1000 + 70 * 1024))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert "the most accepted is 1000" in response.json()["detail"]
    assert not ContractDocument.objects.exists()
