"""Deleting an interaction, survey, event or distributor link only marks it; "Recently
deleted" brings it back; the nightly purge removes it after retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, DistributorLink, Event, Interaction, Survey
from accounts.selectors import contact_list
from plans.calendar import calendar_items
from tests import factories as f
from tests.account_page import account_page
from tests.conftest import field_errors

pytestmark = pytest.mark.django_db


def _restore_url(kind: str, pk: int) -> str:
    return reverse("accounts:restore", args=[kind, pk])


def test_deleted_interaction_comes_back_with_who_deleted_and_who_restored_in_its_history(
    kam_user, head_user, api_client_for
):
    account = f.AccountFactory(owner=kam_user)
    people = f.ContactFactory.create_batch(2, account=account)
    kam = api_client_for(kam_user)
    created = kam.post(
        "/api/v1/interactions/",
        {"account": account.pk, "summary": "Price talk", "contacts": [p.pk for p in people]},
        format="json",
    )
    pk = created.json()["id"]

    assert kam.delete(f"/api/v1/interactions/{pk}/").status_code == 204
    row = Interaction.all_objects.get(pk=pk)  # still there, marked
    assert row.deleted_at is not None and row.deleted_by == kam_user
    assert kam.get(f"/api/v1/interactions/{pk}/").status_code == 404

    # The head restores it from the page: a POST with the CSRF token.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(head_user)
    assert browser.post(_restore_url("interaction", pk)).status_code == 403  # no token
    page = browser.get(reverse("accounts:recently-deleted"))
    assert f'action="{_restore_url("interaction", pk)}"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    response = browser.post(_restore_url("interaction", pk), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[account.pk]) + "#timeline"

    restored = kam.get(f"/api/v1/interactions/{pk}/").json()
    assert sorted(restored["contacts"]) == sorted(p.pk for p in people)  # who was there too
    history = kam.get(f"/api/v1/interactions/{pk}/history/").json()["results"]
    # Newest first: restored by the head, deleted by the KAM, then the KAM's creation.
    assert [(e["reason"], e["user"]) for e in history[:2]] == [
        ("restored", "head"),
        ("deleted", "kam1"),
    ]
    assert {"field": "deleted_by", "old": None, "new": "kam1"} in history[1]["changes"]
    assert {"field": "deleted_by", "old": "kam1", "new": None} in history[0]["changes"]
    assert history[-1]["type"] == "created" and history[-1]["user"] == "kam1"
    # The creation's snapshot of who was there is in the history as well.
    assert any(
        c == {"field": "contacts", "old": [], "new": sorted(p.pk for p in people)}
        for e in history
        for c in e["changes"]
    )


@pytest.fixture
def deleted_everything(kam_user):
    """One live and one deleted record of each kind on the KAM's account."""
    account = f.AccountFactory(owner=kam_user, name="Acme")
    contact = f.ContactFactory(account=account, name="Olga")
    now = timezone.now()
    kept = f.InteractionFactory(
        account=account, summary="Kept talk", occurred_at=now - dt.timedelta(days=5)
    )
    gone = f.InteractionFactory(
        account=account,
        summary="Gone talk",
        occurred_at=now - dt.timedelta(days=1),
        next_step="Gone step",
        next_step_due=timezone.localdate() + dt.timedelta(days=2),
    )
    gone.contacts.add(contact)
    kept.contacts.add(contact)
    surveys = [
        f.SurveyFactory(account=account, comments=text, date=timezone.localdate())
        for text in ("Kept survey", "Gone survey")
    ]
    links = [
        f.DistributorLinkFactory(account=account, distributor=f.DistributorFactory(name=name))
        for name in ("Kept Distrib", "Gone Distrib")
    ]
    events = [
        f.EventFactory(name=name, starts_on=timezone.localdate() + dt.timedelta(days=3))
        for name in ("Kept Expo", "Gone Expo")
    ]
    for event in events:
        event.accounts.add(account)
    for record in (gone, surveys[1], links[1]):
        services.account_record_delete(user=kam_user, record=record, account=account)
    services.event_delete(user=kam_user, event=events[1])
    return {
        "account": account,
        "contact": contact,
        "kept": kept,
        "gone": {"interaction": gone, "survey": surveys[1], "link": links[1], "event": events[1]},
    }


