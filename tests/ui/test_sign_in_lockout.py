"""The login lockout as a person meets it, in the browser (Debian's Chromium)."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def test_too_many_wrong_passwords_show_why_and_for_how_long(
    page: Page, live_server, screenshot_dir
):
    UserFactory(username="anna", role="kam")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("anna")
        page.get_by_label("Password").fill("not-her-password")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password").fill("pass-word-123")  # the right one, too late
    page.get_by_role("button", name="Sign in").click()
    alert = page.locator("#locked-out")
    expect(alert).to_contain_text("Too many failed sign-in attempts")
    expect(alert).to_contain_text("15 minutes")
    expect(page.get_by_label("Username")).to_have_value("anna")
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    page.screenshot(path=screenshot_dir / "sign-in-locked-out-phone.png", full_page=True)
