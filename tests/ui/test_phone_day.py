"""A KAM's day on a phone (375 px) and at a desk (1280 px), on Debian's Chromium: log a
meeting and see the confirmation without scrolling, find a contact from the top bar by a
part of her phone number or her name typed with е for ё, call her, and close a next step
from the calendar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Interaction
from plans.calendar import feed_token
from tests.factories import ContactFactory, InteractionFactory
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["375", "1280"])
def test_logging_a_meeting_confirms_it_in_view_and_undo_takes_it_back(
    page: Page, live_server, anna, account, screenshot_dir, size
):
    sign_in(page, live_server, anna)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.mouse.wheel(0, 2000)  # deep in the page: the log button is still there
    fab = page.locator("a.fab")
    expect(fab).to_be_visible()
    assert in_viewport(page, "a.fab")
    fab.click()
    expect(page.get_by_label("Summary")).to_be_visible()
    # The form opens at the top: its first fields are on the first screen.
    assert page.locator("#log-form").bounding_box()["y"] < size["height"] / 2
    page.get_by_label("Call").check()
    page.get_by_label("Summary").fill("Agreed the spring volumes")
    page.get_by_role("button", name="Save interaction").click()

    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/#timeline$"))
    toast = page.locator(".toast")
    expect(toast).to_contain_text("Interaction logged.")
    assert in_viewport(page, ".toast")  # where the page has scrolled to the timeline
    page.screenshot(path=screenshot_dir / f"kam-logged-toast-{size['width']}.png")
    expect(page.locator("#timeline")).to_contain_text("Agreed the spring volumes")

    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast")).to_contain_text("Interaction removed")
    expect(page.locator("#timeline")).not_to_contain_text("Agreed the spring volumes")
    assert not Interaction.objects.filter(summary="Agreed the spring volumes").exists()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_top_bar_finds_a_contact_by_phone_digits_and_by_name_typed_with_e(
    page: Page, live_server, anna, account, screenshot_dir, size
):
    ContactFactory(
        account=account,
        name="Алёна Фёдорова",
        position="Head of purchasing",
        phone="+7 (916) 204-33-81",
        email="alena@client.example",
    )
    sign_in(page, live_server, anna)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/")
    box = page.get_by_role("searchbox", name="Search accounts, contacts and tenders")
    box.fill("204 33")
    box.press("Enter")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Алёна Фёдорова")
    expect(results).to_contain_text("Client 001")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=screenshot_dir / f"kam-search-{size['width']}.png", full_page=True)

    field = page.get_by_label("Accounts, contacts and tenders: a name, tax id, phone or e-mail")
    with page.expect_response(re.compile(r"/search/\?q=")):
        field.fill("алена федорова")  # е for ё, answered as she types (htmx)
    expect(results.get_by_role("link", name="Алёна Фёдорова")).to_be_visible()

    results.get_by_role("link", name="Алёна Фёдорова").click()
    call = page.get_by_role("link", name=re.compile("Call"))
    expect(call).to_have_attribute("href", "tel:+7(916)204-33-81")
    expect(page.get_by_role("link", name=re.compile("Write"))).to_have_attribute(
        "href", "mailto:alena@client.example"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=screenshot_dir / f"kam-contact-{size['width']}.png", full_page=True)


def test_closing_a_next_step_from_the_calendar_on_a_phone(
    page: Page, live_server, anna, account, screenshot_dir
):
    step = InteractionFactory(
        account=account,
        author=anna,
        occurred_at=timezone.now() - dt.timedelta(days=30),
        next_step="Call back about the trial",
        next_step_due=timezone.localdate() - dt.timedelta(days=20),
    )
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/calendar/")
    today = page.locator(".calendar-day").first
    item = today.locator("li", has_text="Call back about the trial")
    expect(item.locator(".badge.overdue")).to_be_visible()
    page.screenshot(path=screenshot_dir / "kam-calendar-375.png", full_page=True)

    item.get_by_role("button", name="Mark “Call back about the trial” done").click()
    expect(item.get_by_role("button", name=re.compile("Undo"))).to_be_visible()
    step.refresh_from_db()
    assert step.next_step_status == "done"
    feed = page.request.get(
        live_server.url + reverse("plans:calendar-feed", args=[anna.pk, feed_token(anna)])
    )
    assert "Call back about the trial" not in feed.text()
    page.reload()
    expect(page.locator("body")).not_to_contain_text("Call back about the trial")