def test_deleted_rows_are_hidden_from_pages_timeline_calendar_and_api(
    kam_client, kam_user, api_client_for, deleted_everything
):
    account, gone = deleted_everything["account"], deleted_everything["gone"]
    html = account_page(kam_client, account.pk)
    for text in ("Kept talk", "Kept survey", "Kept Distrib", "Kept Expo"):
        assert text in html
    for text in ("Gone talk", "Gone survey", "Gone Distrib", "Gone Expo"):
        assert text not in html
    events_page = kam_client.get(reverse("accounts:events")).content.decode()
    assert "Kept Expo" in events_page and "Gone Expo" not in events_page
    assert kam_client.get(reverse("accounts:event", args=[gone["event"].pk])).status_code == 404

    api = api_client_for(kam_user)
    for resource, record in (
        ("interactions", gone["interaction"]),
        ("surveys", gone["survey"]),
        ("distributor-links", gone["link"]),
        ("events", gone["event"]),
    ):
        ids = [row["id"] for row in api.get(f"/api/v1/{resource}/").json()["results"]]
        assert len(ids) == 1 and record.pk not in ids, resource
        assert api.get(f"/api/v1/{resource}/{record.pk}/").status_code == 404

    # The calendar has the live event, not the deleted one nor the deleted talk's next step.
    today = timezone.localdate()
    titles = {
        i.title
        for i in calendar_items(
            user=kam_user, start=today, end=today.replace(day=1) + dt.timedelta(days=60)
        )
    }
    assert "Kept Expo" in titles and "Gone Expo" not in titles and "Gone step" not in titles
    # "Last touched" of the contact comes from the live interaction only.
    contact = contact_list(user=kam_user).get(pk=deleted_everything["contact"].pk)
    assert contact.last_interaction_at == deleted_everything["kept"].occurred_at


def test_a_deleted_distributor_link_may_be_made_again_and_then_is_not_restored_over_it(
    kam_user, api_client_for
):
    link = f.DistributorLinkFactory(account=f.AccountFactory(owner=kam_user))
    api = api_client_for(kam_user)
    assert api.delete(f"/api/v1/distributor-links/{link.pk}/").status_code == 204
    again = api.post(
        "/api/v1/distributor-links/",
        {"account": link.account_id, "distributor": link.distributor_id},
        format="json",
    )
    assert again.status_code == 201, again.json()
    refused = api.post(f"/api/v1/deleted/distributor-link/{link.pk}/restore/")
    assert refused.status_code == 400 and "distributor" in refused.json()
    assert DistributorLink.all_objects.get(pk=link.pk).deleted_at is not None


def test_a_kam_cannot_restore_rows_of_another_kams_account(
    kam_user, other_kam, kam_client, api_client_for
):
    theirs = f.AccountFactory(owner=other_kam)
    interaction = f.InteractionFactory(account=theirs, author=other_kam)
    survey = f.SurveyFactory(account=theirs)
    for record in (interaction, survey):
        services.account_record_delete(user=other_kam, record=record, account=theirs)
    api = api_client_for(kam_user)
    assert api.get("/api/v1/deleted/").json()["count"] == 0
    assert (
        "Nothing deleted" in kam_client.get(reverse("accounts:recently-deleted")).content.decode()
    )
    for kind, record in (("interaction", interaction), ("survey", survey)):
        assert api.post(f"/api/v1/deleted/{kind}/{record.pk}/restore/").status_code == 404
        assert kam_client.post(_restore_url(kind, record.pk)).status_code == 404
    assert not Interaction.objects.exists() and not Survey.objects.exists()
    # Their owner sees and restores them.
    owner = api_client_for(other_kam)
    assert owner.get("/api/v1/deleted/").json()["count"] == 2
    assert owner.post(f"/api/v1/deleted/survey/{survey.pk}/restore/").json() == {
        "kind": "survey",
        "id": survey.pk,
        "url": f"/api/v1/surveys/{survey.pk}/",
    }


