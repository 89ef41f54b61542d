"""Events in the browser: the list, the event page, the form, attendance, who may do what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Event
from tests.account_page import account_page
from tests.factories import AccountFactory, ContactFactory, EventFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def boss(account):
    return ContactFactory(account=account, name="Ivan Boss")


@pytest.fixture
def buyer(account):
    return ContactFactory(account=account, name="Olga Buyer")


def event_with(*accounts, **fields) -> Event:
    event = EventFactory(**fields)
    event.accounts.set(accounts)
    return event


def form_data(**overrides) -> dict:
    data = {
        "name": "Keep me typed",
        "kind": "presentation",
        "starts_on": days(7).isoformat(),
        "ends_on": "",
        "location": "Kazan Expo",
        "description": "",
    }
    data.update(overrides)
    return data


def error_beside(html: str, field: str) -> str:
    start = html.index(f'id="id_{field}_error"')
    return html[start : html.index("</", start)]


def assert_refused_beside(response, field: str, *, events_before: int = 0) -> str:
    """The form came back with the error under `field`, what was typed, and nothing saved."""
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert error_beside(html, field)
    assert "Keep me typed" in html
    assert Event.objects.count() == events_before
    return html


# --- List -------------------------------------------------------------------------------
def test_kam_sees_events_of_their_accounts_and_company_events_only(
    kam_client, kam_user, other_kam, account
):
    team_account = AccountFactory(owner=other_kam, name="Shared")
    team_account.team.add(kam_user)
    theirs = AccountFactory(owner=other_kam, name="Theirs")
    event_with(account, name="Acme workshop")
    event_with(team_account, name="Team expo")
    event_with(name="Company conference")
    event_with(theirs, name="Their presentation")
    html = kam_client.get(reverse("accounts:events")).content.decode()
    assert "Acme workshop" in html and "Team expo" in html and "Company conference" in html
    assert "Their presentation" not in html and "Theirs" not in html


def test_an_event_shows_only_the_accounts_the_kam_sees(kam_client, other_kam, account):
    theirs = AccountFactory(owner=other_kam, name="Secret Client")
    event_with(account, theirs, name="Joint show")
    html = kam_client.get(reverse("accounts:events")).content.decode()
    assert "Joint show" in html and "Acme" in html and "Secret Client" not in html


def test_head_sees_every_event(client, head_user, kam_user, other_kam):
    event_with(AccountFactory(owner=kam_user), name="Anna's show")
    event_with(AccountFactory(owner=other_kam), name="Boris's show")
    client.force_login(head_user)
    html = client.get(reverse("accounts:events")).content.decode()
    assert "Anna&#x27;s show" in html and "Boris&#x27;s show" in html


def test_upcoming_soonest_first_then_past_newest_first(kam_client, account):
    event_with(account, name="Past long ago", starts_on=days(-60))
    event_with(account, name="Next month", starts_on=days(30))
    event_with(account, name="Running now", starts_on=days(-1), ends_on=days(1))
    event_with(account, name="Last week", starts_on=days(-7))
    event_with(account, name="Tomorrow", starts_on=days(1))
    response = kam_client.get(reverse("accounts:events"))
    names = [e.name for e in response.context["events"]]
    assert names == ["Running now", "Tomorrow", "Next month", "Last week", "Past long ago"]
    html = response.content.decode()
    assert html.index("Upcoming") < html.index("Tomorrow") < html.index("Past<")
    assert html.index("Past<") < html.index("Last week")


@pytest.mark.parametrize("n", [5, 50])
def test_list_runs_a_bounded_number_of_queries(
    kam_client, kam_user, n, django_assert_max_num_queries
):
    accounts = [AccountFactory(owner=kam_user, name=f"Client {i:02d}") for i in range(3)]
    for i in range(n):
        event_with(*accounts[: i % 3 + 1], name=f"Event {i:02d}", starts_on=days(i - n // 2))
    with django_assert_max_num_queries(6):
        response = kam_client.get(reverse("accounts:events"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/events/') - html.count('href="/events/new/') == min(n, 25) + 1
    assert ("Page 1 of 2" in html) == (n > 25)
    assert "Client 02" in html


@pytest.mark.parametrize("page", ["2", "999", "x", "99999999999999999999999", "-1"])
def test_any_page_number_is_a_page(kam_client, account, page):
    event_with(account)
    assert kam_client.get(reverse("accounts:events"), {"page": page}).status_code == 200


# --- Event page -------------------------------------------------------------------------
def test_event_page_shows_details_accounts_and_people_by_account(
    kam_client, kam_user, account, boss, buyer
):
    other = AccountFactory(owner=kam_user, name="Beta")
    beta_cto = ContactFactory(account=other, name="Beta CTO")
    event = event_with(
        account,
        other,
        name="Product day",
        kind="presentation",
        location="Moscow",
        organizer=kam_user,
        starts_on=days(-2),
        description="New packaging line",
    )
    event.invited.set([boss, buyer, beta_cto])
    event.attended.set([boss])
    response = kam_client.get(reverse("accounts:event", args=[event.pk]))
    html = response.content.decode()
    assert "Product day" in html and "Presentation" in html and "Moscow" in html
    assert "New packaging line" in html
    assert f'href="/accounts/{account.pk}/"' in html and f'href="/accounts/{other.pk}/"' in html
    assert [(a.name, [c.name for c in cs]) for a, cs in response.context["people"]] == [
        ("Acme", ["Ivan Boss", "Olga Buyer"]),
        ("Beta", ["Beta CTO"]),
    ]
    people = html[html.index('id="people"') : html.index('id="attendance"')]
    assert people.count("attended") == 1 and people.count("did not come") == 2
    assert reverse("accounts:event-edit", args=[event.pk]) in html


def test_another_kams_event_is_a_404(kam_client, other_kam):
    event = event_with(AccountFactory(owner=other_kam))
    for name in ("accounts:event", "accounts:event-edit"):
        assert kam_client.get(reverse(name, args=[event.pk])).status_code == 404
    response = kam_client.post(reverse("accounts:event-attendance", args=[event.pk]), {})
    assert response.status_code == 404


def test_account_page_links_to_plan_an_event_and_its_events(kam_client, account):
    event = event_with(account, name="Acme workshop")
    html = account_page(kam_client, account.pk)
    assert f'href="/events/new/?account={account.pk}"' in html
    assert f'href="/events/{event.pk}/"' in html


def test_navigation_has_events_for_kams_and_heads(kam_client, client, head_user):
    assert 'href="/events/"' in kam_client.get("/").content.decode()
    client.force_login(head_user)
    assert 'href="/events/"' in client.get("/").content.decode()


# --- Create and edit --------------------------------------------------------------------
def test_kam_plans_an_event_for_an_account_and_invites_people(
    kam_client, kam_user, account, boss, buyer
):
    url = reverse("accounts:event-create")
    response = kam_client.get(url, {"account": account.pk})
    assert response.context["form"].initial["accounts"] == [account.pk]
    html = response.content.decode()
    assert "Ivan Boss" in html and "Olga Buyer" in html  # the people of the chosen account
    data = form_data(
        name="Packaging day",
        ends_on=days(8).isoformat(),
        accounts=[account.pk],
        invited=[boss.pk, buyer.pk],
    )
    response = kam_client.post(url, data)
    event = Event.objects.get()
    assert response.status_code == 302 and response.url == f"/events/{event.pk}/"
    assert (event.name, event.kind, event.organizer, event.ends_on) == (
        "Packaging day",
        "presentation",
        kam_user,
        days(8),
    )
    assert list(event.accounts.all()) == [account]
    assert set(event.invited.all()) == {boss, buyer} and not event.attended.exists()
    assert "Event saved." in kam_client.get(response.url).content.decode()


def test_company_event_without_accounts(kam_client, kam_user):
    response = kam_client.post(reverse("accounts:event-create"), form_data(name="Town hall"))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.organizer == kam_user and not event.accounts.exists()


def test_choosing_accounts_redraws_the_people_without_saving(kam_client, account, boss):
    response = kam_client.post(
        reverse("accounts:event-create"), form_data(name="", accounts=[account.pk], _people="1")
    )
    assert response.status_code == 200 and not Event.objects.exists()
    html = response.content.decode()
    assert "Ivan Boss" in html and "Keep me typed" not in html
    assert not response.context["form"].is_bound  # no "this field is required" yet
    assert 'name="location" value="Kazan Expo"' in html


def test_marking_attendance_on_the_event_page(kam_client, account, boss, buyer):
    event = event_with(account, name="Show", starts_on=days(-1))
    event.invited.set([boss, buyer])
    url = reverse("accounts:event-attendance", args=[event.pk])
    response = kam_client.post(url, {"attended": [buyer.pk]})
    assert response.status_code == 302 and response.url.endswith("#people")
    event.refresh_from_db()
    assert list(event.attended.all()) == [buyer]
    assert set(event.invited.all()) == {boss, buyer} and list(event.accounts.all()) == [account]
    assert event.name == "Show"
    html = kam_client.get(response.url).content.decode()
    assert "Attendance saved." in html


def test_attendance_of_a_stranger_is_refused_beside_the_field(kam_client, kam_user, account, boss):
    event = event_with(account, starts_on=days(-1))
    stranger = ContactFactory(account=AccountFactory(owner=kam_user))
    response = kam_client.post(
        reverse("accounts:event-attendance", args=[event.pk]), {"attended": [stranger.pk]}
    )
    assert response.status_code == 200
    assert error_beside(response.content.decode(), "attended")
    assert not event.attended.exists()


def test_edit_marks_who_attended_and_keeps_the_rest(kam_client, kam_user, account, boss, buyer):
    event = event_with(account, name="Show", starts_on=days(-3), organizer=kam_user)
    event.invited.set([boss, buyer])
    url = reverse("accounts:event-edit", args=[event.pk])
    html = kam_client.get(url).content.decode()
    assert 'value="Show"' in html and "Ivan Boss" in html
    data = form_data(
        name="Show",
        starts_on=days(-3).isoformat(),
        accounts=[account.pk],
        invited=[boss.pk, buyer.pk],
        attended=[boss.pk],
    )
    response = kam_client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert list(event.attended.all()) == [boss] and event.invited.count() == 2
    assert event.location == "Kazan Expo"


# --- Bad input: beside the field, what was typed kept, nothing written ------------------
def test_ends_before_it_starts(kam_client, account):
    response = kam_client.post(
        reverse("accounts:event-create"),
        form_data(starts_on=days(5).isoformat(), ends_on=days(4).isoformat()),
    )
    html = assert_refused_beside(response, "ends_on")
    assert "ends before it starts" in error_beside(html, "ends_on")


def test_empty_name(kam_client, account):
    response = kam_client.post(
        reverse("accounts:event-create"), form_data(name="", location="Keep me typed")
    )
    assert_refused_beside(response, "name")


def test_contact_of_an_account_not_on_the_event(kam_client, kam_user, account, boss):
    other = AccountFactory(owner=kam_user, name="Beta")
    response = kam_client.post(
        reverse("accounts:event-create"), form_data(accounts=[other.pk], invited=[boss.pk])
    )
    html = assert_refused_beside(response, "invited")
    assert "Add their accounts to the event first: Ivan Boss" in error_beside(html, "invited")
    assert re.search(rf'name="invited" value="{boss.pk}"[^>]* checked', html)  # still ticked


def test_attended_contact_of_an_account_not_on_the_event(kam_client, account, boss):
    response = kam_client.post(reverse("accounts:event-create"), form_data(attended=[boss.pk]))
    assert_refused_beside(response, "attended")


def test_another_kams_account_posted_by_hand(kam_client, other_kam):
    theirs = AccountFactory(owner=other_kam, name="Theirs")
    response = kam_client.post(reverse("accounts:event-create"), form_data(accounts=[theirs.pk]))
    html = assert_refused_beside(response, "accounts")
    assert "Theirs" not in html


def test_another_kams_contact_posted_by_hand(kam_client, other_kam, account):
    stranger = ContactFactory(account=AccountFactory(owner=other_kam), name="Their Boss")
    response = kam_client.post(
        reverse("accounts:event-create"), form_data(accounts=[account.pk], invited=[stranger.pk])
    )
    html = assert_refused_beside(response, "invited")
    assert "Their Boss" not in html


@pytest.mark.parametrize(
    "field, value",
    [
        ("starts_on", "31.12.2025x"),
        ("starts_on", ""),
        ("kind", "party"),
        ("accounts", "abc"),
        ("accounts", "99999999999999999999999"),
        ("invited", "-1"),
        ("name", "x" * 300),
        ("name", "nul\x00byte"),
    ],
)
def test_garbage_is_refused_beside_the_field_never_a_500(kam_client, account, field, value):
    response = kam_client.post(reverse("accounts:event-create"), form_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Event.objects.exists()


@pytest.mark.parametrize("account_param", ["abc", "99999999999999999999999", "0", ""])
def test_any_account_parameter_gives_the_form(kam_client, account_param):
    response = kam_client.get(reverse("accounts:event-create"), {"account": account_param})
    assert response.status_code == 200


# --- Who may ----------------------------------------------------------------------------
def test_kam_on_one_account_cannot_edit_an_event_spanning_another_kams_account(
    kam_client, other_kam, account
):
    theirs = AccountFactory(owner=other_kam)
    event = event_with(account, theirs, organizer=other_kam, name="Joint show")
    response = kam_client.get(reverse("accounts:event", args=[event.pk]))
    assert response.status_code == 200 and not response.context["can_change"]
    assert reverse("accounts:event-edit", args=[event.pk]) not in response.content.decode()
    assert kam_client.get(reverse("accounts:event-edit", args=[event.pk])).status_code == 403
    response = kam_client.post(
        reverse("accounts:event-edit", args=[event.pk]), form_data(accounts=[account.pk])
    )
    assert response.status_code == 403
    response = kam_client.post(reverse("accounts:event-attendance", args=[event.pk]), {})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.name == "Joint show" and event.accounts.count() == 2


def test_organizer_edits_a_joint_event_and_the_other_kams_client_stays(
    kam_client, kam_user, other_kam, account, boss
):
    # A head added another KAM's client to the KAM's event: the organizer neither sees
    # that client nor may drop it; editing and marking attendance keep it with its people.
    theirs = AccountFactory(owner=other_kam, name="Hidden Holding")
    their_ceo = ContactFactory(account=theirs, name="Secret Ceo")
    event = event_with(account, theirs, organizer=kam_user, name="Joint", starts_on=days(-2))
    event.invited.set([boss, their_ceo])
    event.attended.set([their_ceo])

    page = kam_client.get(reverse("accounts:event", args=[event.pk])).content.decode()
    assert "Hidden Holding" not in page and "Secret Ceo" not in page
    response = kam_client.post(
        reverse("accounts:event-attendance", args=[event.pk]), {"attended": [boss.pk]}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert set(event.attended.all()) == {boss, their_ceo}
    assert set(event.accounts.all()) == {account, theirs}

    edit = reverse("accounts:event-edit", args=[event.pk])
    assert "Secret Ceo" not in kam_client.get(edit).content.decode()
    data = form_data(
        name="Joint 2", starts_on=days(-2).isoformat(), accounts=[account.pk], invited=[]
    )
    assert kam_client.post(edit, data).status_code == 302
    event.refresh_from_db()
    assert event.name == "Joint 2"
    assert set(event.accounts.all()) == {account, theirs}
    assert set(event.invited.all()) == {their_ceo} and set(event.attended.all()) == {their_ceo}


def test_company_event_is_changed_by_its_organizer_and_heads_only(
    client, kam_user, other_kam, head_user
):
    event = event_with(organizer=other_kam, name="Town hall")
    client.force_login(kam_user)
    assert client.get(reverse("accounts:event", args=[event.pk])).status_code == 200
    assert client.get(reverse("accounts:event-edit", args=[event.pk])).status_code == 403
    client.force_login(head_user)
    response = client.post(
        reverse("accounts:event-edit", args=[event.pk]), form_data(name="Town hall 2026")
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.name == "Town hall 2026" and event.organizer == other_kam


def test_head_plans_an_event_for_any_account(client, head_user, other_kam):
    theirs = AccountFactory(owner=other_kam, name="Boris's client")
    person = ContactFactory(account=theirs, name="Their Buyer")
    client.force_login(head_user)
    html = client.get(reverse("accounts:event-create")).content.decode()
    assert "<select" in html and "Boris&#x27;s client" in html  # a select, not 1000 checkboxes
    response = client.post(
        reverse("accounts:event-create"), form_data(accounts=[theirs.pk], invited=[person.pk])
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert list(event.invited.all()) == [person] and event.organizer == head_user


def test_integration_user_gets_no_event_pages(client, integration_user, kam_user):
    event = event_with(AccountFactory(owner=kam_user))
    client.force_login(integration_user)
    for url in (
        reverse("accounts:events"),
        reverse("accounts:event-create"),
        reverse("accounts:event", args=[event.pk]),
        reverse("accounts:event-edit", args=[event.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("accounts:event-create"), form_data()).status_code == 403
    account_url = reverse("accounts:detail", args=[event.accounts.get().pk])
    assert client.get(account_url).status_code == 403  # no page links to the events either
    assert Event.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:events"))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_event_forms_need_the_csrf_token(kam_user, account, boss):
    event = event_with(account, organizer=kam_user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_user)
    html = client.get(reverse("accounts:event-create")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert client.post(reverse("accounts:event-create"), form_data()).status_code == 403
    url = reverse("accounts:event-attendance", args=[event.pk])
    assert client.post(url, {"attended": [boss.pk]}).status_code == 403
    assert Event.objects.count() == 1 and not event.attended.exists()


def test_event_pages_speak_russian(kam_client, kam_user, account, boss):
    event = event_with(account, name="Выставка", organizer=kam_user, starts_on=days(-1))
    event.invited.set([boss])
    kam_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    html = kam_client.get(reverse("accounts:events")).content.decode()
    assert "Мероприятия" in html and "Прошедшие" in html and "Запланировать мероприятие" in html
    html = kam_client.get(reverse("accounts:event", args=[event.pk])).content.decode()
    assert "Кто пришёл?" in html and "приглашён" in html and "Сохранить отметки" in html
    html = kam_client.get(reverse("accounts:event-edit", args=[event.pk])).content.decode()
    assert "Сохранить мероприятие" in html and "Приглашённые" in html
    response = kam_client.post(
        reverse("accounts:event-create"), form_data(starts_on="2026-05-02", ends_on="2026-05-01")
    )
    assert "Мероприятие заканчивается раньше, чем начинается." in response.content.decode()


def test_all_errors_in_one_round(kam_client, account):
    data = form_data(name="", starts_on=days(5).isoformat(), ends_on=days(4).isoformat())
    response = kam_client.post(reverse("accounts:event-create"), data)
    assert {"name", "ends_on"} <= set(response.context["form"].errors)
    assert not Event.objects.exists()


def test_many_accounts_are_a_multiple_select(kam_client, kam_user):
    for i in range(13):
        AccountFactory(owner=kam_user, name=f"Client {i:02d}")
    html = kam_client.get(reverse("accounts:event-create")).content.decode()
    assert '<select name="accounts"' in html and 'type="checkbox" name="accounts"' not in html


def test_organizer_deletes_an_event_others_cannot(kam_client, kam_user, other_kam, account):
    event = event_with(account, organizer=kam_user, name="Cancelled show")
    url = reverse("accounts:event-delete", args=[event.pk])
    edit = kam_client.get(reverse("accounts:event-edit", args=[event.pk])).content.decode()
    assert f'action="{url}"' in edit
    theirs = event_with(AccountFactory(owner=other_kam), organizer=other_kam)
    assert kam_client.post(reverse("accounts:event-delete", args=[theirs.pk])).status_code == 404
    company = event_with(organizer=other_kam)  # everyone sees it, its organizer changes it
    assert kam_client.post(reverse("accounts:event-delete", args=[company.pk])).status_code == 403
    assert kam_client.get(url).status_code == 405
    response = kam_client.post(url)
    assert response.status_code == 302 and response.url == reverse("accounts:events")
    assert not Event.objects.filter(pk=event.pk).exists()
    assert Event.objects.filter(pk__in=[theirs.pk, company.pk]).count() == 2


def test_the_long_account_list_renders_as_djangos_select_would(kam_user):
    from django import forms
    from django.test.html import parse_html

    from accounts.models import Account
    from kam.forms import LongSelectMultiple

    accounts = [AccountFactory(owner=kam_user, name=name) for name in ("A & B <Ltd>", "Zeta", "Ω")]
    field = forms.ModelMultipleChoiceField(queryset=Account.objects.order_by("name"))
    choices = list(field.choices)
    attrs = {"id": "id_accounts", "aria-describedby": "id_accounts_helptext"}
    for value in ([], [accounts[0].pk, accounts[2].pk]):
        ours = LongSelectMultiple(attrs={"size": 8}, choices=choices)
        ours = ours.render("accounts", value, attrs)
        django = forms.SelectMultiple(attrs={"size": 8}, choices=choices).render(
            "accounts", value, attrs
        )
        assert parse_html(ours) == parse_html(django)


def test_the_quick_log_choices_render_as_djangos_widgets_would(kam_user):
    """The quick log's radio chips and contact checkboxes are written out in Python for
    speed (kam.forms.FastRadioSelect/FastCheckboxSelectMultiple); a person must see the
    same form Django's own widgets would give, checked boxes and odd names included."""
    from django import forms
    from django.test.html import parse_html

    from kam.forms import FastCheckboxSelectMultiple, FastRadioSelect

    choices = [("meeting", "Meeting"), ("call", "Call & <chat>"), ("visit", "Визит")]
    for ours_class, django_class, value in (
        (FastRadioSelect, forms.RadioSelect, "call"),
        (FastCheckboxSelectMultiple, forms.CheckboxSelectMultiple, ["meeting", "visit"]),
        (FastCheckboxSelectMultiple, forms.CheckboxSelectMultiple, []),
    ):
        attrs = {"id": "id_kind", "required": True, "aria-invalid": "true"}
        ours = ours_class(attrs={"class": "chips"}, choices=choices).render("kind", value, attrs)
        django = django_class(attrs={"class": "chips"}, choices=choices).render(
            "kind", value, attrs
        )
        assert parse_html(ours) == parse_html(django)
