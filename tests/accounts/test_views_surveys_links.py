"""Surveys and distributor links in the browser: record, edit, refuse bad input, who may."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import DistributorLink, Survey
from tests.account_page import account_page, account_page_queries
from tests.accounts.workspace_data import build_portfolio
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DistributorFactory,
    DistributorLinkFactory,
    SurveyFactory,
)

pytestmark = pytest.mark.django_db


def detail(account) -> str:
    return reverse("accounts:detail", args=[account.pk])


def error_beside(html: str, field: str) -> str:
    """The text of the error list Django renders right under the field's input."""
    start = html.index(f'id="id_{field}_error"')
    return html[start : html.index("</ul>", start)]


def assert_refused_beside(response, field: str, model) -> None:
    """The form came back with the error under `field`, what was typed, and no new row."""
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert error_beside(html, field)
    assert "Keep me typed" in html
    assert not model.objects.exists()


# --- Surveys ---------------------------------------------------------------------------
def test_survey_form_defaults_to_today_and_offers_only_this_accounts_people(
    kam_client, account, other_kam
):
    ContactFactory(account=account, name="Our Buyer")
    ContactFactory(account=AccountFactory(owner=other_kam), name="Their Buyer")
    response = kam_client.get(reverse("accounts:survey-create", args=[account.pk]))
    html = response.content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert "Our Buyer" in html and "Their Buyer" not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_kam_records_a_survey_and_sees_it_on_the_account_page(kam_client, account):
    buyer = ContactFactory(account=account, name="Olga Buyer")
    response = kam_client.post(
        reverse("accounts:survey-create", args=[account.pk]),
        {
            "date": "2025-03-14",
            "contact": buyer.pk,
            "nps": "9",
            "satisfaction": "4",
            "needs": "Faster deliveries to the Kazan plant",
            "comments": "Happy with the price",
        },
    )
    assert response.status_code == 302
    assert response.url == detail(account) + "#surveys"
    survey = Survey.objects.get()
    assert (survey.account, survey.contact, survey.date) == (account, buyer, dt.date(2025, 3, 14))
    assert (survey.nps, survey.satisfaction) == (9, 4)
    html = account_page(kam_client, account.pk)
    surveys = html[html.index('id="surveys"') :]
    assert "Olga Buyer" in surveys and "NPS 9/10" in surveys
    assert "Faster deliveries to the Kazan plant" in surveys


def test_a_survey_needs_no_contact_nor_scores(kam_client, account):
    response = kam_client.post(
        reverse("accounts:survey-create", args=[account.pk]),
        {"date": "2025-03-14", "needs": "A second supplier"},
    )
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert survey.contact is None and survey.nps is None and survey.satisfaction is None


def test_kam_edits_a_survey(kam_client, account):
    survey = SurveyFactory(account=account, nps=5, needs="Old")
    url = reverse("accounts:survey-edit", args=[survey.pk])
    assert 'value="5"' in kam_client.get(url).content.decode()
    response = kam_client.post(
        url, {"date": survey.date.isoformat(), "nps": "10", "satisfaction": "5", "needs": "New"}
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.nps, survey.satisfaction, survey.needs) == (10, 5, "New")


@pytest.mark.parametrize(
    "field,value",
    [
        ("nps", "11"),
        ("nps", "-1"),
        ("nps", "seven"),
        ("nps", "99999999999999999999"),
        ("satisfaction", "0"),
        ("satisfaction", "6"),
        ("date", "2025-02-30"),
        ("date", ""),
        ("contact", "999999"),
    ],
)
def test_bad_survey_input_is_an_error_beside_the_field_and_saves_nothing(
    kam_client, account, field, value
):
    data = {"date": "2025-03-14", "nps": "7", "satisfaction": "3", "needs": "Keep me typed"}
    data[field] = value
    response = kam_client.post(reverse("accounts:survey-create", args=[account.pk]), data)
    assert_refused_beside(response, field, Survey)


