"""The KAM's pages in the accounts app: scoping, forms, htmx and bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact, Interaction
from tests.account_page import account_page, account_page_queries
from tests.accounts.workspace_data import build_account, build_portfolio
from tests.factories import AccountFactory, ContactFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_lists_my_owned_and_team_accounts_only(kam_client, kam_user, other_kam):
    AccountFactory(owner=kam_user, name="Mine Owned")
    AccountFactory(owner=other_kam, name="Theirs With Me").team.add(kam_user)
    AccountFactory(owner=other_kam, name="Theirs Only")
    html = kam_client.get("/").content.decode()
    assert "Mine Owned" in html and "Theirs With Me" in html
    assert "Theirs Only" not in html


@pytest.mark.parametrize("n", [5, 50])
def test_home_runs_a_bounded_number_of_queries(
    kam_client, kam_user, n, django_assert_max_num_queries
):
    build_portfolio(kam_user, n)
    # 14 before targets; the target card adds its two grouped sums (revenue, targets).
    with django_assert_max_num_queries(16):
        response = kam_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="lead"') == min(n, 25)
    assert ("Page 1 of 2" in html) == (n > 25)


def table(response) -> str:
    html = response.content.decode()
    return html[html.index("<table") :]


def test_home_search_filters_and_sorts(kam_client, kam_user):
    build_portfolio(kam_user, 4)  # Client 000..003; even ones are key
    html = table(kam_client.get("/", {"q": "client 003"}))
    assert "Client 003" in html and "Client 002" not in html
    html = table(kam_client.get("/", {"key": "on"}))
    assert "Client 000" in html and "Client 001" not in html
    html = table(kam_client.get("/", {"sort": "-revenue"}))
    assert html.index("Client 003") < html.index("Client 000")
    html = table(kam_client.get("/", {"tier": "C", "region": "999999"}))  # stale region
    assert "Client 001" in html and "Client 000" not in html


def test_home_needs_attention_strip(kam_client, kam_user):
    build_account(kam_user, i=7)  # key, last contact 41 days ago, an overdue action, a tender
    html = kam_client.get("/").content.decode()
    strip = html[html.index("Overdue actions") : html.index("Find accounts")]
    assert "Book a meeting with procurement" in strip  # the overdue one
    assert "Tender" in strip and "Client 007" in strip


def test_head_sees_everyone_and_filters_by_owner(client, head_user, kam_user, other_kam):
    AccountFactory(owner=kam_user, name="Anna's")
    AccountFactory(owner=other_kam, name="Boris's")
    client.force_login(head_user)
    html = client.get("/").content.decode()
    assert "Anna&#x27;s" in html and "Boris&#x27;s" in html
    html = client.get("/", {"owner": str(other_kam.pk)}).content.decode()
    assert "Boris&#x27;s" in html and "Anna&#x27;s" not in html


@pytest.mark.parametrize("n", [5, 50])
def test_account_page_runs_a_bounded_number_of_queries(kam_client, kam_user, n):
    accounts = build_portfolio(kam_user, n)
    account = accounts[0]
    for _ in range(n // 5):  # more people and history with the bigger portfolio
        c = ContactFactory(account=account, reports_to=account.contacts.first())
        InteractionFactory(account=account).contacts.add(c)
    # Whatever the portfolio's size: the page 7 queries at most (session, user, the
    # account with its subsidiaries, the audit row, team, numbers, bell), and each of the
    # 13 panels that arrive after it (the chart and the health card first) 9 at most (the
    # plan's: the plan, its objectives and open actions, its completeness and progress;
    # the org chart's: its people, their coverage and the audit row of their being shown).
    counts = account_page_queries(kam_client, account.pk)
    assert counts["page"] <= 7 and len(counts) == 14
    assert max(v for k, v in counts.items() if k != "page") <= 9
    html = account_page(kam_client, account.pk)
    for text in (
        "Org chart",
        "Timeline",
        "Account plan",
        "Tenders",
        "Whitespace",
        "Distributor",
        "revenue-data",
        "Tier by quarter",
    ):
        assert text in html


def test_org_chart_nests_reports_and_flags_unmet_decision_makers(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    ceo = ContactFactory(account=account, name="Ceo", decision_role="decision_maker")
    ContactFactory(account=account, name="Cfo", reports_to=ceo, decision_role="economic_buyer")
    old = InteractionFactory(account=account, occurred_at=timezone.now() - dt.timedelta(days=120))
    old.contacts.add(ceo)
    response = kam_client.get(
        reverse("accounts:panel", args=[account.pk, "org-chart"]), headers={"HX-Request": "true"}
    )
    chart = response.context["org_chart"]
    assert [n.contact.name for n in chart] == ["Ceo"]
    assert [n.contact.name for n in chart[0].children] == ["Cfo"]
    assert chart[0].contact.unmet_decider and chart[0].children[0].contact.unmet_decider
    assert response.content.decode().count("not met in 90 days") >= 2


def test_a_panel_asked_for_after_the_session_ended_sends_the_window_to_the_login(kam_user):
    """htmx swaps what it gets: a login form inside the org chart's box would be a trap."""
    account = AccountFactory(owner=kam_user)
    page = reverse("accounts:detail", args=[account.pk])
    response = Client().get(
        reverse("accounts:panel", args=[account.pk, "org-chart"]),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{reverse('login')}?next={page}"
    # Without htmx the browser is sent to the login page as before.
    plain = Client().get(reverse("accounts:panel", args=[account.pk, "org-chart"]))
    assert plain.status_code == 302 and plain["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name,args",
    [("accounts:detail", None), ("accounts:log", None), ("accounts:contact-create", None)],
)
def test_kam_gets_404_on_another_kams_account(kam_client, other_kam, name, args):
    theirs = AccountFactory(owner=other_kam)
    assert kam_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert kam_client.post(reverse(name, args=[theirs.pk]), {"summary": "x"}).status_code == 404


def test_kam_gets_404_on_another_kams_contact(kam_client, other_kam):
    contact = ContactFactory(account=AccountFactory(owner=other_kam))
    assert kam_client.get(reverse("accounts:contact-edit", args=[contact.pk])).status_code == 404


def test_log_without_js_saves_and_redirects_to_the_timeline(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    boss = ContactFactory(account=account)
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {
            "kind": "call",
            "occurred_at": "2026-11-20T10:30",
            "contacts": [boss.pk],
            "summary": "Price review call",
            "next_step": "Send the price list",
            "next_step_due": "2026-11-25",
        },
    )
    assert response.status_code == 302
    assert response.url.endswith(f"/accounts/{account.pk}/#timeline")
    interaction = Interaction.objects.get(account=account)
    assert interaction.kind == "call" and interaction.author == kam_user
    assert list(interaction.contacts.all()) == [boss]
    assert timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%d %H:%M") == (
        "2026-11-20 10:30"
    )


