"""The demo's matrix story: a Star and a Streamline client, strategic fit for the key
accounts and last year's positions, so the page shows moves."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account
from reports.models import MatrixPosition, MatrixScore
from tests.reports.matrix_criteria import matrix_criteria  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db


def test_demo_plants_a_star_and_a_streamline_client_that_move():
    call_command("seed_demo", "--accounts", "80", stdout=io.StringIO())
    call_command("recompute_metrics", stdout=io.StringIO())
    call_command("portfolio_matrix_compute", stdout=io.StringIO())
    year = timezone.localdate().year
    keys = Account.objects.filter(contacts__isnull=False).distinct().count()
    assert MatrixScore.objects.filter(year=year).count() >= 5 and keys
    # The planted Star: last year Strategic at (4.1, 3.4); now attractive but weak.
    star = MatrixPosition.objects.get(year=year - 1, attractiveness=4.1, strength=3.4)
    assert star.quadrant == "strategic"
    now = MatrixPosition.objects.get(year=year, account=star.account)
    assert now.quadrant == "star", now.criteria
    # The planted Streamline: the only strategic fit of 1 this year; last year Status.
    fit = MatrixScore.objects.get(year=year, score=1)
    assert fit.account.matrix_positions.get(year=year - 1).quadrant == "status"
    assert fit.account.matrix_positions.get(year=year).quadrant == "streamline"
    assert Account.objects.get(pk=fit.account_id).quadrant == "streamline"