def test_a_contact_of_another_account_is_refused_beside_the_field(kam_client, account):
    stranger = ContactFactory(account=AccountFactory(owner=account.owner), name="Elsewhere")
    response = kam_client.post(
        reverse("accounts:survey-create", args=[account.pk]),
        {"date": "2025-03-14", "contact": stranger.pk, "nps": "3"},
    )
    assert "contact" in response.context["form"].errors
    assert error_beside(response.content.decode(), "contact")
    assert not Survey.objects.exists()


def test_a_bad_edit_leaves_the_survey_as_it_was(kam_client, account):
    survey = SurveyFactory(account=account, nps=6, needs="Before")
    response = kam_client.post(
        reverse("accounts:survey-edit", args=[survey.pk]),
        {"date": survey.date.isoformat(), "nps": "12", "needs": "After"},
    )
    assert "nps" in response.context["form"].errors
    assert 'value="12"' in response.content.decode()
    survey.refresh_from_db()
    assert (survey.nps, survey.needs) == (6, "Before")


# --- Distributor links -----------------------------------------------------------------
def test_kam_links_a_distributor_and_sees_it_on_the_account_page(kam_client, account):
    distributor = DistributorFactory(name="Volga Trade")
    response = kam_client.post(
        reverse("accounts:distributor-link-create", args=[account.pk]),
        {
            "distributor": distributor.pk,
            "role": "exclusive",
            "status": "active",
            "share_of_volume": "62.5",
            "since": "2024-01-01",
            "until": "2026-12-31",
            "terms": "Net 45, delivery in 3 days",
        },
    )
    assert response.status_code == 302
    assert response.url == detail(account) + "#distributors"
    link = DistributorLink.objects.get()
    assert (link.account, link.distributor, link.role) == (account, distributor, "exclusive")
    assert link.share_of_volume == Decimal("62.5") and link.until == dt.date(2026, 12, 31)
    html = account_page(kam_client, account.pk)
    section = html[html.index('id="distributors"') : html.index('id="surveys"')]
    assert "Volga Trade" in section and "Net 45" in section


