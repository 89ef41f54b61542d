"""The demo's relationship stories (reports/demo/coverage.py): what a head finds on the
org charts after `make demo`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from accounts.coverage import coverage_for_accounts
from accounts.models import Account, Contact, ContactLink

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 26)


def test_demo_plants_a_single_threaded_key_account_an_unmet_decider_and_links():
    call_command(
        "seed_demo", "--accounts", "60", "--as-of", AS_OF.isoformat(), stdout=io.StringIO()
    )
    keys = list(Account.objects.filter(contacts__isnull=False).distinct())
    found = coverage_for_accounts(accounts=keys, contacts=Contact.objects.all(), as_of=AS_OF)
    gaps = {pk: {g.kind: g for g in cov.gaps} for pk, cov in found.items()}
    threaded = [pk for pk, g in gaps.items() if "single_threaded" in g]
    assert threaded, "a single-threaded account"
    assert any(found[pk].interactions_90d >= 6 for pk in threaded)
    # The planted one: its deciders were met once, about 130 days ago.
    unmet = [
        cc
        for cov in found.values()
        for cc in cov.contacts
        if cc.is_decider and cc.days_since == 130
    ]
    assert unmet, "a decision maker last met 130 days ago"
    assert "unmet_decider" in gaps[unmet[0].contact.account_id]
    assert ContactLink.objects.count() >= 4
    assert set(ContactLink.objects.values_list("kind", flat=True)) >= {"influences", "close_to"}
    for link in ContactLink.objects.select_related("from_contact", "to_contact"):
        assert link.from_contact.account_id == link.to_contact.account_id
