"""Digest e-mails delivered to a real SMTP server (aiosmtpd on 127.0.0.1, started here),
in English and in Russian; nothing sent when there is nothing to say; the unsubscribe link
works without signing in."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from plans.models import AccountPlan
from reports.alerts.digests import (
    DAILY,
    digest_build,
    digests_send_due,
    unsubscribe_token,
)
from reports.models import DigestDelivery, Notification
from tests import factories as f

pytestmark = pytest.mark.django_db

# 08:30 in Moscow (UTC+3), 05:30 in London: the morning hour (07) has come only in Moscow.
NOW = dt.datetime(2026, 11, 26, 5, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="localhost"
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "kam@test.example"
    settings.SITE_URL = "https://kam.test.example"
    settings.DIGEST_SEND_HOUR = 7
    try:
        yield inbox
    finally:
        controller.stop()


def _kam_with_a_day(username: str, *, language: str, tz: str) -> User:
    """A KAM with one notification from last night, an action due today and one overdue."""
    kam = f.UserFactory(username=username, language=language, timezone=tz)
    account = f.AccountFactory(owner=kam, name=f"Sigma {username}")
    plan = f.AccountPlanFactory(account=account, status=AccountPlan.Status.ACTIVE)
    f.ActionFactory(plan=plan, description="Send the price list", due=TODAY)
    f.ActionFactory(plan=plan, description="Book the plant visit", due=TODAY - dt.timedelta(3))
    Notification.objects.create(
        recipient=kam,
        account=account,
        rule="detractor_survey",
        message=f"{account.name}: NPS 3",
        created_at=NOW - dt.timedelta(hours=3),
    )
    Notification.objects.create(  # two days old: not "overnight"
        recipient=kam,
        account=account,
        rule="x",
        message="old news",
        created_at=NOW - dt.timedelta(days=2),
    )
    return kam


def _parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_daily_digest_reaches_a_real_smtp_server_in_english(smtp):
    kam = _kam_with_a_day("anna", language="en", tz="Europe/Moscow")
    counts = digests_send_due(now=NOW)
    assert counts == {"sent": 1, "empty": 0, "failed": 0}
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == kam.email
    assert message["Subject"] == "KAM: your day, 2026-11-26"
    text, html = _parts(message)
    assert "Good morning, anna." in text
    assert "New on your accounts overnight" in text and "Sigma anna: NPS 3" in text
    assert "old news" not in text
    assert "Due today" in text and "Send the price list" in text
    assert "Overdue (1)" in text and "Book the plant visit" in text
    assert "Send the price list" in html and "<li>" in html
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://kam.test.example/digests/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text
    delivery = DigestDelivery.objects.get(user=kam)
    assert (delivery.kind, delivery.day, delivery.items) == (DAILY, TODAY, 3)


def test_daily_digest_in_russian(smtp):
    _kam_with_a_day("boris", language="ru", tz="Europe/Moscow")
    digests_send_due(now=NOW)
    message = smtp.messages[0]
    assert message["Subject"] == "KAM: ваш день, 2026-11-26"
    text, html = _parts(message)
    assert "Доброе утро, boris." in text
    assert "Новое у ваших клиентов за ночь" in text
    assert "На сегодня" in text and "Просрочено (1)" in text
    assert "Отписаться от этих писем" in html


def test_digest_waits_for_the_morning_in_the_users_time_zone_and_goes_once(smtp):
    _kam_with_a_day("london", language="en", tz="Europe/London")  # 05:30 there
    assert digests_send_due(now=NOW)["sent"] == 0
    later = NOW + dt.timedelta(hours=2)  # 07:30 in London
    assert digests_send_due(now=later)["sent"] == 1
    assert digests_send_due(now=later + dt.timedelta(hours=1))["sent"] == 0  # not twice
    assert len(smtp.messages) == 1


def test_no_mail_when_there_is_nothing_to_say(smtp):
    kam = f.UserFactory(username="quiet", timezone="Europe/Moscow")
    f.AccountFactory(owner=kam)  # an account, but nothing happened and nothing is due
    assert digests_send_due(now=NOW) == {"sent": 0, "empty": 1, "failed": 0}
    assert smtp.messages == []
    assert DigestDelivery.objects.get(user=kam).sent_at is None


def test_opted_out_users_get_nothing(smtp):
    kam = _kam_with_a_day("optout", language="en", tz="Europe/Moscow")
    kam.digest_daily = False
    kam.save()
    assert digests_send_due(now=NOW)["sent"] == 0
    assert smtp.messages == []


def test_weekly_digest_for_heads_on_monday(smtp):
    head = f.UserFactory(username="head", role=User.Role.HEAD, timezone="Europe/Moscow")
    kam = f.UserFactory(username="kam-w", first_name="Vera")
    f.AccountFactory(owner=kam, is_key=True)
    f.ActionFactory(plan=f.AccountPlanFactory(account=kam.owned_accounts.get()), due=TODAY)
    monday = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)  # 09:00 in Moscow
    # The KAM's daily (their action is overdue by Monday) and the head's weekly.
    assert digests_send_due(now=monday)["sent"] == 2
    (message,) = [m for m in smtp.messages if m["To"] == head.email]
    assert message["Subject"] == "KAM: the week, 2026-11-30"
    text, _html = _parts(message)
    assert "KAM workload" in text and "Vera" in text


def test_unsubscribe_link_works_without_signing_in(smtp):
    kam = f.UserFactory(username="leaving")
    url = reverse("alerts:unsubscribe", args=[unsubscribe_token(user=kam, kind=DAILY)])
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    kam.refresh_from_db()
    assert kam.digest_daily  # a GET (a mail scanner following links) changes nothing
    # The button, or the mail client's RFC 8058 one-click POST (no CSRF token, no session).
    done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    kam.refresh_from_db()
    assert not kam.digest_daily and kam.digest_weekly


def test_a_forged_unsubscribe_link_is_a_404():
    kam = f.UserFactory(username="victim")
    token = unsubscribe_token(user=kam, kind=DAILY)
    forged = token.replace(token.split(":")[0], "eyJ1Ijo5OTksImsiOiJkYWlseSJ9", 1)
    assert Client().post(reverse("alerts:unsubscribe", args=[forged])).status_code == 404


def test_send_digests_command_prints_without_sending_on_dry_run(smtp, capsys):
    _kam_with_a_day("printed", language="en", tz="Europe/Moscow")
    call_command("send_digests", "--user", "printed", "--dry-run")
    out = capsys.readouterr().out
    assert "=== daily digest for printed" in out and "Send the price list" in out
    assert smtp.messages == []


def test_digest_build_is_in_the_users_time_zone():
    kam = f.UserFactory(username="tokyo", timezone="Asia/Tokyo")
    # 23:30 UTC on the 25th is already the 26th in Tokyo.
    digest = digest_build(
        user=kam, kind=DAILY, now=dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)
    )
    assert digest.day == TODAY


def _health(account, day, score, band):
    from decimal import Decimal

    from reports.models import AccountHealth

    AccountHealth.objects.create(account=account, date=day, score=Decimal(score), band=band)


def test_daily_digest_names_overnight_health_moves():
    kam = f.UserFactory(username="healthy", timezone="Europe/Moscow")
    slipping = f.AccountFactory(owner=kam, name="Slipping Ltd")
    steady = f.AccountFactory(owner=kam, name="Steady Ltd")
    _health(slipping, TODAY - dt.timedelta(days=1), "72.0", "healthy")
    _health(slipping, TODAY, "61.5", "watch")
    _health(steady, TODAY - dt.timedelta(days=1), "80.0", "healthy")
    _health(steady, TODAY, "78.0", "healthy")  # 2 points, same band: not news
    digest = digest_build(user=kam, kind=DAILY, now=NOW)
    moves = digest.context["health_changes"]
    assert [(m["account"], str(m["before"]), str(m["now"])) for m in moves] == [
        ("Slipping Ltd", "72.0", "61.5")
    ]
    assert digest.items == 1
    assert "Slipping Ltd: 72.0 → 61.5 (Watch)" in digest.text


def test_weekly_digest_lists_key_accounts_at_risk():
    head = f.UserFactory(username="boss", role=User.Role.HEAD)
    kam = f.UserFactory(username="vera")
    risky = f.AccountFactory(owner=kam, name="Risky Key", is_key=True)
    small = f.AccountFactory(owner=kam, name="Risky Small")
    _health(risky, TODAY, "31.0", "at_risk")
    _health(small, TODAY, "20.0", "at_risk")
    digest = digest_build(user=head, kind="weekly", now=NOW)
    assert digest.context["at_risk"] == [{"account": "Risky Key", "score": 31, "owner": "vera"}]
    assert "Key accounts at risk" in digest.text and "Risky Small" not in digest.text


def test_weekly_digest_names_key_accounts_with_coverage_gaps_in_the_heads_language():
    from accounts.models import Contact

    head = f.UserFactory(username="boss", role=User.Role.HEAD, language="ru")
    kam = f.UserFactory(username="vera", first_name="Вера", last_name="Соколова")
    lonely = f.AccountFactory(owner=kam, name="Без чемпиона", is_key=True)
    f.ContactFactory(account=lonely, decision_role=Contact.DecisionRole.INFLUENCER)
    covered = f.AccountFactory(owner=kam, name="Covered Key", is_key=True)
    f.ContactFactory(account=covered, decision_role=Contact.DecisionRole.CHAMPION)
    small = f.AccountFactory(owner=kam, name="Not Key")  # gaps, but not a key account

    digest = digest_build(user=head, kind="weekly", now=NOW)

    rows = digest.context["coverage_gaps"]
    assert [(r["account"], r["owner"]) for r in rows] == [("Без чемпиона", "Вера Соколова")]
    assert "Нет чемпиона" in rows[0]["gaps"]
    assert "Ключевые клиенты с пробелами в охвате" in digest.text
    assert small.name not in digest.text and covered.name not in digest.text
