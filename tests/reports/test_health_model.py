"""The health snapshot, the head's settings row and the two reads others build on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from reports.health.definitions import DEFAULT_WEIGHTS
from reports.health.selectors import health_history, health_latest
from reports.models import AccountHealth, HealthSettings
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _snap(account, day, score):
    return AccountHealth.objects.create(
        account=account, date=day, score=Decimal(score), band="watch", components=[]
    )


def test_latest_is_the_newest_snapshot_per_account_and_skips_the_never_computed():
    a, b, never = AccountFactory(), AccountFactory(), AccountFactory()
    today = timezone.localdate()
    _snap(a, today - dt.timedelta(days=2), "50.0")
    _snap(a, today, "61.5")
    _snap(b, today - dt.timedelta(days=1), "30.0")
    latest = health_latest(account_ids=[a.pk, b.pk, never.pk])
    assert {k: v.score for k, v in latest.items()} == {a.pk: Decimal("61.5"), b.pk: Decimal("30.0")}
    assert health_latest(account_ids=[]) == {}


def test_history_keeps_the_last_days_oldest_first():
    a = AccountFactory()
    today = timezone.localdate()
    for back in (40, 10, 0):
        _snap(a, today - dt.timedelta(days=back), str(50 + back))
    assert [h.date for h in health_history(account=a, days=30)] == [
        today - dt.timedelta(days=10),
        today,
    ]


def test_one_snapshot_per_account_and_day():
    a = AccountFactory()
    _snap(a, timezone.localdate(), "50")
    with pytest.raises(IntegrityError):
        _snap(a, timezone.localdate(), "51")


def test_settings_row_starts_with_the_design_defaults():
    s = HealthSettings.load()
    assert s.pk == 1 and HealthSettings.load().pk == 1
    assert {k: s.weight_of(k) for k in DEFAULT_WEIGHTS} == DEFAULT_WEIGHTS
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    assert s.band_of(Decimal("70")) == "healthy"
    assert s.band_of(Decimal("69.9")) == "watch"
    assert s.band_of(Decimal("40")) == "watch"
    assert s.band_of(Decimal("39.9")) == "at_risk"
