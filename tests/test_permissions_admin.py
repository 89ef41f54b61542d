"""The Django admin: every page loads for an admin, and staff who are not superusers see
only their scope in changelists, change pages and autocompletes."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_kam(kam_user):
    kam_user.is_staff = True
    kam_user.save()
    codenames = [
        f"{action}_{model}"
        for action in ("view", "change", "add", "delete")
        for model in ("account", "contact", "accountplan", "tender", "revenueline", "importbatch")
    ]
    kam_user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return kam_user


@pytest.fixture
def two_portfolios(staff_kam, other_kam):
    mine = f.AccountFactory(owner=staff_kam, name="Mine Ltd")
    theirs = f.AccountFactory(owner=other_kam, name="Theirs Ltd")
    for account in (mine, theirs):
        f.ContactFactory(account=account, name=f"Boss of {account.name}")
        f.TenderFactory(account=account, title=f"Tender of {account.name}")
        f.AccountPlanFactory(account=account, title=f"Plan of {account.name}")
        f.RevenueLineFactory(account=account, external_id=f"INV-{account.pk}")
    return mine, theirs


def test_every_admin_page_loads_for_an_admin(client, admin_user_, two_portfolios):
    f.InteractionFactory(account=two_portfolios[0])
    f.EventFactory().accounts.add(two_portfolios[0])
    f.SurveyFactory(account=two_portfolios[0])
    f.DistributorLinkFactory(account=two_portfolios[0])
    _health_and_notifications(two_portfolios)
    client.force_login(admin_user_)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "x"}).status_code == 200, changelist
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
        if model_admin.has_add_permission(_request(admin_user_)):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert client.get(add).status_code == 200, add


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("model_name", "mine", "theirs"),
    [
        ("accounts_account", "Mine Ltd", "Theirs Ltd"),
        ("accounts_contact", "Boss of Mine Ltd", "Boss of Theirs Ltd"),
        ("plans_tender", "Tender of Mine Ltd", "Tender of Theirs Ltd"),
        ("plans_accountplan", "Plan of Mine Ltd", "Plan of Theirs Ltd"),
        ("reports_revenueline", "Mine Ltd", "Theirs Ltd"),
    ],
)
def test_staff_kam_changelist_shows_only_their_scope(
    client, staff_kam, two_portfolios, model_name, mine, theirs
):
    client.force_login(staff_kam)
    page = client.get(reverse(f"admin:{model_name}_changelist")).content.decode()
    assert mine in page and theirs not in page


def test_staff_kam_cannot_open_another_kams_account(client, staff_kam, two_portfolios):
    _, theirs = two_portfolios
    client.force_login(staff_kam)
    response = client.get(reverse("admin:accounts_account_change", args=[theirs.pk]))
    assert response.status_code == 302  # "does not exist" → back to the index
    assert theirs.name not in client.get(response.url).content.decode()


def test_staff_kam_autocomplete_offers_only_their_accounts(client, staff_kam, two_portfolios):
    client.force_login(staff_kam)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "contact", "field_name": "account"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Mine Ltd"]


def test_staff_kam_cannot_attach_a_contact_to_another_kams_account(
    client, staff_kam, two_portfolios
):
    _, theirs = two_portfolios
    client.force_login(staff_kam)
    response = client.post(
        reverse("admin:accounts_contact_add"),
        {
            "account": theirs.pk,
            "name": "Spy",
            "decision_role": "user",
            "influence": 3,
            "attitude": "neutral",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not theirs.contacts.filter(name="Spy").exists()


def test_staff_kam_cannot_reassign_or_delete_an_account(
    client, staff_kam, other_kam, two_portfolios
):
    mine, _ = two_portfolios
    client.force_login(staff_kam)
    page = client.get(reverse("admin:accounts_account_change", args=[mine.pk])).content.decode()
    assert 'name="owner"' not in page  # read-only for a KAM
    response = client.post(
        reverse("admin:accounts_account_delete", args=[mine.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.owner == staff_kam


def test_the_integration_user_has_no_admin_even_if_made_staff(client, integration_user):
    integration_user.is_staff = True
    integration_user.save(update_fields=["is_staff"])
    client.force_login(integration_user)
    for url in (reverse("admin:index"), reverse("admin:accounts_account_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/"), url


def test_staff_kam_sees_no_erp_import_batches(client, staff_kam):
    from reports.models import ImportBatch

    ImportBatch.objects.create(endpoint="accounts", status="applied", http_status=200)
    client.force_login(staff_kam)
    page = client.get(reverse("admin:reports_importbatch_changelist")).content.decode()
    assert "0 import batches" in page


def test_admin_history_page_shows_who_changed_the_account(
    client, admin_user_, head_user, api_client_for
):
    account = f.AccountFactory(notes="old")
    api_client_for(head_user).patch(f"/api/v1/accounts/{account.pk}/", {"notes": "new"})
    client.force_login(admin_user_)
    page = client.get(reverse("admin:accounts_account_history", args=[account.pk])).content.decode()
    assert "head" in page


def _health_and_notifications(two_portfolios):
    from reports.models import AccountHealth, Notification

    for account in two_portfolios:
        AccountHealth.objects.create(
            account=account, date="2026-11-30", score=55, band="watch", components=[]
        )
        Notification.objects.create(
            recipient=account.owner, account=account, message=f"Note for {account.name}"
        )


def test_staff_kam_sees_health_of_their_accounts_and_only_their_own_notifications(
    client, staff_kam, two_portfolios
):
    _health_and_notifications(two_portfolios)
    staff_kam.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_accounthealth", "view_notification"])
    )
    client.force_login(staff_kam)
    health = client.get(reverse("admin:reports_accounthealth_changelist")).content.decode()
    assert "Mine Ltd" in health and "Theirs Ltd" not in health
    inbox = client.get(reverse("admin:reports_notification_changelist")).content.decode()
    assert "Mine Ltd" in inbox and "Theirs Ltd" not in inbox