def test_kam_edits_a_distributor_link(kam_client, account):
    link = DistributorLinkFactory(account=account, role="preferred", since=dt.date(2024, 5, 1))
    url = reverse("accounts:distributor-link-edit", args=[link.pk])
    assert 'value="2024-05-01"' in kam_client.get(url).content.decode()  # ISO for type=date
    response = kam_client.post(
        url,
        {
            "distributor": link.distributor_id,
            "role": "secondary",
            "status": "ended",
            "share_of_volume": "10",
            "since": "2024-05-01",
            "until": "2025-05-01",
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.role, link.status, link.share_of_volume) == ("secondary", "ended", Decimal(10))


@pytest.mark.parametrize(
    "field,changes",
    [
        ("share_of_volume", {"share_of_volume": "150"}),
        ("share_of_volume", {"share_of_volume": "-5"}),
        ("share_of_volume", {"share_of_volume": "12.345"}),
        ("share_of_volume", {"share_of_volume": "NaN"}),
        ("until", {"since": "2025-06-01", "until": "2025-05-31"}),
        ("since", {"since": "yesterday"}),
        ("role", {"role": "boss"}),
        ("distributor", {"distributor": "999999"}),
        ("distributor", {"distributor": ""}),
    ],
)
def test_bad_link_input_is_an_error_beside_the_field_and_saves_nothing(
    kam_client, account, field, changes
):
    distributor = DistributorFactory()
    data = {
        "distributor": distributor.pk,
        "role": "preferred",
        "status": "active",
        "terms": "Keep me typed",
        **changes,
    }
    response = kam_client.post(reverse("accounts:distributor-link-create", args=[account.pk]), data)
    assert_refused_beside(response, field, DistributorLink)


def test_a_second_link_to_the_same_distributor_is_refused_beside_the_field(kam_client, account):
    link = DistributorLinkFactory(account=account, role="exclusive")
    response = kam_client.post(
        reverse("accounts:distributor-link-create", args=[account.pk]),
        {"distributor": link.distributor_id, "role": "secondary", "status": "active"},
    )
    assert "already serves" in error_beside(response.content.decode(), "distributor")
    assert DistributorLink.objects.get().role == "exclusive"


def test_moving_a_link_onto_another_linked_distributor_is_refused(kam_client, account):
    first = DistributorLinkFactory(account=account)
    second = DistributorLinkFactory(account=account, role="secondary")
    response = kam_client.post(
        reverse("accounts:distributor-link-edit", args=[second.pk]),
        {"distributor": first.distributor_id, "role": "preferred", "status": "active"},
    )
    assert "distributor" in response.context["form"].errors
    second.refresh_from_db()
    assert (second.distributor_id, second.role) != (first.distributor_id, "preferred")


def test_a_bad_edit_leaves_the_link_as_it_was(kam_client, account):
    link = DistributorLinkFactory(account=account, since=dt.date(2024, 1, 1), terms="Before")
    response = kam_client.post(
        reverse("accounts:distributor-link-edit", args=[link.pk]),
        {
            "distributor": link.distributor_id,
            "role": "preferred",
            "status": "active",
            "since": "2024-01-01",
            "until": "2023-01-01",
            "terms": "After",
        },
    )
    assert "until" in response.context["form"].errors
    link.refresh_from_db()
    assert link.until is None and link.terms == "Before"


# --- Whatever is typed, never a 500 ------------------------------------------------------
typed = st.one_of(st.none(), st.text(max_size=30), st.integers().map(str))
FUZZED_FORMS = {
    "accounts:survey-create": (Survey, ["date", "contact", "nps", "satisfaction", "needs"]),
    "accounts:distributor-link-create": (
        DistributorLink,
        ["distributor", "role", "status", "share_of_volume", "since", "until", "terms"],
    ),
}


@pytest.mark.parametrize("url_name", FUZZED_FORMS)
@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_input_makes_a_server_error(kam_client, account, url_name, data):
    model, fields = FUZZED_FORMS[url_name]
    posted = {name: data.draw(typed, label=name) for name in fields}
    posted = {name: value for name, value in posted.items() if value is not None}
    response = kam_client.post(reverse(url_name, args=[account.pk]), posted)
    assert response.status_code in (200, 302)
    model.objects.all().delete()


# --- Who may ---------------------------------------------------------------------------
def _urls(account, survey, link) -> list[str]:
    return [
        reverse("accounts:survey-create", args=[account.pk]),
        reverse("accounts:survey-edit", args=[survey.pk]),
        reverse("accounts:distributor-link-create", args=[account.pk]),
        reverse("accounts:distributor-link-edit", args=[link.pk]),
    ]


def test_kam_gets_404_on_another_kams_surveys_and_links(kam_client, other_kam):
    theirs = AccountFactory(owner=other_kam)
    survey = SurveyFactory(account=theirs, nps=2)
    link = DistributorLinkFactory(account=theirs)
    assert kam_client.get(detail(theirs)).status_code == 404
    for url in _urls(theirs, survey, link):
        assert kam_client.get(url).status_code == 404, url
        assert kam_client.post(url, {"date": "2025-01-01", "nps": "9"}).status_code == 404, url
    survey.refresh_from_db()
    assert survey.nps == 2 and Survey.objects.count() == 1


def test_integration_user_has_no_survey_or_link_pages(client, integration_user, account):
    survey = SurveyFactory(account=account, nps=2)
    link = DistributorLinkFactory(account=account)
    client.force_login(integration_user)
    assert client.get(detail(account)).status_code == 403  # an API client: no pages
    for url in _urls(account, survey, link):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"date": "2025-01-01", "nps": "9"}).status_code == 403, url
    assert Survey.objects.get().nps == 2 and DistributorLink.objects.count() == 1


