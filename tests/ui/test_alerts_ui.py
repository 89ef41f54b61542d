"""The bell and the notifications list in a real browser, at 1280 and 375 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from plans.models import AccountPlan
from reports.alerts.services import alerts_evaluate
from reports.models import Notification
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    SurveyFactory,
    TenderFactory,
    UserFactory,
)
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anna(transactional_db):
    """A KAM whose accounts tripped three rules last night."""
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova")
    today = timezone.localdate()
    volga = AccountFactory(owner=anna, name="Volga Foods")
    plan = AccountPlanFactory(account=volga, status=AccountPlan.Status.ACTIVE)
    ActionFactory(plan=plan, description="Send the revised price list", due=today - dt.timedelta(2))
    SurveyFactory(account=AccountFactory(owner=anna, name="Kama Tyres"), nps=4, date=today)
    TenderFactory(
        account=AccountFactory(owner=anna, name="Северсталь-Снаб"),
        title="Насосы 2027",
        submission_deadline=timezone.now() + dt.timedelta(days=3),
    )
    alerts_evaluate(as_of=today)
    return anna


def test_bell_counts_and_the_list_marks_read(page: Page, live_server, anna, screenshot_dir):
    assert Notification.objects.filter(recipient=anna).count() == 3
    sign_in(page, live_server, anna)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 3 unread")
    expect(bell.locator(".bell-count")).to_have_text("3")
    page.screenshot(path=screenshot_dir / "alerts-bell-1280.png")

    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    rows = page.locator(".notification-list li.notification")
    expect(rows).to_have_count(3)
    expect(page.locator(".notification-list")).to_contain_text("Send the revised price list")
    expect(page.locator(".notification-list")).to_contain_text("NPS 4")
    expect(page.locator(".notification-list")).to_contain_text("Насосы 2027")
    page.screenshot(path=screenshot_dir / "alerts-list-1280.png", full_page=True)

    # Mark one read with htmx: its row and the bell change, the page stays.
    first = rows.first
    first.get_by_role("button", name="Mark read").click()
    expect(page.locator("#bell .bell-count")).to_have_text("2")
    expect(page.locator(".notification-list li.unread")).to_have_count(2)

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "alerts-list-375.png", full_page=True)

    page.get_by_role("button", name="Mark all read").click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator(".notification-list li.unread")).to_have_count(0)
    expect(page.locator("#bell .bell-count")).to_have_count(0)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "alerts-bell-375.png")


def test_the_list_in_russian(page: Page, live_server, anna, screenshot_dir):
    anna.language = "ru"
    anna.save()
    Notification.objects.all().delete()
    # The survey and the tender conditions clear (60 days on) and come back: they fire
    # again, written in Russian now.
    alerts_evaluate(as_of=timezone.localdate() + dt.timedelta(days=60))
    alerts_evaluate(as_of=timezone.localdate())
    sign_in(page, live_server, anna)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_role("heading", name="Уведомления")).to_be_visible()
    expect(page.locator(".notification-list")).to_contain_text("Опрос критика")
    expect(page.locator(".notification-list")).to_contain_text("приём заявок по тендеру")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "alerts-list-ru-375.png", full_page=True)


def test_head_changes_a_threshold(page: Page, live_server, screenshot_dir):
    head = UserFactory(username="head", role="head")
    sign_in(page, live_server, head)
    for size, name in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/alerts/settings/")
        expect(page.get_by_role("heading", name="Alert thresholds")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        page.screenshot(path=screenshot_dir / f"alerts-settings-{name}.png", full_page=True)
    page.get_by_label("Tender deadline within days").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Thresholds saved")).to_be_visible()
    from reports.models import AlertSettings

    assert AlertSettings.objects.get().tender_days == 3
    page.goto(f"{live_server.url}/notifications/preferences/")
    page.screenshot(path=screenshot_dir / "alerts-preferences-375.png", full_page=True)
