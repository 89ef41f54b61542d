"""Targets in Chromium at 1280 and 375 px: a KAM sets this year's target on the targets
page and sees its attainment on home; the head approves it. Screenshots of each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import AccountFactory, RevenueLineFactory, UserFactory
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def test_kam_sets_a_target_and_sees_attainment_on_home(page: Page, live_server, screenshot_dir):
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")
    head = UserFactory(username="sergey", first_name="Sergey", last_name="Volkov", role="head")
    account = AccountFactory(owner=anna, name="Uralkhim Trade", is_key=True)
    today = timezone.localdate()
    RevenueLineFactory(account=account, date=dt.date(today.year, 1, 1), amount=Decimal(300000))

    sign_in(page, live_server, anna)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    card = page.locator("#target-card")
    expect(card).to_contain_text(f"My target {today.year}")
    expect(card).to_contain_text("No target set")
    card.get_by_role("link", name="Targets").last.click()

    form = page.locator("#target-form")
    form.locator("select[name=account]").select_option(label="Uralkhim Trade")
    expect(form.locator("input[name=year]")).to_have_value(str(today.year))
    form.locator("select[name=quarter]").select_option(value="")
    form.locator("input[name=revenue_target]").fill("1200000")
    form.get_by_role("button", name="Save target").click()
    row = page.locator("#targets-table tbody tr").first
    expect(row).to_contain_text("Uralkhim Trade")
    expect(row).to_contain_text("25.0 %")
    expect(row).to_contain_text("Draft")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "targets-kam-1280.png", full_page=True)

    page.goto(f"{live_server.url}/")
    card = page.locator("#target-card")
    expect(card.locator("#target-attainment")).to_have_text("25.0 %")
    expect(card.locator("#target-amount")).to_have_text("1,200,000\xa0₽")
    expect(card.locator("#target-actual")).to_have_text("300,000\xa0₽")
    page.screenshot(path=screenshot_dir / "targets-home-1280.png", full_page=True)
    card.screenshot(path=screenshot_dir / "targets-card-1280.png")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#target-card #target-attainment")).to_have_text("25.0 %")
    page.screenshot(path=screenshot_dir / "targets-home-375.png", full_page=True)
    page.goto(f"{live_server.url}/targets/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "targets-kam-375.png", full_page=True)

    # The head approves it; the marker is gone and the row says who approved it.
    page.context.clear_cookies()
    sign_in(page, live_server, head)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/targets/")
    page.get_by_role("button", name="Approve the target of Uralkhim Trade").click()
    row = page.locator("#targets-table tbody tr").first
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("approved by Sergey Volkov")
    page.screenshot(path=screenshot_dir / "targets-head-1280.png", full_page=True)
    page.goto(f"{live_server.url}/portfolio/")
    expect(page.locator("#targets-by-kam")).to_contain_text("Anna Petrova")
    page.locator("#targets-rollup").screenshot(path=screenshot_dir / "targets-dashboard-1280.png")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/targets/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "targets-head-375.png", full_page=True)