def test_a_kam_restores_what_they_wrote_or_deleted_while_they_still_see_the_account(
    kam_user, other_kam, head_user, api_client_for
):
    account = f.AccountFactory(owner=kam_user)
    mine = f.InteractionFactory(account=account, author=kam_user)
    colleagues = f.InteractionFactory(account=account, author=other_kam)
    survey = f.SurveyFactory(account=account)
    for record in (mine, colleagues, survey):  # the head tidies up
        services.account_record_delete(user=head_user, record=record, account=account)
    api = api_client_for(kam_user)
    listed = api.get("/api/v1/deleted/").json()["results"]
    assert [(e["kind"], e["id"], e["deleted_by"]) for e in listed] == [
        ("interaction", mine.pk, "head")
    ]
    assert api.post(f"/api/v1/deleted/interaction/{colleagues.pk}/restore/").status_code == 404
    assert api.post(f"/api/v1/deleted/survey/{survey.pk}/restore/").status_code == 404
    # Once the account is no longer theirs, not even what they wrote.
    account.owner = other_kam
    account.save()
    assert api.post(f"/api/v1/deleted/interaction/{mine.pk}/restore/").status_code == 404
    assert api_client_for(head_user).get("/api/v1/deleted/").json()["count"] == 3


def test_head_restores_an_event_with_its_people(kam_user, head_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    guest = f.ContactFactory(account=account)
    event = f.EventFactory(organizer=kam_user)
    event.accounts.add(account)
    event.invited.add(guest)
    assert api_client_for(kam_user).delete(f"/api/v1/events/{event.pk}/").status_code == 204
    head = api_client_for(head_user)
    [entry] = head.get("/api/v1/deleted/", {"kind": "event"}).json()["results"]
    assert (entry["id"], entry["account"], entry["deleted_by"]) == (event.pk, None, "kam1")
    assert head.post(f"/api/v1/deleted/event/{event.pk}/restore/").status_code == 200
    shown = api_client_for(kam_user).get(f"/api/v1/events/{event.pk}/").json()
    assert shown["accounts"] == [account.pk] and shown["invited"] == [guest.pk]
    history = head.get(f"/api/v1/events/{event.pk}/history/").json()["results"]
    assert [(e["reason"], e["user"]) for e in history[:2]] == [
        ("restored", "head"),
        ("deleted", "kam1"),
    ]
    # Adding the account and the guest were recorded as changes too (factories: no user).
    changes = [c for e in history for c in e["changes"]]
    assert {"field": "invited", "old": [], "new": [guest.pk]} in changes
    assert {"field": "accounts", "old": [], "new": [account.pk]} in changes


def test_recently_deleted_lists_the_last_30_days_filtered_by_account(
    kam_client, kam_user, deleted_everything
):
    account = deleted_everything["account"]
    old = f.InteractionFactory(account=account, summary="Ancient talk")
    services.account_record_delete(user=kam_user, record=old, account=account)
    Interaction.all_objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=31)
    )
    other = f.InteractionFactory(account=f.AccountFactory(owner=kam_user), summary="Elsewhere")
    services.account_record_delete(user=kam_user, record=other, account=other.account)

    response = kam_client.get(reverse("accounts:recently-deleted"), {"account": account.pk})
    html = response.content.decode()
    kinds = [e.kind for e in response.context["entries"]]
    assert sorted(kinds) == ["distributor-link", "event", "interaction", "survey"]
    assert "Gone talk" in html and "Ancient talk" not in html and "Elsewhere" not in html
    assert kam_client.post(_restore_url("interaction", old.pk)).status_code == 404  # too old
    assert len(kam_client.get(reverse("accounts:recently-deleted")).context["entries"]) == 5
    # The account page links to it, for that account; the menu (a KAM's too) to the page.
    page = account_page(kam_client, account.pk)
    assert f"{reverse('accounts:recently-deleted')}?account={account.pk}" in page
    assert f'href="{reverse("accounts:recently-deleted")}"' in page


