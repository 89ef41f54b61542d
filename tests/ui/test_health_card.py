"""The account page's health card in Chromium: score, band, each component's points and
sentence, the left-out ones and why, the history chart with its table; the score moves
when the KAM logs an interaction. Screenshots at 1280 and 375 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.health.compute import account_health_compute
from tests.accounts.workspace_data import build_account
from tests.factories import UserFactory
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def test_health_card_explains_the_score_and_follows_a_logged_interaction(
    page: Page, live_server, screenshot_dir
):
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")
    account = build_account(anna, i=1)
    today = timezone.localdate()
    for weeks in (8, 6, 4, 2, 0):
        account_health_compute(as_of=today - dt.timedelta(weeks=weeks), account_ids=[account.pk])
    sign_in(page, live_server, anna)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    card = page.locator("#health")
    expect(card.get_by_role("heading", name="Account health")).to_be_visible()
    expect(card.get_by_test_id("health-score")).to_be_visible()
    expect(card.locator("table.health-parts")).to_contain_text("Activity")
    expect(card).to_contain_text("Interactions in the last 90 days")
    expect(card).to_contain_text("Left out")
    expect(card.locator("#health-chart")).to_be_visible()
    before = card.get_by_test_id("health-score").inner_text()
    card.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "health-card-1280.png", full_page=True)
    card.screenshot(path=screenshot_dir / "health-card-only-1280.png")

    # Log an interaction with the decision maker: the page that answers shows a new score.
    page.goto(f"{live_server.url}/accounts/{account.pk}/#log")
    form = page.locator("#log-form")
    form.get_by_label("Summary").fill("Met the decision maker about next year")
    form.get_by_role("button", name="Save interaction").click()
    expect(page.locator("#log-form")).to_contain_text("Saved")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    after = page.locator("#health").get_by_test_id("health-score").inner_text()
    assert after != before

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#health").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "health-card-375.png", full_page=True)
    page.locator("#health").screenshot(path=screenshot_dir / "health-card-only-375.png")
