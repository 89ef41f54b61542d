"""The top bar's search (kam.search) and the contact page it leads to: found by a part of
a phone number, by a Russian name typed with е for ё, by tax id and e-mail; only what the
person may see; a bounded number of queries; on PostgreSQL through the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Contact
from accounts.selectors import CONTACT_SEARCH, contact_search
from kam import textsearch
from kam.textsearch import digits, fold
from tests import factories as f

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")


@pytest.fixture
def people(kam_user, other_kam):
    mine = f.AccountFactory(owner=kam_user, name="Северсталь", tax_id="3528000597")
    theirs = f.AccountFactory(owner=other_kam, name="Северный завод")
    return {
        "mine": mine,
        "theirs": theirs,
        "fyodor": f.ContactFactory(
            account=mine,
            name="Фёдор Артёмов",
            phone="+7 (926) 123-45-67",
            email="f.artyomov@severstal.example",
        ),
        "anna": f.ContactFactory(account=mine, name="Anna Smith", phone="+44 20 7946 0000"),
        "other": f.ContactFactory(account=theirs, name="Фёдор Другой", phone="+7 926 555 00 00"),
        "tender": f.TenderFactory(account=mine, title="Поставка труб 2027"),
    }


def _names(response, group: str) -> list[str]:
    groups = {key: [str(o) for o in rows] for key, rows, _more in response.context["groups"]}
    return groups.get(group, [])


def _found(client, user, q: str) -> dict[str, list[int]]:
    client.force_login(user)
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return {key: [o.pk for o in rows] for key, rows, _more in response.context["groups"]}


def test_the_rule_folds_case_and_yo_and_reads_phones_by_digits():
    assert fold("ФЁДОР Артёмов") == "федор артемов"
    assert digits("+7 (926) 123-45-67") == "79261234567"


def test_a_contact_is_found_by_a_part_of_her_phone_number(client, kam_user, people):
    found = _found(client, kam_user, "926 123")
    assert found["contacts"] == [people["fyodor"].pk]


def test_words_with_digits_are_a_name_not_a_phone_number(client, kam_user, people):
    # "Smith 0000" names nobody; read as digits it would match Anna Smith's phone (…7946 0000).
    assert _found(client, kam_user, "Smith 0000").get("contacts", []) == []
    assert _found(client, kam_user, "+44 (20) 7946")["contacts"] == [people["anna"].pk]


def test_a_russian_name_typed_with_e_for_yo_finds_the_contact(client, kam_user, people):
    for query in ("федор артемов", "ФЕДОР", "Артем", "фёдор"):
        assert _found(client, kam_user, query)["contacts"] == [people["fyodor"].pk], query


def test_accounts_by_name_and_tax_id_and_tenders_by_title(client, kam_user, people):
    assert _found(client, kam_user, "северст")["accounts"] == [people["mine"].pk]
    assert _found(client, kam_user, "3528000")["accounts"] == [people["mine"].pk]
    assert _found(client, kam_user, "труб")["tenders"] == [people["tender"].pk]
    assert _found(client, kam_user, "SEVERSTAL.example")["contacts"] == [people["fyodor"].pk]


def test_a_kam_finds_only_what_she_may_see_and_a_head_finds_all(
    client, kam_user, head_user, people
):
    mine = _found(client, kam_user, "Север")
    assert mine["accounts"] == [people["mine"].pk]
    assert _found(client, kam_user, "Фёдор")["contacts"] == [people["fyodor"].pk]
    assert _found(client, kam_user, "555 00")["contacts"] == []
    head = _found(client, head_user, "Фёдор")
    assert sorted(head["contacts"]) == sorted([people["fyodor"].pk, people["other"].pk])


def test_a_short_or_empty_query_asks_for_more_and_searches_nothing(client, kam_user, people):
    client.force_login(kam_user)
    response = client.get(SEARCH, {"q": "ф"})
    assert response.context["groups"] == []
    assert "Type at least two characters." in response.content.decode()
    response = client.get(SEARCH, {"q": "no such thing"})
    assert "Nothing found" in response.content.decode()


def test_the_search_runs_a_bounded_number_of_queries(client, kam_user, people):
    for n in range(30):
        f.ContactFactory(account=people["mine"], name=f"Федоров {n}")
    client.force_login(kam_user)
    client.get(SEARCH, {"q": "федор"})  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "федор"})
    assert len(_names(response, "contacts")) == 10
    assert response.context["groups"][1][2] is True  # "more match"
    # The session, the user, a query per kind and one for the shown contacts' companies.
    assert len(queries) <= 7, [q["sql"][:120] for q in queries]


def test_htmx_asks_for_the_results_only(client, kam_user, people):
    client.force_login(kam_user)
    response = client.get(SEARCH, {"q": "Anna"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.startswith('<div id="search-results"') and "<html" not in body
    assert reverse("accounts:contact", args=[people["anna"].pk]) in body


@pytest.mark.postgres
def test_on_postgresql_the_contact_search_goes_through_the_trigram_indexes(head_user, people):
    Contact.objects.bulk_create(
        Contact(account=people["mine"], name=f"Person {n}", phone=f"+7 900 {n:07d}")
        for n in range(20000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_contact")
        # Whether the planner prefers the indexes over a scan at this size depends on the
        # machine's cost settings; what the search owes is expressions the indexes serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
    # The search's own match (contact_search's filter), without the scope's join and the
    # ordering, whose other indexes the planner may walk instead when scans are off.
    matching = (
        Contact.objects.alias(**textsearch.aliases(**CONTACT_SEARCH))
        .filter(textsearch.matching("926 123", **CONTACT_SEARCH))
        .order_by()
        .values("pk")
    )
    plan = matching.explain()
    for column in ("name", "email", "phone"):
        assert f"accounts_contact_{column}_search" in plan, plan
    found = list(contact_search(user=head_user, query="926 123").values_list("pk", flat=True))
    assert found == [row["pk"] for row in matching] == [people["fyodor"].pk]


# --- the contact page ----------------------------------------------------------------------
def test_the_contact_page_offers_tap_to_call_mail_and_her_people(client, kam_user, people):
    boss = f.ContactFactory(account=people["mine"], name="Boss")
    fyodor: Contact = people["fyodor"]
    fyodor.reports_to = boss
    fyodor.save(update_fields=["reports_to"])
    people["anna"].reports_to = boss
    people["anna"].save(update_fields=["reports_to"])
    f.InteractionFactory(account=people["mine"], summary="Talked pipes").contacts.add(fyodor)
    client.force_login(kam_user)

    response = client.get(reverse("accounts:contact", args=[fyodor.pk]))

    body = response.content.decode()
    assert 'href="tel:+7(926)123-45-67"' in body
    assert 'href="mailto:f.artyomov@severstal.example"' in body
    assert response.context["neighbours"]["manager"] == [boss]
    assert response.context["neighbours"]["peers"] == [people["anna"]]
    assert "Talked pipes" in body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_CONTACTS, details__contact=fyodor.pk
    ).exists()


def test_another_kams_contact_page_is_not_found(client, kam_user, people):
    client.force_login(kam_user)
    assert client.get(reverse("accounts:contact", args=[people["other"].pk])).status_code == 404


def test_log_from_the_contact_page_ticks_the_contact(client, kam_user, people):
    client.force_login(kam_user)
    url = reverse("accounts:log", args=[people["mine"].pk])
    response = client.get(url, {"contact": people["fyodor"].pk})
    assert response.context["log_form"]["contacts"].initial == [people["fyodor"].pk]
