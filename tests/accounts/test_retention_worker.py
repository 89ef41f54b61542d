"""The nightly retention purge through a real Celery worker over Redis (CI runs it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Survey
from accounts.tasks import retention_purge
from tests import factories as f

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_worker_purges_what_is_past_retention(celery_worker, kam_user):
    account = f.AccountFactory(owner=kam_user)
    old, recent = f.SurveyFactory.create_batch(2, account=account)
    for survey in (old, recent):
        services.account_record_delete(user=kam_user, record=survey, account=account)
    Survey.all_objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=40))

    counts = retention_purge.delay().get(timeout=30)

    assert counts["survey"] == 1
    assert list(Survey.all_objects.values_list("pk", flat=True)) == [recent.pk]