def test_recently_deleted_speaks_russian_and_is_closed_to_the_erp(
    kam_client, integration_user, client, deleted_everything
):
    kam_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    html = kam_client.get(reverse("accounts:recently-deleted")).content.decode()
    assert "Недавно удалённые" in html and "Восстановить" in html
    client.force_login(integration_user)
    assert client.get(reverse("accounts:recently-deleted")).status_code == 403


def test_heads_menu_links_recently_deleted(client, head_user):
    client.force_login(head_user)
    html = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{reverse("accounts:recently-deleted")}"' in html


def test_deleted_api_refuses_bad_filters_naming_them(kam_user, api_client_for):
    api = api_client_for(kam_user)
    response = api.get("/api/v1/deleted/", {"kind": "contact", "account": "x"})
    assert response.status_code == 400 and set(field_errors(response.json())) == {"kind", "account"}
    assert api.post("/api/v1/deleted/contact/1/restore/").status_code == 404
    huge = "9" * 25
    assert api.post(f"/api/v1/deleted/survey/{huge}/restore/").status_code == 404


def test_deleting_in_the_admin_only_marks(client, admin_user_):
    survey = f.SurveyFactory()
    client.force_login(admin_user_)
    url = reverse("admin:accounts_survey_delete", args=[survey.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert Survey.all_objects.get(pk=survey.pk).deleted_by == admin_user_


def test_purge_removes_what_is_past_retention_and_nothing_else(settings, kam_user):
    settings.SOFT_DELETE_RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS = 30, 365
    now = timezone.now()
    account = f.AccountFactory(owner=kam_user)
    records = {
        "old": f.InteractionFactory(account=account),
        "recent": f.InteractionFactory(account=account),
        "live": f.InteractionFactory(account=account),
        "old_event": f.EventFactory(organizer=kam_user),
    }
    for name in ("old", "recent"):
        services.account_record_delete(user=kam_user, record=records[name], account=account)
    services.event_delete(user=kam_user, event=records["old_event"])
    Interaction.all_objects.filter(pk=records["old"].pk).update(
        deleted_at=now - dt.timedelta(days=30, minutes=1)
    )
    Event.all_objects.filter(pk=records["old_event"].pk).update(
        deleted_at=now - dt.timedelta(days=90)
    )
    Interaction.all_objects.filter(pk=records["recent"].pk).update(
        deleted_at=now - dt.timedelta(days=29)
    )
    for days in (366, 364):
        services.audit_record(user=kam_user, action="view_account", account_id=account.pk)
        AuditEvent.objects.filter(at__gt=now - dt.timedelta(minutes=1)).update(
            at=now - dt.timedelta(days=days)
        )

    from accounts.tasks import retention_purge

    assert retention_purge.apply().get() == {
        "interaction": 1,
        "survey": 0,
        "event": 1,
        "distributor-link": 0,
        "audit": 1,
    }
    assert set(Interaction.all_objects.values_list("pk", flat=True)) == {
        records["recent"].pk,
        records["live"].pk,
    }
    assert not Event.all_objects.exists()
    assert [e.at.date() for e in AuditEvent.objects.all()] == [
        (now - dt.timedelta(days=364)).date()
    ]
    # The purged interaction's history ends with its removal.
    last = Interaction.history.filter(id=records["old"].pk).order_by("-history_id").first()
    assert last.history_type == "-"
    # A second run finds nothing.
    assert set(retention_purge.apply().get().values()) == {0}
