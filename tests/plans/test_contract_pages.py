"""Contract pages: list, form, detail with documents, the account's panel, home's card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from plans.models import Contract, ContractDocument
from plans.services import document_add
from tests import factories as f
from tests.account_page import account_page

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mine(kam_user):
    account = f.AccountFactory(owner=kam_user, name="Own Client")
    return f.ContractFactory(account=account, number="OWN-1")


@pytest.fixture
def theirs(other_kam):
    return f.ContractFactory(account=f.AccountFactory(owner=other_kam), number="THEIRS-1")


def test_kam_lists_their_contracts_head_lists_all(
    kam_user, head_user, mine, theirs, django_assert_max_num_queries
):
    for _ in range(5):
        f.ContractFactory(account=mine.account)
    client = signed_in(kam_user)
    with django_assert_max_num_queries(12):
        page = client.get("/contracts/").content.decode()
    assert "OWN-1" in page and "THEIRS-1" not in page
    everything = signed_in(head_user).get("/contracts/").content.decode()
    assert "OWN-1" in everything and "THEIRS-1" in everything
    assert 'class="table-wrap" tabindex="0"' in everything


def test_filters_by_status_and_renewing(kam_user, mine):
    today = timezone.localdate()
    soon = f.ContractFactory(
        account=mine.account, number="SOON-1", end_date=today + dt.timedelta(days=50)
    )
    f.ContractFactory(account=mine.account, number="DRAFT-1", status="draft")
    client = signed_in(kam_user)
    renewing = client.get("/contracts/", {"renewing": "on"}).content.decode()
    assert soon.number in renewing and "OWN-1" not in renewing
    drafts = client.get("/contracts/", {"status": "draft"}).content.decode()
    assert "DRAFT-1" in drafts and "OWN-1" not in drafts


def test_kam_creates_and_edits_a_contract_with_errors_beside_fields(kam_user):
    account = f.AccountFactory(owner=kam_user)
    client = signed_in(kam_user)
    form = {
        "account": account.pk,
        "number": "N-7",
        "title": "Service",
        "kind": "service",
        "status": "signed",
        "start_date": "2026-01-01",
        "end_date": "2025-06-01",
        "notice_days": "30",
        "currency": "rub",
    }
    refused = client.post("/contracts/new/", form)
    assert refused.status_code == 200
    assert "ends on or before it starts" in refused.content.decode()
    response = client.post("/contracts/new/", {**form, "end_date": "2027-01-01"})
    contract = Contract.objects.get(number="N-7")
    assert response["Location"] == f"/contracts/{contract.pk}/"
    assert contract.currency == "RUB"
    edited = client.post(f"/contracts/{contract.pk}/edit/", {**form, "end_date": "2027-06-01"})
    assert edited.status_code == 302
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2027, 6, 1)


def test_document_download_for_kam_and_head_404_for_another_kam(
    kam_user, head_user, other_kam, mine
):
    document = document_add(user=kam_user, contract=mine, file=SimpleUploadedFile("deal.pdf", PDF))
    url = f"/contracts/{mine.pk}/documents/{document.pk}/"
    detail = signed_in(kam_user).get(f"/contracts/{mine.pk}/").content.decode()
    assert url in detail and "deal.pdf" in detail
    for user in (kam_user, head_user):
        response = signed_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"] == 'attachment; filename="deal.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
    assert signed_in(other_kam).get(url).status_code == 404
    assert signed_in(other_kam).get(f"/contracts/{mine.pk}/").status_code == 404
    assert signed_in(other_kam).post(f"{url}delete/").status_code == 404
    assert ContractDocument.objects.count() == 1


@override_settings(CONTRACT_DOCUMENT_MAX_BYTES=1000)
def test_upload_form_refuses_oversized_and_wrong_type_beside_the_field(kam_user, mine):
    client = signed_in(kam_user)
    url = f"/contracts/{mine.pk}/documents/"
    big = client.post(url, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)})
    assert big.status_code == 400
    assert "the most accepted is 1000" in big.content.decode()
    wrong = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert wrong.status_code == 400 and "PDF, DOCX or XLSX" in wrong.content.decode()
    ok = client.post(url, {"file": SimpleUploadedFile("deal.pdf", PDF)})
    assert ok.status_code == 302
    assert [d.name for d in mine.documents.all()] == ["deal.pdf"]


def test_account_page_shows_contracts_and_home_shows_renewing(kam_user, mine):
    today = timezone.localdate()
    renewing = f.ContractFactory(
        account=mine.account, number="RN-1", end_date=today + dt.timedelta(days=40), notice_days=20
    )
    client = signed_in(kam_user)
    panels = account_page(client, mine.account_id)
    assert 'id="contracts-h"' in panels and "OWN-1" in panels
    home = client.get("/").content.decode()
    card = home.split('id="renewing-card"')[1].split("</div>\n</div>")[0]
    assert renewing.number in card and "OWN-1" not in card


def test_contract_delete_removes_its_documents(
    kam_user, mine, tmp_path, django_capture_on_commit_callbacks
):
    document = document_add(user=kam_user, contract=mine, file=SimpleUploadedFile("deal.pdf", PDF))
    stored = tmp_path / document.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(kam_user).post(f"/contracts/{mine.pk}/delete/")
    assert response.status_code == 302
    assert not Contract.objects.filter(pk=mine.pk).exists()
    assert not stored.exists()


def test_calendar_and_ics_feed_show_the_renewal_dates(kam_user, other_kam, client):
    from icalendar import Calendar

    from plans.calendar import feed_token

    today = timezone.localdate()
    account = f.AccountFactory(owner=kam_user, name="Renewing Client")
    contract = f.ContractFactory(
        account=account,
        number="R-9",
        title="Frame",
        end_date=today + dt.timedelta(days=20),
        notice_days=10,
        auto_renewal=True,
    )
    f.ContractFactory(  # another KAM's: not on this calendar
        account=f.AccountFactory(owner=other_kam), end_date=today + dt.timedelta(days=15)
    )
    page = signed_in(kam_user).get("/calendar/")
    items = [i for _, day in page.context["days"] for i in day if i.kind.startswith("contract")]
    assert [(i.kind, i.day) for i in items] == [
        ("contract_notice", today + dt.timedelta(days=10)),
        ("contract_end", today + dt.timedelta(days=20)),
    ]
    html = page.content.decode()
    assert "Contract notice date" in html and "Last day to give notice" in html
    feed = client.get(f"/calendar/{kam_user.pk}/{feed_token(kam_user)}.ics")
    events = {
        str(e["UID"]): e
        for e in Calendar.from_ical(feed.content).walk("VEVENT")
        if str(e["UID"]).startswith("contract-")
    }
    notice = events[f"contract-notice-{contract.pk}-{contract.notice_date.isoformat()}@kam"]
    assert notice.decoded("DTSTART") == contract.notice_date
    assert "R-9 Frame" in str(notice["SUMMARY"]) and "Renewing Client" in str(notice["SUMMARY"])
    assert "renews by itself" in str(notice["DESCRIPTION"])
    end = events[f"contract-end-{contract.pk}-{contract.end_date.isoformat()}@kam"]
    assert end.decoded("DTSTART") == contract.end_date
    assert len(events) == 2


@override_settings(CONTRACT_DOCUMENT_MAX_BYTES=1000)
def test_an_upload_too_large_to_hold_a_document_is_refused_before_it_is_read(kam_user, mine):
    # Past the largest document and its multipart envelope: answered from the declared length.
    body = SimpleUploadedFile("huge.pdf", PDF + b"0" * (1000 + 70 * 1024))
    response = signed_in(kam_user).post(f"/contracts/{mine.pk}/documents/", {"file": body})
    assert response.status_code == 413
    assert "the most accepted is 1000" in response.content.decode()
    assert not ContractDocument.objects.exists()
