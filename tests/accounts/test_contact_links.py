"""Links between the client's people (ContactLink): the services' rules and their history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import ContactLink
from accounts.services import (
    contact_link_create,
    contact_link_delete,
    contact_link_update,
    contact_update,
)
from tests.factories import AccountFactory, ContactFactory
from tests.service_checks import assert_refused_naming

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(kam_user):
    account = AccountFactory(owner=kam_user)
    return ContactFactory(account=account, name="Olga"), ContactFactory(
        account=account, name="Petr"
    )


def test_kam_links_two_people_of_their_account(kam_user, people):
    olga, petr = people
    link = contact_link_create(
        user=kam_user, from_contact=olga, to_contact=petr, kind="influences", note="Old friends"
    )
    assert (link.from_contact, link.to_contact, link.kind, link.note) == (
        olga,
        petr,
        "influences",
        "Old friends",
    )
    assert link.history.count() == 1


def test_a_person_cannot_be_linked_to_themself(kam_user, people):
    olga, _ = people
    assert_refused_naming(
        lambda: contact_link_create(
            user=kam_user, from_contact=olga, to_contact=olga, kind="close_to"
        ),
        "to_contact",
    )


def test_people_of_two_accounts_cannot_be_linked(kam_user, people):
    olga, _ = people
    stranger = ContactFactory(account=AccountFactory(owner=kam_user), name="Stranger")
    with pytest.raises(Exception) as caught:
        contact_link_create(user=kam_user, from_contact=olga, to_contact=stranger, kind="rivals")
    assert caught.value.message_dict == {
        "to_contact": ["Both people must be contacts of the same account."]
    }
    assert not ContactLink.objects.exists()


def test_the_same_link_twice_is_refused_and_symmetric_kinds_both_ways(kam_user, people):
    olga, petr = people
    contact_link_create(user=kam_user, from_contact=olga, to_contact=petr, kind="influences")
    contact_link_create(user=kam_user, from_contact=olga, to_contact=petr, kind="rivals")
    for a, b, kind in [(olga, petr, "influences"), (petr, olga, "rivals")]:
        assert_refused_naming(
            lambda a=a, b=b, kind=kind: contact_link_create(
                user=kam_user, from_contact=a, to_contact=b, kind=kind
            ),
            "to_contact",
        )
    # Influence has a direction: Petr may influence Olga too.
    contact_link_create(user=kam_user, from_contact=petr, to_contact=olga, kind="influences")
    assert ContactLink.objects.count() == 3


def test_another_kam_cannot_link_my_people(other_kam, people):
    olga, petr = people
    with pytest.raises(PermissionDenied):
        contact_link_create(user=other_kam, from_contact=olga, to_contact=petr, kind="close_to")


def test_change_and_remove_a_link_keeps_its_history(kam_user, people):
    olga, petr = people
    link = contact_link_create(user=kam_user, from_contact=olga, to_contact=petr, kind="close_to")
    contact_link_update(user=kam_user, link=link, kind="rivals", note="Fell out in May")
    link.refresh_from_db()
    assert (link.kind, link.note) == ("rivals", "Fell out in May")
    pk = link.pk
    contact_link_delete(user=kam_user, link=link)
    assert not ContactLink.objects.filter(pk=pk).exists()
    assert [h.history_type for h in ContactLink.history.filter(id=pk).order_by("history_id")] == [
        "+",
        "~",
        "-",
    ]


def test_a_person_moved_to_another_account_leaves_their_links(kam_user, people):
    olga, petr = people
    contact_link_create(user=kam_user, from_contact=olga, to_contact=petr, kind="close_to")
    contact_update(user=kam_user, contact=petr, account=AccountFactory(owner=kam_user))
    assert not ContactLink.objects.exists()


def test_deleting_a_person_deletes_their_links(kam_user, people):
    olga, petr = people
    contact_link_create(user=kam_user, from_contact=olga, to_contact=petr, kind="close_to")
    petr.delete()
    assert not ContactLink.objects.exists()


def test_the_model_itself_refuses_a_link_across_accounts(kam_user, people):
    """The admin's inline saves through the model: its clean() keeps the rule too."""
    olga, _ = people
    stranger = ContactFactory(account=AccountFactory(owner=kam_user))
    with pytest.raises(ValidationError) as caught:
        ContactLink(from_contact=olga, to_contact=stranger, kind="rivals").full_clean()
    assert "to_contact" in caught.value.message_dict
