"""The health pages: the card on the account page, the head's settings and backtest."""

from __future__ import annotations

import pytest

from accounts.models import User
from reports.health.compute import account_health_compute
from reports.models import HealthSettings
from tests.account_page import account_page
from tests.factories import AccountFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_account_page_shows_the_health_card_with_left_out_components(client):
    a = AccountFactory(potential_annual=None)
    InteractionFactory(account=a)
    account_health_compute(account_ids=[a.pk])
    client.force_login(a.owner)
    html = account_page(client, a.pk)  # the card arrives after the page, where #health aims
    assert html.count('id="health"') == 1
    assert "Left out: no survey with an NPS in the last 12 months." in html
    assert "Interactions in the last 90 days: 1" in html


def test_health_card_speaks_russian(client):
    a = AccountFactory()
    account_health_compute(account_ids=[a.pk])
    client.force_login(a.owner)
    client.cookies["django_language"] = "ru"
    assert "Здоровье клиента" in account_page(client, a.pk)


def test_head_saves_weights_on_the_settings_page(client):
    head = UserFactory(role=User.Role.HEAD)
    client.force_login(head)
    assert client.get("/portfolio/health/settings/").status_code == 200
    data = {f"w_{k}": v for k, v in HealthSettings.load().weights.items()}
    data |= {"w_activity": 30, "healthy_from": "75", "watch_from": "45"}
    r = client.post("/portfolio/health/settings/", data)
    assert r.status_code == 302
    hs = HealthSettings.load()
    assert hs.weight_of("activity") == 30 and hs.healthy_from == 75
    bad = data | {"healthy_from": "30"}
    assert client.post("/portfolio/health/settings/", bad).status_code == 400


def test_kam_cannot_open_the_settings_or_the_backtest(client):
    kam = UserFactory(role=User.Role.KAM)
    client.force_login(kam)
    assert client.get("/portfolio/health/settings/").status_code == 403
    assert client.get("/portfolio/health/backtest/").status_code == 403


def test_backtest_page_states_what_it_cannot_see(client):
    client.force_login(UserFactory(role=User.Role.HEAD))
    html = client.get("/portfolio/health/backtest/").content.decode()
    assert "What the backtest cannot see" in html
    assert "as they stand today" in html


def test_backtest_page_shows_the_stored_result_with_its_date(client, monkeypatch):
    """The backtest takes minutes at 10 000 accounts: the page shows the stored run and its
    date; new weights make it compute afresh instead of showing the old weights' figures."""
    from reports.health import backtest

    runs = []
    real = backtest.health_backtest
    monkeypatch.setattr(backtest, "health_backtest", lambda: runs.append(1) or real())
    client.force_login(UserFactory(role=User.Role.HEAD))
    first = client.get("/portfolio/health/backtest/").content.decode()
    client.get("/portfolio/health/backtest/")
    assert len(runs) == 1
    assert 'data-testid="backtest-computed"' in first and "Computed" in first
    hs = HealthSettings.load()
    hs.weights = {**hs.weights, "activity": 7}
    hs.save()
    client.get("/portfolio/health/backtest/")
    assert len(runs) == 2


def test_health_backtest_store_command_keeps_the_result(monkeypatch):
    from django.core.management import call_command

    from reports.health import backtest

    call_command("health_backtest", "--store")

    def not_again():
        raise AssertionError("the page recomputed instead of reading the stored result")

    monkeypatch.setattr(backtest, "health_backtest", not_again)
    assert backtest.health_backtest_stored().computed_at is not None
