"""Password-reset mails are limited per address and per client IP; the page answers the
same whatever happened (a mail, a limit, an unknown address)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def ask(email: str, ip: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/password_reset/", {"email": email})


def test_mails_to_one_address_stop_at_the_limit_with_the_same_answer(settings):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "3/hour"
    UserFactory(username="olga", email="olga@example.com")
    answers = [ask("olga@example.com", ip=f"10.0.0.{n}") for n in range(5)]
    assert len(mail.outbox) == 3
    assert {(r.status_code, r.url) for r in answers} == {(302, "/password_reset/done/")}
    # The address is counted however it is spelled.
    ask("OLGA@example.com ", ip="10.0.1.1")
    assert len(mail.outbox) == 3


def test_an_unknown_address_gets_the_same_answer_and_no_mail():
    response = ask("nobody@example.com")
    assert (response.status_code, response.url) == (302, "/password_reset/done/")
    assert mail.outbox == []


def test_one_address_asking_for_many_users_stops_at_the_ip_limit(settings):
    settings.PASSWORD_RESET_RATE_PER_IP = "10/hour"
    for n in range(12):
        UserFactory(username=f"user{n}", email=f"user{n}@example.com")
    answers = [ask(f"user{n}@example.com", ip="203.0.113.5") for n in range(12)]
    assert len(mail.outbox) == 10
    assert {r.status_code for r in answers} == {302}
    ask("user11@example.com", ip="198.51.100.1")  # someone else is not held back
    assert len(mail.outbox) == 11


def test_with_the_cache_down_the_reset_still_works(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    UserFactory(username="olga", email="olga@example.com")
    assert ask("olga@example.com").status_code == 302
    assert len(mail.outbox) == 1
