"""The org chart's coverage and gaps, and the relationship map page (server-rendered)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, ContactLink
from tests.account_page import account_page
from tests.factories import AccountFactory, ContactFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


def met(account, author, *people, days: int):
    interaction = InteractionFactory(
        account=account, author=author, occurred_at=timezone.now() - dt.timedelta(days=days)
    )
    interaction.contacts.set(people)


@pytest.fixture
def story(kam_user):
    kam_user.first_name, kam_user.last_name = "Anna", "Petrova"
    kam_user.save()
    account = AccountFactory(owner=kam_user, name="Acme")
    boss = ContactFactory(account=account, name="Olga Boss", decision_role="decision_maker")
    buyer = ContactFactory(account=account, name="Petr Buyer", reports_to=boss)
    rival = ContactFactory(account=account, name="Ivan Rival", reports_to=boss)
    for days in (1, 2, 3, 4):
        met(account, kam_user, buyer, days=days)
    ContactLink.objects.create(from_contact=buyer, to_contact=rival, kind="rivals", note="Budget")
    ContactLink.objects.create(from_contact=rival, to_contact=boss, kind="influences")
    return {"account": account, "boss": boss, "buyer": buyer, "rival": rival}


def test_org_chart_shows_who_covers_each_person_and_the_gaps(kam_client, story):
    html = account_page(kam_client, story["account"].pk)
    assert "3 relationship gaps" in html
    assert "Petr Buyer was in 4 of the 4 interactions" in html
    assert "Olga Boss (decision maker, never met)" in html
    assert "No champion" in html
    # 100·(0.6·(1 − 1/180) + 0.4·4/6) = 86
    assert "Anna Petrova" in html and "86 · strong" in html
    assert "nobody on our side" in html  # the boss and the rival
    assert reverse("accounts:relationship-map", args=[story["account"].pk]) in html


def test_relationship_map_draws_people_links_and_coverage(kam_client, story):
    url = reverse("accounts:relationship-map", args=[story["account"].pk])
    response = kam_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="relmap-svg"' in html and 'role="img"' in html
    assert html.count('class="node n-contact') == 3 and html.count('class="node n-user') == 1
    for css in ("e-reports", "e-rivals", "e-influences", "e-cover band-strong"):
        assert f'class="{css}"' in html, css
    assert 'marker-end="url(#arrow-influences)"' in html
    # The table beside it says every line in words.
    for row in (
        '<td class="lead">Petr Buyer</td><td data-label="Relationship">reports to</td>',
        '<td class="lead">Petr Buyer</td><td data-label="Relationship">rivals</td>',
        '<td class="lead">Ivan Rival</td><td data-label="Relationship">influences</td>',
        '<td class="lead">Anna Petrova</td><td data-label="Relationship">covers</td>',
    ):
        assert row in html, row
    assert "strength 86 (strong)" in html
    assert AuditEvent.objects.filter(
        action="view_account", account_id=story["account"].pk, details__page="relationship-map"
    ).exists()
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]


def test_another_kam_gets_404_on_the_map(client, story, other_kam):
    client.force_login(other_kam)
    url = reverse("accounts:relationship-map", args=[story["account"].pk])
    assert client.get(url).status_code == 404


def test_the_map_costs_the_same_queries_whatever_the_size(kam_client, kam_user, story):
    url = reverse("accounts:relationship-map", args=[story["account"].pk])
    kam_client.get(url)
    with CaptureQueriesContext(connection) as small:
        kam_client.get(url)
    colleague = UserFactory(username="colleague")
    account = story["account"]
    account.team.add(colleague)
    people = [ContactFactory(account=account, reports_to=story["boss"]) for _ in range(8)]
    for i, person in enumerate(people):
        met(account, colleague if i % 2 else kam_user, person, days=i + 1)
        ContactLink.objects.create(from_contact=person, to_contact=story["buyer"], kind="close_to")
    with CaptureQueriesContext(connection) as large:
        kam_client.get(url)
    assert len(large) == len(small)


def test_coverage_speaks_russian(kam_client, story, settings):
    kam_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = account_page(kam_client, story["account"].pk)
    assert "3 пробела в отношениях" in page
    assert "Одна нить" in page and "Нет чемпиона" in page and "ЛПР без встреч" in page
    assert "Petr Buyer участвовал(а) в 4 из 4 взаимодействий" in page
    assert "86 · сильная" in page
    url = reverse("accounts:relationship-map", args=[story["account"].pk])
    html = kam_client.get(url).content.decode()
    assert "Карта отношений: Acme" in html and "Все линии карты" in html
    assert "соперники" in html and "ведёт" in html


def test_contact_page_shows_who_covers_them_and_their_links(kam_client, story):
    html = kam_client.get(reverse("accounts:contact", args=[story["buyer"].pk])).content.decode()
    coverage = html.split('id="contact-coverage"', 1)[1].split("</div>", 1)[0]
    assert "Anna Petrova" in coverage and "86 · strong" in coverage
    links = html.split('id="contact-links"', 1)[1].split("</ul>", 1)[0]
    assert "Petr Buyer</a> rivals <a" in links and "Budget" in links
    boss = kam_client.get(reverse("accounts:contact", args=[story["boss"].pk])).content.decode()
    assert "nobody on our side" in boss
    assert "Ivan Rival</a> influences <a" in boss


# --- links between people, from the contact page ------------------------------------------
def test_a_kam_links_two_people_from_the_contact_page_and_removes_it(client, kam_user, story):
    client.force_login(kam_user)
    boss, buyer = story["boss"], story["buyer"]

    response = client.post(
        reverse("accounts:contact-link-add", args=[buyer.pk]),
        {"kind": "close_to", "to_contact": boss.pk, "note": "Old classmates"},
    )

    assert response.status_code == 302
    assert response.url.endswith(f"/contacts/{buyer.pk}/#contact-links")
    link = ContactLink.objects.get(from_contact=buyer, to_contact=boss)
    assert (link.kind, link.note) == ("close_to", "Old classmates")
    page = client.get(reverse("accounts:contact", args=[boss.pk])).content.decode()
    assert "Old classmates" in page  # shown on the other person's page too

    response = client.post(
        reverse("accounts:contact-link-remove", args=[link.pk]), {"contact": boss.pk}
    )

    assert response.url.endswith(f"/contacts/{boss.pk}/#contact-links")
    assert not ContactLink.objects.filter(pk=link.pk).exists()
    removed = ContactLink.history.filter(id=link.pk, history_type="-").get()
    assert removed.history_user == kam_user  # traced: who removed it, and when


def test_a_refused_link_shows_the_error_beside_its_field_and_saves_nothing(client, kam_user, story):
    client.force_login(kam_user)
    buyer, rival = story["buyer"], story["rival"]
    stranger = ContactFactory(account=AccountFactory(owner=kam_user), name="Elsewhere")
    before = ContactLink.objects.count()

    duplicate = client.post(
        reverse("accounts:contact-link-add", args=[rival.pk]),
        {"kind": "rivals", "to_contact": buyer.pk},  # "rivals" is symmetric: already there
    )
    foreign = client.post(
        reverse("accounts:contact-link-add", args=[buyer.pk]),
        {"kind": "influences", "to_contact": stranger.pk},
    )

    assert duplicate.status_code == foreign.status_code == 400
    assert "already linked" in str(duplicate.context["link_form"].errors["to_contact"])
    assert "to_contact" in foreign.context["link_form"].errors
    assert ContactLink.objects.count() == before


def test_a_reader_without_the_right_to_change_gets_no_link_form(client, head_user, story):
    # A head may change every account; a KAM who is only reading another's… sees 404.
    client.force_login(head_user)
    page = client.get(reverse("accounts:contact", args=[story["buyer"].pk]))
    assert page.context["link_form"] is not None
