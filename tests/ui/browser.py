"""What the browser tests share: the two widths and signing in by session cookie (the
sign-in form has its own test, tests/ui/test_kam_workspace.py)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def sign_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
