"""Every database constraint holds even when code skips validation (bulk writes, raw
updates), and every clean() rule names its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Account, Contact
from plans.models import Tender
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


def _account(**kw):
    return f.AccountFactory(**kw)


# (label, build) — build() must hit a database constraint.
DB_CASES = [
    ("account external_id unique", lambda: [_account(external_id="X"), _account(external_id="X")]),
    ("account external_id not blank", lambda: _account(external_id="")),
    ("account potential >= 0", lambda: _account(potential_annual=Decimal("-1"))),
    (
        "account not its own parent",
        lambda: Account.objects.filter(pk=(a := _account()).pk).update(parent_id=a.pk),
    ),
    ("contact influence >= 1", lambda: f.ContactFactory(influence=0)),
    ("contact influence <= 5", lambda: f.ContactFactory(influence=6)),
    (
        "contact not its own manager",
        lambda: Contact.objects.filter(pk=(c := f.ContactFactory()).pk).update(reports_to_id=c.pk),
    ),
    ("distributor external_id not blank", lambda: f.DistributorFactory(external_id="")),
    (
        "distributor external_id unique",
        lambda: [f.DistributorFactory(external_id="D"), f.DistributorFactory(external_id="D")],
    ),
    (
        "distributor link unique pair",
        lambda: [
            link := f.DistributorLinkFactory(),
            f.DistributorLinkFactory(account=link.account, distributor=link.distributor),
        ],
    ),
    ("distributor link share <= 100", lambda: f.DistributorLinkFactory(share_of_volume=101)),
    ("distributor link share >= 0", lambda: f.DistributorLinkFactory(share_of_volume=-1)),
    (
        "distributor link until >= since",
        lambda: f.DistributorLinkFactory(since=D(2026, 2, 1), until=D(2026, 1, 1)),
    ),
    (
        "event ends after start",
        lambda: f.EventFactory(starts_on=D(2026, 2, 1), ends_on=D(2026, 1, 1)),
    ),
    ("survey nps <= 10", lambda: f.SurveyFactory(nps=11)),
    ("survey satisfaction >= 1", lambda: f.SurveyFactory(satisfaction=0)),
    ("survey satisfaction <= 5", lambda: f.SurveyFactory(satisfaction=6)),
    (
        "plan period order",
        lambda: f.AccountPlanFactory(period_start=D(2026, 12, 1), period_end=D(2026, 1, 1)),
    ),
    ("target revenue >= 0", lambda: f.TargetFactory(revenue_target=Decimal("-1"))),
    ("tender won needs reason", lambda: f.TenderFactory(stage="won", outcome_reason="")),
    ("tender lost needs reason", lambda: f.TenderFactory(stage="lost", outcome_reason="")),
    ("tender estimate >= 0", lambda: f.TenderFactory(estimated_value=Decimal("-1"))),
    ("tender bid >= 0", lambda: f.TenderFactory(our_bid=Decimal("-1"))),
    ("exchange rate > 0", lambda: f.ExchangeRateFactory(rate=0)),
    ("exchange rate one a day", lambda: [f.ExchangeRateFactory(), f.ExchangeRateFactory()]),
    (
        "revenue line external_id unique",
        lambda: [f.RevenueLineFactory(external_id="L"), f.RevenueLineFactory(external_id="L")],
    ),
    ("revenue line external_id not blank", lambda: f.RevenueLineFactory(external_id="")),
    ("revenue line cost needs base", lambda: f.RevenueLineFactory(cost=Decimal("1"))),
]


@pytest.mark.parametrize("build", [c[1] for c in DB_CASES], ids=[c[0] for c in DB_CASES])
def test_database_refuses(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def _clean_error(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


def test_parent_cycle_over_three_levels_names_parent():
    top = _account()
    middle = _account(parent=top)
    bottom = _account(parent=middle)
    top.parent = bottom
    assert "parent" in _clean_error(top)


def test_reports_to_cycle_names_reports_to():
    boss = f.ContactFactory()
    deputy = f.ContactFactory(account=boss.account, reports_to=boss)
    clerk = f.ContactFactory(account=boss.account, reports_to=deputy)
    boss.reports_to = clerk
    assert "reports_to" in _clean_error(boss)


def test_reports_to_another_accounts_contact_names_reports_to():
    contact = f.ContactFactory()
    contact.reports_to = f.ContactFactory()
    assert "reports_to" in _clean_error(contact)


@pytest.mark.parametrize(
    ("factory", "kwargs", "field"),
    [
        (f.ContactFactory, {"influence": 0}, "influence"),
        (f.SurveyFactory, {"nps": 11}, "nps"),
        (f.SurveyFactory, {"satisfaction": 6}, "satisfaction"),
        (
            f.AccountPlanFactory,
            {"period_start": D(2026, 2, 1), "period_end": D(2026, 1, 1)},
            "period_end",
        ),
        (f.EventFactory, {"starts_on": D(2026, 2, 1), "ends_on": D(2026, 1, 1)}, "ends_on"),
        (f.DistributorLinkFactory, {"since": D(2026, 2, 1), "until": D(2026, 1, 1)}, "until"),
        (f.TenderFactory, {"stage": "won"}, "outcome_reason"),
        (f.TenderFactory, {"stage": "lost", "outcome_reason": "  "}, "outcome_reason"),
        (f.AccountFactory, {"potential_annual": Decimal("-5")}, "potential_annual"),
        (
            f.InteractionFactory,
            {
                "occurred_at": dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
                "next_step_due": D(2026, 2, 1),
            },
            "next_step_due",
        ),
    ],
)
def test_clean_names_the_field(factory, kwargs, field):
    obj = factory.build(**kwargs, **_saved_parents(factory))
    assert field in _clean_error(obj)


def _saved_parents(factory) -> dict:
    """build() leaves SubFactory parents unsaved; give the row saved ones."""
    model = factory._meta.model
    names = {fld.name for fld in model._meta.get_fields()}
    parents = {}
    if "account" in names:
        parents["account"] = _account()
    if "distributor" in names:
        parents["distributor"] = f.DistributorFactory()
    if "owner" in names and model is Account:
        parents["owner"] = f.UserFactory()
    if "region" in names and model is Account:
        parents["region"] = f.RegionFactory()
    return parents


def test_duplicate_external_id_names_the_field():
    _account(external_id="SAME")
    assert "external_id" in _clean_error(Account(external_id="SAME", name="Again"))


def test_action_objective_must_be_in_the_same_plan():
    action = f.ActionFactory()
    action.objective = f.ObjectiveFactory()  # another plan
    assert "objective" in _clean_error(action)


def test_tender_objective_must_be_of_the_accounts_plan():
    tender = f.TenderFactory()
    tender.objective = f.ObjectiveFactory()  # another account's plan
    assert "objective" in _clean_error(tender)


def test_tender_won_with_reason_is_valid():
    tender = f.TenderFactory(stage=Tender.Stage.WON, outcome_reason="Best price")
    tender.full_clean()
