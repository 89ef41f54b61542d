"""The audit trail: who opened which account or contact and who exported what; read by
administrators in the Django admin only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditEvent
from tests import factories as f
from tests.reports.portfolio_builders import build_period

pytestmark = pytest.mark.django_db


def _trail() -> list[tuple]:
    return list(AuditEvent.objects.order_by("pk").values_list("username", "action", "account_id"))


def test_opening_an_account_page_and_a_contact_is_recorded(kam_client, kam_user):
    account = f.AccountFactory(owner=kam_user)
    boss = f.ContactFactory(account=account)
    f.ContactFactory(account=account, reports_to=boss)
    assert kam_client.get(reverse("accounts:detail", args=[account.pk])).status_code == 200
    # The page's people arrive in its org chart panel, which records that they were shown.
    org_chart = reverse("accounts:panel", args=[account.pk, "org-chart"])
    assert kam_client.get(org_chart, headers={"HX-Request": "true"}).status_code == 200
    assert kam_client.get(reverse("accounts:contact-edit", args=[boss.pk])).status_code == 200
    assert _trail() == [
        ("kam1", "view_account", account.pk),
        ("kam1", "view_account", account.pk),
        ("kam1", "view_contacts", account.pk),
    ]
    opened, shown, contact = AuditEvent.objects.order_by("pk")
    assert opened.user == kam_user and opened.details == {}
    assert shown.details == {"panel": "org-chart", "contacts_shown": 2}
    assert contact.details == {"contact": boss.pk}
    # Saving the contact is a change (kept in its history), not another look.
    kam_client.post(
        reverse("accounts:contact-edit", args=[boss.pk]),
        {"name": "Boss", "decision_role": "user", "influence": 3, "attitude": "neutral"},
    )
    assert AuditEvent.objects.count() == 3


def test_another_kams_account_is_a_404_and_not_recorded(kam_client, other_kam):
    theirs = f.AccountFactory(owner=other_kam)
    assert kam_client.get(reverse("accounts:detail", args=[theirs.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


@pytest.fixture
def portfolio(kam_user):
    accounts = [f.AccountFactory(owner=kam_user, external_id=f"A-{i}") for i in range(3)]
    build_period(
        "2025",
        "year",
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        dict(zip(accounts, [500, 300, 100], strict=True)),
        write_accounts=True,
    )
    return accounts


def test_an_export_served_at_once_is_recorded_with_kind_format_filters_and_rows(
    client, head_user, kam_user, portfolio
):
    client.force_login(head_user)
    url = reverse("reports:export", args=["accounts", "csv"])
    response = client.get(url, {"owner": kam_user.pk, "sort": "name"})
    assert response.status_code == 200
    [event] = AuditEvent.objects.all()
    assert (event.user, event.action, event.account_id) == (head_user, "export", None)
    assert event.details == {
        "kind": "accounts",
        "format": "csv",
        "filters": {"owner": str(kam_user.pk), "sort": "name"},
        "rows": 3,
        "served": True,
    }
    # A refused export is not one.
    client.get(reverse("reports:export", args=["secrets", "csv"]))
    assert AuditEvent.objects.count() == 1


def test_a_queued_export_is_recorded_when_queued_and_when_downloaded(
    client, head_user, settings, tmp_path, portfolio, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(head_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:export", args=["accounts", "xlsx"]))
    job_id = response["Location"].rstrip("/").split("/")[-1]
    queued = AuditEvent.objects.get()
    assert queued.details == {
        "kind": "accounts",
        "format": "xlsx",
        "filters": {},
        "rows": 3,
        "queued": True,
        "job": job_id,
    }
    assert client.get(reverse("reports:export-download", args=[job_id])).status_code == 200
    downloaded = AuditEvent.objects.latest("pk")
    assert downloaded.details == {
        "job": job_id,
        "kind": "accounts",
        "format": "xlsx",
        "served": True,
    }


def test_admins_read_the_trail_in_the_admin_and_nobody_else_does(
    client, admin_user_, head_user, kam_user
):
    f.AccountFactory(owner=kam_user)
    for action in ("view_account", "export"):
        AuditEvent.objects.create(user=kam_user, username="kam1", action=action, account_id=7)
    changelist = reverse("admin:accounts_auditevent_changelist")
    client.force_login(admin_user_)
    assert client.get(changelist).status_code == 200
    filtered = client.get(changelist, {"action__exact": "export"})
    assert [e.action for e in filtered.context["cl"].result_list] == ["export"]
    searched = client.get(changelist, {"q": "7"})
    assert len(searched.context["cl"].result_list) == 2
    event = AuditEvent.objects.first()
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    assert client.post(change, {"action": "view_contacts"}).status_code == 403
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 2

    # A head with staff access and every permission on it still does not see it.
    head_user.is_staff = True
    head_user.save()
    head_user.user_permissions.set(Permission.objects.filter(codename__endswith="auditevent"))
    client.force_login(head_user)
    assert client.get(changelist).status_code == 403
    assert "auditevent" not in client.get(reverse("admin:index")).content.decode()