def test_head_records_a_survey_and_links_a_distributor_on_a_kams_account(
    client, head_user, account
):
    client.force_login(head_user)
    html = account_page(client, account.pk)
    assert "Record survey" in html and "Link distributor" in html
    response = client.post(
        reverse("accounts:survey-create", args=[account.pk]), {"date": "2025-01-01", "nps": "8"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("accounts:distributor-link-create", args=[account.pk]),
        {"distributor": DistributorFactory().pk, "role": "preferred", "status": "active"},
    )
    assert response.status_code == 302
    assert Survey.objects.filter(account=account).count() == 1
    assert DistributorLink.objects.filter(account=account).count() == 1


def test_team_member_may_record_a_survey(client, other_kam, account):
    account.team.add(other_kam)
    client.force_login(other_kam)
    response = client.post(
        reverse("accounts:survey-create", args=[account.pk]), {"date": "2025-01-01"}
    )
    assert response.status_code == 302


def test_survey_and_link_forms_need_the_csrf_token(kam_user, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_user)
    for url, data in [
        (reverse("accounts:survey-create", args=[account.pk]), {"date": "2025-01-01"}),
        (
            reverse("accounts:distributor-link-create", args=[account.pk]),
            {"distributor": DistributorFactory().pk, "role": "preferred", "status": "active"},
        ),
    ]:
        assert client.post(url, data).status_code == 403
    assert not Survey.objects.exists() and not DistributorLink.objects.exists()


# --- The account page stays cheap -------------------------------------------------------
@pytest.mark.parametrize("n", [2, 12])
def test_account_page_with_surveys_and_links_runs_a_bounded_number_of_queries(
    kam_client, kam_user, n
):
    account = build_portfolio(kam_user, 3)[0]
    for i in range(n):
        contact = ContactFactory(account=account, name=f"Respondent {i}")
        SurveyFactory(account=account, contact=contact, date=dt.date(2025, 1, 1 + i), nps=i % 11)
        DistributorLinkFactory(account=account, share_of_volume=i)
    counts = account_page_queries(kam_client, account.pk)
    # The same whatever n: the page 7 at most (session, user, the account with its
    # subsidiaries, the audit row, team, numbers, bell), and each of the 13 panels that
    # arrive after it 9 at most (3 of them the session, the user, the account).
    assert counts["page"] <= 7 and len(counts) == 14
    assert max(counts.values()) <= 12 and max(v for k, v in counts.items() if k != "page") <= 9
    html = account_page(kam_client, account.pk)
    surveys = html[html.index('id="surveys"') :]
    assert surveys.count('href="/surveys/') == min(n + 1, 5)  # build_portfolio gives one each
    assert html.count('href="/distributor-links/') == account.distributor_links.count()


def test_survey_and_link_pages_speak_russian(kam_client, account):
    SurveyFactory(account=account, satisfaction=4)
    kam_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    html = account_page(kam_client, account.pk)
    assert "Последние опросы" in html and "Записать опрос" in html
    assert "удовлетворённость 4/5" in html and "Привязать дистрибьютора" in html
    html = kam_client.get(reverse("accounts:survey-create", args=[account.pk])).content.decode()
    assert "Сохранить опрос" in html and "Никто конкретно" in html
    response = kam_client.post(
        reverse("accounts:distributor-link-create", args=[account.pk]),
        {"distributor": DistributorFactory().pk, "role": "preferred", "status": "active"},
    )
    assert response.status_code == 302
    assert "Дистрибьютор привязан." in kam_client.get(response.url).content.decode()


# --- Deleting ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("factory", "model", "route", "anchor"),
    [
        (SurveyFactory, Survey, "survey", "#surveys"),
        (DistributorLinkFactory, DistributorLink, "distributor-link", "#distributors"),
    ],
)
def test_deleting_a_survey_or_a_link(
    kam_client, account, other_kam, integration_user, factory, model, route, anchor
):
    record = factory(account=account)
    edit = kam_client.get(reverse(f"accounts:{route}-edit", args=[record.pk])).content.decode()
    url = reverse(f"accounts:{route}-delete", args=[record.pk])
    assert f'action="{url}"' in edit  # offered on the edit page, behind "Delete…"
    assert kam_client.get(url).status_code == 405  # a link cannot delete
    other = Client()
    other.force_login(other_kam)
    assert other.post(url).status_code == 404
    other.force_login(integration_user)
    assert other.post(url).status_code == 403
    assert model.objects.filter(pk=record.pk).exists()
    response = kam_client.post(url)
    assert response.status_code == 302 and response.url == detail(account) + anchor
    assert not model.objects.filter(pk=record.pk).exists()


def test_deleting_needs_the_csrf_token(kam_user, account):
    survey = SurveyFactory(account=account)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(kam_user)
    assert strict.post(reverse("accounts:survey-delete", args=[survey.pk])).status_code == 403
    assert Survey.objects.filter(pk=survey.pk).exists()
