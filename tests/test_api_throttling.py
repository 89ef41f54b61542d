"""API rate limits: 429 with Retry-After and a problem-details body, per client kind."""

from __future__ import annotations

import json
import os
import secrets
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from kam.api.throttling import FixedWindowThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLOSED_REDIS = "redis://127.0.0.1:1/0"
SCHEMA = "/api/schema/?format=json"  # the one API view open to anonymous clients


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The throttles' clock stands still a second into an hour (so into a minute too): a
    test's requests all fall in one window, however slow the machine."""
    now = (int(time.time()) // 3600) * 3600 + 1.0
    monkeypatch.setattr(FixedWindowThrottle, "timer", lambda self: now)
    return now


@pytest.fixture
def rates(settings):
    """rates(token="3/min", …): the given rates, the others as configured."""

    def set_rates(**changed: str) -> None:
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {
            **framework["DEFAULT_THROTTLE_RATES"],
            **changed,
        }
        settings.REST_FRAMEWORK = framework

    return set_rates


def with_token(key: str, ip: str = "127.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_throttled(response, limit_window_s: int = 60) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].split(";")[0].endswith("json")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= limit_window_s
    body = json.loads(response.content)
    assert body["status"] == 429 and body["retry_after"] == retry_after
    assert body["title"] == "Too Many Requests"  # RFC 9457: the status's own phrase
    assert body["detail"].startswith("Request was throttled.")


def test_a_token_gets_429_past_its_rate_and_other_tokens_do_not(rates):
    rates(token="3/min")
    mine = with_token(api_token_issue(user=UserFactory(username="a", role="head")))
    theirs = with_token(api_token_issue(user=UserFactory(username="b", role="head")))
    assert [mine.get("/api/v1/accounts/").status_code for _ in range(3)] == [200] * 3
    assert_throttled(mine.get("/api/v1/accounts/"))
    assert theirs.get("/api/v1/accounts/").status_code == 200


def test_the_window_ends_and_the_client_may_go_on(rates, monkeypatch, _clock):
    rates(token="2/min")
    client = with_token(api_token_issue(user=UserFactory(username="a", role="head")))
    for _ in range(2):
        client.get("/api/v1/accounts/")
    response = client.get("/api/v1/accounts/")
    assert_throttled(response)
    assert int(response["Retry-After"]) == 59
    later = _clock + 59
    monkeypatch.setattr(FixedWindowThrottle, "timer", lambda self: later)
    assert client.get("/api/v1/accounts/").status_code == 200


def test_a_browser_session_is_limited_by_user(rates, client, kam_user):
    rates(user="2/min")
    client.force_login(kam_user)
    assert [client.get("/api/v1/accounts/").status_code for _ in range(2)] == [200, 200]
    assert_throttled(client.get("/api/v1/accounts/"))


def test_anonymous_requests_are_limited_by_ip(rates):
    rates(anon="2/min")
    one, other = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    assert [one.get(SCHEMA).status_code for _ in range(2)] == [200, 200]
    assert_throttled(one.get(SCHEMA))
    assert other.get(SCHEMA).status_code == 200


def test_behind_proxies_the_forwarded_address_is_the_client(rates, settings):
    rates(anon="1/min")
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.9.9.9"  # every request comes through it
    first = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first.get(SCHEMA).status_code == 200
    assert second.get(SCHEMA).status_code == 200
    # A client cannot dodge its limit by sending its own X-Forwarded-For entries.
    spoofing = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1")
    assert_throttled(spoofing.get(SCHEMA))


def test_erp_writes_have_a_stricter_scope_of_their_own(rates, integration_user):
    rates(erp="2/min", token="100/min")
    erp = with_token(api_token_issue(user=integration_user))
    batch = {"categories": [{"code": "PIPE", "name": "Pipes"}]}
    codes = [erp.post("/api/v1/erp/categories/", batch).status_code for _ in range(2)]
    assert codes == [200, 200]
    assert_throttled(erp.post("/api/v1/erp/categories/", batch))
    assert erp.get("/api/v1/accounts/").status_code == 200  # reads are not ERP writes


def test_random_tokens_meet_a_429(integration_user, settings):
    """200 guessed tokens from one address: after THROTTLE_FAILED_AUTH_RATE failures the
    client is refused before any lookup, a valid token too, until the window ends."""
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["failed_auth"].split("/")[0])
    guesses = (with_token(secrets.token_hex(20)) for _ in range(200))
    codes = [guess.get("/api/v1/accounts/").status_code for guess in guesses]
    assert codes[:limit] == [401] * limit
    assert set(codes[limit:]) == {429}
    response = with_token(secrets.token_hex(20)).get("/api/v1/accounts/")
    assert_throttled(response)
    valid = api_token_issue(user=integration_user)
    assert with_token(valid).get("/api/v1/accounts/").status_code == 429
    assert with_token(valid, ip="10.0.0.7").get("/api/v1/accounts/").status_code == 200


@pytest.mark.redis
def test_limits_are_counted_in_redis_shared_by_every_process(rates, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"kam-test-throttle-{secrets.token_hex(4)}",
        }
    }
    rates(token="3/min")
    key = api_token_issue(user=UserFactory(username="a", role="head"))
    # Two clients with the same token: as if two web processes served it.
    codes = [with_token(key).get("/api/v1/accounts/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_with_the_cache_down_requests_are_not_limited_and_do_not_fail(rates, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
        }
    }
    rates(token="1/min")
    client = with_token(api_token_issue(user=UserFactory(username="a", role="head")))
    assert [client.get("/api/v1/accounts/").status_code for _ in range(3)] == [200] * 3
    assert with_token("0" * 40).get("/api/v1/accounts/").status_code == 401
