"""A KAM adds a contract with its signed PDF and sees its renewal on the calendar, on a
desktop and on a phone (375 px): nothing scrolls sideways but the tables' own boxes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from plans.models import Contract
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "375"])
def test_kam_adds_a_contract_with_a_document_and_sees_its_renewal_on_the_calendar(
    page: Page, live_server, anna, account, screenshot_dir, settings, tmp_path, size
):
    settings.MEDIA_ROOT = tmp_path
    width = size["width"]
    today = timezone.localdate()
    end = today + dt.timedelta(days=45)
    sign_in(page, live_server, anna)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    panel = page.locator("section", has=page.locator("#contracts-h"))
    panel.get_by_role("link", name="New contract").click()
    expect(page.get_by_role("heading", name="New contract")).to_be_visible()
    page.get_by_label("Number").fill(f"FA-{width}")
    page.get_by_label("Title").fill("Frame supply agreement")
    page.get_by_label("Kind").select_option("frame")
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Start date").fill((today - dt.timedelta(days=300)).isoformat())
    page.get_by_label("End date").fill(end.isoformat())
    page.get_by_label("Notice period, days").fill("20")
    page.get_by_label("Annual value").fill("2400000")
    no_sideways_scroll(page, width)
    page.screenshot(path=screenshot_dir / f"contract-form-{width}.png", full_page=True)
    page.get_by_role("button", name="Create contract").click()
    expect(page.get_by_role("heading", name=re.compile(f"FA-{width}"))).to_be_visible()
    contract = Contract.objects.get(number=f"FA-{width}")

    # A text file is refused beside the field; the PDF is attached.
    upload = page.get_by_label("Document (PDF, DOCX or XLSX)")
    upload.set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#document-form")).to_contain_text("Upload a PDF, DOCX or XLSX file")
    page.get_by_label("Document (PDF, DOCX or XLSX)").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Upload").click()
    link = page.get_by_role("link", name="signed.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "signed.pdf"
    no_sideways_scroll(page, width)
    page.screenshot(path=screenshot_dir / f"contract-detail-{width}.png", full_page=True)

    # Home: renewing soon (the notice date is in 25 days).
    page.goto(f"{live_server.url}/")
    expect(page.locator("#renewing-card")).to_contain_text(f"FA-{width}")
    no_sideways_scroll(page, width)

    page.goto(f"{live_server.url}/calendar/?weeks=8")
    notice = page.locator("li", has_text="Contract notice date").filter(has_text=f"FA-{width}")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Last day to give notice")
    ends = page.locator("li", has_text="The contract's last day").filter(has_text=f"FA-{width}")
    expect(ends).to_be_visible()
    no_sideways_scroll(page, width)
    page.screenshot(path=screenshot_dir / f"contract-calendar-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/contracts/")
    expect(page.locator("#contracts-table")).to_contain_text(contract.number)
    no_sideways_scroll(page, width)
    page.screenshot(path=screenshot_dir / f"contracts-list-{width}.png", full_page=True)
