"""Login lockout (django-axes): N wrong passwords lock a username from one address."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from accounts.services import api_token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # UserFactory's


@pytest.fixture
def olga():
    return UserFactory(username="olga", role="head")


def sign_in(client: Client, password: str, username: str = "olga"):
    return client.post("/login/", {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def fail(client: Client, times: int, username: str = "olga") -> list[int]:
    return [sign_in(client, "wrong", username).status_code for _ in range(times)]


def test_locked_after_the_limit_and_the_right_password_is_refused(client, olga, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    # Wrong passwords are answered by the form until the limit, then by the lockout page.
    assert fail(client, limit - 1) == [200] * (limit - 1)
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(response)
    html = response.content.decode()
    assert 'id="locked-out"' in html
    assert "Too many failed sign-in attempts" in html and "15 minutes" in html
    assert 'name="username"' in html and 'value="olga"' in html  # the form is still there


def test_the_lockout_message_is_russian_for_a_russian_user(client, olga, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    fail(client, settings.AXES_FAILURE_LIMIT)
    html = sign_in(client, PASSWORD).content.decode()
    assert "Слишком много неудачных попыток входа" in html and "15 минут" in html


def test_released_after_the_cool_off(client, olga, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, PASSWORD).status_code == 429
    # 16 minutes pass (the cool-off is 15): the attempts are that much older.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    assert signed_in(sign_in(client, PASSWORD))


def test_released_by_axes_reset(client, olga, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset", stdout=StringIO())
    assert signed_in(sign_in(client, PASSWORD))


def test_a_success_resets_the_count(client, olga, settings):
    limit = settings.AXES_FAILURE_LIMIT
    fail(client, limit - 1)
    assert signed_in(sign_in(client, PASSWORD))
    client.logout()
    assert fail(client, limit - 1) == [200] * (limit - 1)
    assert signed_in(sign_in(client, PASSWORD))


def test_the_lock_holds_one_username_from_one_address(olga, settings):
    UserFactory(username="boris", role="kam")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    fail(attacker, settings.AXES_FAILURE_LIMIT)
    assert sign_in(attacker, PASSWORD).status_code == 429
    # Olga at her own desk is not locked out by someone guessing elsewhere …
    assert signed_in(sign_in(Client(REMOTE_ADDR="198.51.100.7"), PASSWORD))
    # … and another user from the attacker's address is judged on their own attempts.
    assert signed_in(sign_in(attacker, PASSWORD, username="boris"))


def test_api_tokens_are_untouched_by_a_login_lockout(client, olga, settings):
    key = api_token_issue(user=olga)
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, PASSWORD).status_code == 429
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/accounts/").status_code == 200


def test_the_admin_login_is_locked_too(client, settings):
    UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
