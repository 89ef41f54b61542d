"""The account page as a browser shows it: the page, then each panel that htmx fetches
right after it (accounts/panels.py), swapped in where its placeholder stood."""

from __future__ import annotations

import re
from html import unescape

from django.test import Client
from django.urls import reverse

PLACEHOLDER = re.compile(
    r'<(section|div)[^>]*class="[^"]*lazy-panel[^"]*"[^>]*hx-get="([^"]+)"[^>]*>.*?</\1>', re.S
)


def account_page(client: Client, pk: int, **params) -> str:
    """The account page's HTML with every panel in place (each fetched as htmx does)."""
    response = client.get(reverse("accounts:detail", args=[pk]), params)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()

    def panel(match: re.Match) -> str:
        url = unescape(match.group(2))
        answer = client.get(url, headers={"HX-Request": "true"})
        assert answer.status_code == 200, (url, answer.status_code)
        return answer.content.decode()

    return PLACEHOLDER.sub(panel, html)


def account_page_queries(client: Client, pk: int) -> dict[str, int]:
    """How many queries the page and each of its panels run: {"page": n, "<panel>": n}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("accounts:detail", args=[pk])).content.decode()
    counts = {"page": len(page.captured_queries)}
    for match in PLACEHOLDER.finditer(html):
        url = unescape(match.group(2))
        with CaptureQueriesContext(connection) as panel:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200, url
        counts[url.rstrip("/").rsplit("/", 1)[-1]] = len(panel.captured_queries)
    return counts