def test_log_with_htmx_swaps_form_timeline_and_org_chart(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    ContactFactory(account=account, name="Visible Person")
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {
            "inline": "1",
            "kind": "meeting",
            "occurred_at": "2026-11-20T10:30",
            "summary": "Quarterly review",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="log-form"' in html and "Saved." in html
    assert 'id="timeline" hx-swap-oob="true"' in html and "Quarterly review" in html
    assert 'id="org-chart" hx-swap-oob="true"' in html and "Visible Person" in html


def test_log_with_htmx_and_an_error_returns_the_form_still_inline(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {"inline": "1", "kind": "call", "occurred_at": "2026-11-20T10:30", "summary": ""},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="log-form"')  # a fragment, not a page
    assert 'hx-post="' in html and 'name="inline" value="1"' in html
    assert 'id="id_summary_error"' in html


def test_log_errors_are_beside_the_fields_and_keep_the_input(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {
            "kind": "visit",
            "occurred_at": "2026-11-20T10:30",
            "summary": "",
            "outcome": "They liked it",
            "next_step": "Call back",
            "next_step_due": "2026-11-01",
        },
    )
    assert response.status_code == 200
    form = response.context["log_form"]
    assert "summary" in form.errors
    html = response.content.decode()
    assert 'id="id_summary_error"' in html and "They liked it" in html
    assert not Interaction.objects.exists()
    # Valid input, but the service rule (step due before the meeting) names its field.
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {
            "kind": "visit",
            "occurred_at": "2026-11-20T10:30",
            "summary": "Tour",
            "next_step": "Call back",
            "next_step_due": "2026-11-01",
        },
    )
    assert "next_step_due" in response.context["log_form"].errors
    assert 'id="id_next_step_due_error"' in response.content.decode()
    assert not Interaction.objects.exists()


def test_log_rejects_another_accounts_contact(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    stranger = ContactFactory(account=AccountFactory(owner=kam_user))
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {
            "kind": "call",
            "occurred_at": "2026-11-20T10:30",
            "summary": "x",
            "contacts": [stranger.pk],
        },
    )
    assert "contacts" in response.context["log_form"].errors
    assert not Interaction.objects.exists()


def test_log_pick_leads_to_the_accounts_form(kam_client, kam_user, other_kam):
    mine = AccountFactory(owner=kam_user)
    theirs = AccountFactory(owner=other_kam)
    response = kam_client.get(reverse("accounts:log-pick"), {"account": mine.pk})
    assert response.url == reverse("accounts:log", args=[mine.pk])
    response = kam_client.get(reverse("accounts:log-pick"), {"account": theirs.pk})
    assert response.status_code == 200 and "account" in response.context["form"].errors


def test_integration_user_has_no_account_pages_and_cannot_log(client, integration_user, kam_user):
    account = AccountFactory(owner=kam_user)
    client.force_login(integration_user)
    assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 403
    response = client.post(reverse("accounts:log", args=[account.pk]), {"summary": "x"})
    assert response.status_code == 403
    assert not account.interactions.exists()


def test_contact_added_under_a_manager(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    boss = ContactFactory(account=account, name="Boss")
    response = kam_client.post(
        reverse("accounts:contact-create", args=[account.pk]),
        {
            "name": "Olga",
            "reports_to": boss.pk,
            "decision_role": "influencer",
            "influence": 4,
            "attitude": "supporter",
        },
    )
    assert response.status_code == 302
    olga = Contact.objects.get(name="Olga")
    assert olga.reports_to == boss and olga.account == account and olga.influence == 4


def test_contact_edit_refuses_a_reporting_cycle_beside_the_field(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    boss = ContactFactory(account=account, name="Boss")
    deputy = ContactFactory(account=account, name="Deputy", reports_to=boss)
    response = kam_client.post(
        reverse("accounts:contact-edit", args=[boss.pk]),
        {
            "name": "Boss renamed",
            "reports_to": deputy.pk,
            "decision_role": "user",
            "influence": 3,
            "attitude": "neutral",
        },
    )
    assert response.status_code == 200
    assert "reports_to" in response.context["form"].errors
    assert 'value="Boss renamed"' in response.content.decode()
    boss.refresh_from_db()
    assert boss.name == "Boss" and boss.reports_to is None


def test_contact_influence_out_of_range_is_an_error_beside_it(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    response = kam_client.post(
        reverse("accounts:contact-create", args=[account.pk]),
        {"name": "X", "decision_role": "user", "influence": 9, "attitude": "neutral"},
    )
    assert "influence" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_forms_need_the_csrf_token(kam_user):
    account = AccountFactory(owner=kam_user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_user)
    response = client.post(reverse("accounts:log", args=[account.pk]), {"summary": "x"})
    assert response.status_code == 403
    assert (
        'name="csrfmiddlewaretoken"'
        in client.get(reverse("accounts:log", args=[account.pk])).content.decode()
    )


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_sign_in_and_password_reset_by_email(client):
    UserFactory(username="olga", email="olga@example.com")
    response = client.post("/login/", {"username": "olga", "password": "pass-word-123"})
    assert response.status_code == 302 and response.url == "/"
    client.logout()
    response = client.post("/password_reset/", {"email": "olga@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/reset/" in mail.outbox[0].body and mail.outbox[0].subject == "KAM: reset your password"


def test_the_integration_user_cannot_sign_in_through_the_form(client):
    UserFactory(username="erp", role="integration")
    response = client.post("/login/", {"username": "erp", "password": "pass-word-123"})
    assert response.status_code == 200
    assert "cannot sign in here" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_integration_user_gets_a_403_page_without_the_menu(client, integration_user):
    client.force_login(integration_user)  # a session from somewhere else
    response = client.get("/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "it has no pages" in html and 'class="mainnav"' not in html


def test_russian_after_switching_language(kam_client, kam_user):
    AccountFactory(owner=kam_user, ttm_revenue=1234567)
    response = kam_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    html = kam_client.get("/").content.decode()
    assert "Мои клиенты" in html and "Требует внимания" in html
    assert "1\xa0234\xa0567" in html  # grouped the Russian way


def test_kam_edits_potential_strategic_flag_and_notes(kam_client, kam_user):
    account = AccountFactory(owner=kam_user, strategic=False)
    url = reverse("accounts:edit", args=[account.pk])
    response = kam_client.post(
        url, {"status": "at_risk", "potential_annual": "-1", "notes": "Keep me"}
    )
    assert "potential_annual" in response.context["form"].errors
    assert "Keep me" in response.content.decode()
    response = kam_client.post(
        url,
        {"status": "at_risk", "potential_annual": "9000000", "strategic": "on", "notes": "Big"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.strategic and account.status == "at_risk" and account.notes == "Big"
    assert account.history.first().history_user == kam_user  # who changed it is kept


def test_kam_cannot_edit_another_kams_account(kam_client, other_kam):
    theirs = AccountFactory(owner=other_kam)
    assert kam_client.get(reverse("accounts:edit", args=[theirs.pk])).status_code == 404


def test_logging_with_an_id_past_64_bits_is_refused_beside_the_field(kam_client, account):
    # SQLite cannot even compare such a number: it was a 500 there.
    response = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {"kind": "call", "occurred_at": "2026-01-01T10:00", "contacts": ["9" * 20], "summary": "x"},
    )
    assert response.status_code in (200, 400)
    assert "contacts" in response.context["form"].errors
    assert not account.interactions.exists()


# --- the confirmation lands in view, with an undo ----------------------------------------
def test_a_logged_interaction_is_confirmed_in_a_toast_whose_undo_takes_it_back(
    kam_client, kam_user
):
    from accounts.models import Interaction

    account = AccountFactory(owner=kam_user)
    saved = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {"kind": "call", "occurred_at": "2026-01-15T10:00", "summary": "Price call"},
        follow=True,
    )
    body = saved.content.decode()
    logged = Interaction.objects.get(summary="Price call")
    undo = reverse("accounts:interaction-undo", args=[logged.pk])
    assert 'class="toast msg-success"' in body and "Interaction logged." in body
    assert f'action="{undo}"' in body

    kam_client.post(undo)

    assert not Interaction.objects.filter(pk=logged.pk).exists()
    assert Interaction.all_objects.get(pk=logged.pk).deleted_at  # restorable


def test_the_inline_log_swaps_a_toast_into_the_viewport(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    answer = kam_client.post(
        reverse("accounts:log", args=[account.pk]),
        {"kind": "call", "occurred_at": "2026-01-15T10:00", "summary": "Inline", "inline": "1"},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert 'id="toasts"' in body and 'hx-swap-oob="true"' in body
    assert "Interaction logged." in body and "/undo/" in body


def test_another_kam_cannot_undo_my_interaction(client, kam_user, other_kam):
    from accounts.models import Interaction

    logged = InteractionFactory(account=AccountFactory(owner=kam_user))
    client.force_login(other_kam)
    assert client.post(reverse("accounts:interaction-undo", args=[logged.pk])).status_code == 404
    assert Interaction.objects.filter(pk=logged.pk).exists()
