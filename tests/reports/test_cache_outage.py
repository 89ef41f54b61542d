"""The head's cached panels when the cache (Redis) is down, and when it is up.

Redis down must cost speed, never an answer: the panels are computed instead of read.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from django.core.cache import cache
from django.urls import reverse

from reports.metrics.periods import parse_period
from reports.portfolio.cache import _key, _scope
from tests.factories import (
    AccountFactory,
    DistributorFactory,
    DistributorLinkFactory,
    ProductCategoryFactory,
    RevenueLineFactory,
)
from tests.reports.portfolio_builders import build_period

pytestmark = pytest.mark.django_db

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "kam-test-outage",
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }


@pytest.fixture
def portfolio(kam_user):
    big = AccountFactory(external_id="A-BIG", name="Big Buyer", owner=kam_user)
    small = AccountFactory(external_id="A-SMALL", name="Small Shop", owner=kam_user)
    build_period("2024", "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31), {big: 100, small: 900})
    build_period("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31), {big: 900, small: 100})
    category = ProductCategoryFactory(code="C1")
    distributor = DistributorFactory(name="Volga Supply")
    DistributorLinkFactory(distributor=distributor, account=big)
    RevenueLineFactory(
        account=big,
        category=category,
        date=dt.date(2025, 3, 1),
        amount=900,
        distributor=distributor,
    )
    return {"big": big, "small": small}


def heavy_pages(client, head_user):
    client.force_login(head_user)
    return {
        "dashboard": client.get(reverse("reports:dashboard"), {"period": "2025"}),
        "tiers": client.get(reverse("reports:dashboard-panel", args=["tiers"]), {"period": "2025"}),
        "heatmap": client.get(
            reverse("reports:dashboard-panel", args=["heatmap"]), {"period": "2025"}
        ),
        "distributors": client.get(reverse("reports:distributors"), {"period": "2025"}),
    }


def test_with_redis_down_the_heads_pages_are_computed_not_500(
    client, head_user, portfolio, settings, caplog
):
    settings.CACHES = redis_cache(CLOSED_REDIS)
    with caplog.at_level(logging.WARNING, logger="kam.cache"):
        pages = heavy_pages(client, head_user)
    assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
    tiers = pages["tiers"].context["dash"]
    assert {m["external_id"] for m in tiers.moved_up} == {"A-BIG"}
    assert "Volga Supply" in pages["distributors"].content.decode()
    # One warning, not one per cache call, for the whole outage.
    warnings = [r for r in caplog.records if r.name == "kam.cache"]
    assert len(warnings) == 1 and "cache unavailable" in warnings[0].getMessage()


@pytest.mark.redis
def test_with_redis_up_a_panel_is_computed_once_then_read_from_redis(
    client, head_user, portfolio, settings
):
    settings.CACHES = redis_cache(os.environ["REDIS_URL"])
    cache.clear()
    try:
        first = heavy_pages(client, head_user)["tiers"]
        key = _key("tiers", parse_period("2025"), _scope(head_user))
        assert cache.get(key) is not None  # really stored in Redis
        client.force_login(head_user)
        again = client.get(reverse("reports:dashboard-panel", args=["tiers"]), {"period": "2025"})
        assert again.context["dash"].moved_up == first.context["dash"].moved_up
    finally:
        cache.clear()
