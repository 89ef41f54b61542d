"""The accounts services called directly: each rule, the error it raises (naming the field),
and nothing half-written when it refuses. The API tests check permissions and shapes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.models import Account, Contact, User
from reports.models import RevenueLine
from tests import factories as f
from tests.service_checks import assert_refused_naming, rows

pytestmark = pytest.mark.django_db


def _mine(kam: User) -> Account:
    return f.AccountFactory(owner=kam)


def _cycle(kam: User):
    child = f.AccountFactory(owner=kam, parent=_mine(kam))
    return lambda: services.account_update(user=kam, account=child.parent, parent=child)


def _reporting_cycle(kam: User):
    boss = f.ContactFactory(account=_mine(kam))
    report = f.ContactFactory(account=boss.account, reports_to=boss)
    return lambda: services.contact_update(user=kam, contact=boss, reports_to=report)


def _foreign_manager(kam: User):
    account, stranger = _mine(kam), f.ContactFactory(account=_mine(kam))
    return lambda: services.contact_create(user=kam, account=account, name="P", reports_to=stranger)


def _interaction_stranger(kam: User):
    account, stranger = _mine(kam), f.ContactFactory(account=_mine(kam))
    return lambda: services.interaction_log(
        user=kam, account=account, summary="S", contacts=[stranger]
    )


def _interaction_due_before(kam: User):
    account = _mine(kam)
    return lambda: services.interaction_log(
        user=kam,
        account=account,
        summary="S",
        occurred_at=timezone.now(),
        next_step="Call back",
        next_step_due=timezone.localdate() - dt.timedelta(days=3),
    )


def _interaction_edit_stranger(kam: User):
    interaction = f.InteractionFactory(account=_mine(kam))
    stranger = f.ContactFactory(account=_mine(kam))
    return lambda: services.interaction_update(
        user=kam, interaction=interaction, summary="Changed", contacts=[stranger]
    )


def _survey_stranger(kam: User):
    account, stranger = _mine(kam), f.ContactFactory(account=_mine(kam))
    return lambda: services.survey_create(
        user=kam, account=account, date=timezone.localdate(), contact=stranger
    )


def _survey_nps(kam: User):
    survey = f.SurveyFactory(account=_mine(kam))
    return lambda: services.survey_update(user=kam, survey=survey, comments="x", nps=11)


def _link_repeated(kam: User):
    link = f.DistributorLinkFactory(account=_mine(kam))
    return lambda: services.distributor_link_save(
        user=kam, account=link.account, distributor=link.distributor, terms="again"
    )


def _link_reversed(kam: User):
    account, distributor = _mine(kam), f.DistributorFactory()
    return lambda: services.distributor_link_save(
        user=kam,
        account=account,
        distributor=distributor,
        since=dt.date(2026, 2, 1),
        until=dt.date(2026, 1, 1),
    )


def _event_stranger(kam: User):
    account, stranger = _mine(kam), f.ContactFactory(account=_mine(kam))
    return lambda: services.event_save(
        user=kam,
        name="Expo",
        starts_on=dt.date(2026, 12, 1),
        accounts=[account],
        invited=[stranger],
    )


def _event_reversed(kam: User):
    event = f.EventFactory(organizer=kam)
    return lambda: services.event_save(
        user=kam, event=event, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 1)
    )


def _account_duplicate_key(kam: User):
    taken = _mine(kam).external_id
    return lambda: services.account_create(user=kam, external_id=taken, name="Copy")


def _distributor_blank_name(kam: User):
    distributor = f.DistributorFactory()
    head = f.UserFactory(role=User.Role.HEAD)
    return lambda: services.distributor_save(user=head, distributor=distributor, name="")


# (case, build(kam) -> the refused call, the field its error names)
REFUSALS = [
    ("account parent makes a cycle", _cycle, "parent"),
    ("account duplicate external id", _account_duplicate_key, "external_id"),
    ("contact manager of another account", _foreign_manager, "reports_to"),
    ("contact reporting cycle", _reporting_cycle, "reports_to"),
    ("interaction with another account's contact", _interaction_stranger, "contacts"),
    ("interaction next step due before it", _interaction_due_before, "next_step_due"),
    ("interaction edit with a stranger", _interaction_edit_stranger, "contacts"),
    ("survey by another account's contact", _survey_stranger, "contact"),
    ("survey edit: nps out of range", _survey_nps, "nps"),
    ("distributor link repeated", _link_repeated, "distributor"),
    ("distributor link ends before it starts", _link_reversed, "until"),
    ("event invites someone of an account not on it", _event_stranger, "invited"),
    ("event ends before it starts", _event_reversed, "ends_on"),
    ("distributor without a name", _distributor_blank_name, "name"),
]


@pytest.mark.parametrize(
    ("build", "field"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_a_broken_rule_names_the_field_and_writes_nothing(build, field, kam_user):
    assert_refused_naming(build(kam_user), field)


def _reassign_by_kam(kam: User):
    account, other = _mine(kam), f.UserFactory()
    return lambda: services.account_update(user=kam, account=account, owner=other)


def _create_for_someone_else(kam: User):
    other = f.UserFactory()
    return lambda: services.account_create(user=kam, external_id="X-1", name="X", owner=other)


def _contact_on_foreign_account(kam: User):
    account = f.AccountFactory()
    return lambda: services.contact_create(user=kam, account=account, name="P")


def _contact_moved_to_foreign_account(kam: User):
    contact, account = f.ContactFactory(account=_mine(kam)), f.AccountFactory()
    return lambda: services.contact_update(user=kam, contact=contact, account=account)


def _event_adds_foreign_account(kam: User):
    event, account = f.EventFactory(organizer=kam), f.AccountFactory()
    return lambda: services.event_save(user=kam, event=event, accounts=[account])


def _kam_edits_distributor(kam: User):
    distributor = f.DistributorFactory()
    return lambda: services.distributor_save(user=kam, distributor=distributor, name="Mine")


def _kam_deletes_account(kam: User):
    account = _mine(kam)
    return lambda: services.account_delete(user=kam, account=account)


PERMISSION_REFUSALS = [
    ("a KAM reassigns an owner", _reassign_by_kam),
    ("a KAM creates an account for someone else", _create_for_someone_else),
    ("contact on another KAM's account", _contact_on_foreign_account),
    ("contact moved to another KAM's account", _contact_moved_to_foreign_account),
    ("event gains another KAM's account", _event_adds_foreign_account),
    ("a KAM edits a distributor", _kam_edits_distributor),
    ("a KAM deletes an account", _kam_deletes_account),
]


@pytest.mark.parametrize(
    "build", [c[1] for c in PERMISSION_REFUSALS], ids=[c[0] for c in PERMISSION_REFUSALS]
)
def test_a_refused_user_gets_permission_denied_and_nothing_changes(build, kam_user):
    call = build(kam_user)
    before = rows()
    with pytest.raises(PermissionDenied):
        call()
    assert rows() == before


def test_an_account_with_revenue_is_refused_deletion_and_kept(head_user):
    line = f.RevenueLineFactory()
    before = rows()
    with pytest.raises(ValidationError) as caught:
        services.account_delete(user=head_user, account=line.account)
    assert "revenue" in caught.value.messages[0]
    assert rows() == before
    assert RevenueLine.objects.filter(pk=line.pk).exists()


def test_derived_and_unknown_fields_are_not_part_of_the_contract(kam_user):
    account = _mine(kam_user)
    with pytest.raises(TypeError):
        services.account_update(user=kam_user, account=account, tier="A")
    with pytest.raises(TypeError):
        services.contact_create(user=kam_user, account=account, name="P", shoe_size=42)


def test_a_kam_creates_an_account_they_own(kam_user):
    account = services.account_create(user=kam_user, external_id="NEW-1", name="New")
    account.refresh_from_db()
    assert account.owner == kam_user
    assert account.status == Account.Status.ACTIVE  # the model's default: not given


def test_not_given_keeps_the_stored_value_and_none_clears_it(kam_user):
    boss = f.ContactFactory(account=_mine(kam_user))
    contact = f.ContactFactory(account=boss.account, reports_to=boss, phone="+7 1")
    services.contact_update(user=kam_user, contact=contact, name="Renamed")
    contact.refresh_from_db()
    assert (contact.name, contact.reports_to, contact.phone) == ("Renamed", boss, "+7 1")
    services.contact_update(user=kam_user, contact=contact, reports_to=None)
    contact.refresh_from_db()
    assert contact.reports_to is None


def test_an_update_writes_only_the_columns_it_changes(kam_user):
    contact = f.ContactFactory(account=_mine(kam_user), phone="+7 1")
    with CaptureQueriesContext(connection) as queries:
        services.contact_update(user=kam_user, contact=contact, phone="+7 2")
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"phone"' in updates[0] and '"updated_at"' in updates[0]
    assert '"name"' not in updates[0] and '"position"' not in updates[0]


def test_an_unchanged_row_is_not_written_again(kam_user):
    contact = f.ContactFactory(account=_mine(kam_user), phone="+7 1")
    stamp = Contact.objects.get(pk=contact.pk).updated_at
    history = contact.history.count()
    with CaptureQueriesContext(connection) as queries:
        services.contact_update(user=kam_user, contact=contact, phone="+7 1", name=contact.name)
    assert not [q for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert Contact.objects.get(pk=contact.pk).updated_at == stamp
    assert contact.history.count() == history


def test_two_people_editing_different_fields_keep_both_changes(kam_user):
    """Each edit writes its own columns: the second no longer puts back the first's old
    values from the copy it loaded before."""
    contact = f.ContactFactory(account=_mine(kam_user), phone="+7 1", position="Buyer")
    mine, theirs = Contact.objects.get(pk=contact.pk), Contact.objects.get(pk=contact.pk)
    services.contact_update(user=kam_user, contact=mine, phone="+7 2")
    services.contact_update(user=kam_user, contact=theirs, position="Head of purchasing")
    contact.refresh_from_db()
    assert (contact.phone, contact.position) == ("+7 2", "Head of purchasing")


def test_a_head_assigns_the_team_and_the_history_records_it(head_user, kam_user, other_kam):
    account = _mine(kam_user)
    history = account.history.count()
    services.account_update(user=head_user, account=account, team=[other_kam])
    assert list(account.team.all()) == [other_kam]
    assert account.history.count() > history
