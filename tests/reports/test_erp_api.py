"""ERP bulk endpoints: contract shapes, bad input, idempotency, KAM fields, import log."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Distributor, Industry, Region
from reports.models import ExchangeRate, ImportBatch, ProductCategory, RevenueLine
from tests.factories import AccountFactory, ProductCategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(client, name: str, payload, *, content_type: str = "application/json"):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(reverse(f"api:{name}"), data=body, content_type=content_type)


@pytest.fixture
def erp(integration_user, api_client_for):
    return api_client_for(integration_user)


@pytest.fixture
def master(erp):
    """Two accounts, two categories, a distributor and a USD rate, posted through the API."""
    assert (
        post(
            erp,
            "erp-accounts",
            {
                "accounts": [
                    {"external_id": "C1", "name": "Alpha", "region": "NW"},
                    {"external_id": "C2", "name": "Beta"},
                ]
            },
        ).status_code
        == 200
    )
    assert (
        post(
            erp,
            "erp-categories",
            {
                "categories": [
                    {"code": "PIPE", "name": "Pipes"},
                    {"code": "VALVE", "name": "Valves"},
                ]
            },
        ).status_code
        == 200
    )
    assert (
        post(
            erp,
            "erp-distributors",
            {
                "distributors": [
                    {"external_id": "D1", "name": "Volga Trade"},
                ]
            },
        ).status_code
        == 200
    )
    assert (
        post(
            erp,
            "erp-exchange-rates",
            {
                "rates": [
                    {"currency": "USD", "date": "2025-01-01", "rate": "100.5"},
                ]
            },
        ).status_code
        == 200
    )


def line(n: int, **extra) -> dict:
    return {
        "external_id": f"L{n}",
        "account": "C1",
        "category": "PIPE",
        "date": "2025-02-01",
        "amount": "100.00",
        **extra,
    }


def nothing_written() -> bool:
    return not RevenueLine.objects.exists()


# --- happy paths and exact counts ----------------------------------------------------------
def test_lines_created_then_reposted_unchanged_without_churn(erp, master):
    lines = [
        line(1),
        line(2, currency="USD", cost="50.25", quantity="1.5", distributor="D1"),
        line(3, amount="-10.00", account="C2", category="VALVE"),
    ]
    first = post(erp, "erp-revenue-lines", {"lines": lines})
    assert first.status_code == 200, first.json()
    assert first.json() == {"created": 3, "updated": 0, "unchanged": 0}
    stamps = dict(RevenueLine.objects.values_list("external_id", "updated_at"))

    again = post(erp, "erp-revenue-lines", {"lines": lines})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    assert dict(RevenueLine.objects.values_list("external_id", "updated_at")) == stamps

    lines[0]["amount"] = "101.00"
    changed = post(erp, "erp-revenue-lines", {"lines": [*lines, line(4)]})
    assert changed.json() == {"created": 1, "updated": 1, "unchanged": 2}
    usd = RevenueLine.objects.get(external_id="L2")
    assert (usd.amount_base, usd.cost_base) == (Decimal("10050.00"), Decimal("5050.13"))
    assert usd.distributor.external_id == "D1" and usd.quantity == Decimal("1.5")
    assert RevenueLine.objects.get(external_id="L1").amount_base == Decimal("101.00")


def test_accounts_repost_is_idempotent_and_writes_history_only_for_changes(erp, master):
    payload = {
        "accounts": [
            {"external_id": "C1", "name": "Alpha", "region": "NW"},
            {"external_id": "C2", "name": "Beta"},
        ]
    }
    history_before = Account.history.count()
    stamps = dict(Account.objects.values_list("external_id", "updated_at"))
    assert post(erp, "erp-accounts", payload).json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert Account.history.count() == history_before
    assert dict(Account.objects.values_list("external_id", "updated_at")) == stamps

    payload["accounts"][1]["name"] = "Beta Group"
    assert post(erp, "erp-accounts", payload).json() == {"created": 0, "updated": 1, "unchanged": 1}
    latest = Account.history.filter(external_id="C2").latest("history_date")
    assert (latest.name, latest.history_type, latest.history_user.role) == (
        "Beta Group",
        "~",
        "integration",
    )


def test_erp_never_overwrites_kam_fields(erp, master, kam_user):
    account = Account.objects.get(external_id="C1")
    account.owner, account.potential_annual = kam_user, Decimal("5000000.00")
    account.strategic, account.notes, account.status = True, "Key buyer", Account.Status.AT_RISK
    account.save()
    account.team.add(kam_user)
    response = post(
        erp,
        "erp-accounts",
        {"accounts": [{"external_id": "C1", "name": "Alpha Renamed", "legal_name": "Alpha LLC"}]},
    )
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    account.refresh_from_db()
    assert account.name == "Alpha Renamed" and account.region.code == "NW"  # omitted: kept
    assert (
        account.owner,
        account.potential_annual,
        account.strategic,
        account.notes,
        account.status,
    ) == (kam_user, Decimal("5000000.00"), True, "Key buyer", "at_risk")
    assert list(account.team.all()) == [kam_user]


def test_parent_may_come_later_in_the_batch_and_regions_are_created(erp):
    response = post(
        erp,
        "erp-accounts",
        {
            "accounts": [
                {"external_id": "K2", "name": "Child", "parent": "K1", "industry": "METAL"},
                {"external_id": "K1", "name": "Parent", "region": "URAL"},
            ]
        },
    )
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    child = Account.objects.get(external_id="K2")
    assert child.parent.external_id == "K1"
    assert Region.objects.get(code="URAL").name == "URAL"
    assert Industry.objects.filter(code="METAL").exists()
    assert Account.history.filter(external_id="K2", history_type="+").count() == 1
    # The same batch again changes nothing, parents included.
    assert post(
        erp,
        "erp-accounts",
        {
            "accounts": [
                {"external_id": "K2", "name": "Child", "parent": "K1", "industry": "METAL"},
                {"external_id": "K1", "name": "Parent", "region": "URAL"},
            ]
        },
    ).json() == {"created": 0, "updated": 0, "unchanged": 2}


def test_parent_cycles_are_rejected_including_through_stored_rows(erp):
    post(
        erp,
        "erp-accounts",
        {
            "accounts": [
                {"external_id": "A", "name": "A"},
                {"external_id": "B", "name": "B", "parent": "A"},
            ]
        },
    )
    response = post(
        erp,
        "erp-accounts",
        {
            "accounts": [
                {"external_id": "A", "name": "A", "parent": "B"},
                {"external_id": "X", "name": "X", "parent": "Y"},
                {"external_id": "Y", "name": "Y", "parent": "X"},
                {"external_id": "Z", "name": "Z", "parent": "Z"},
                {"external_id": "W", "name": "W", "parent": "NOPE"},
            ]
        },
    )
    assert response.status_code == 400
    bad = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert bad == {(0, "parent"), (1, "parent"), (2, "parent"), (3, "parent"), (4, "parent")}
    messages = {e["index"]: e["message"] for e in response.json()["errors"]}
    assert messages[0] == "would make a cycle of parent accounts: A → B → A"
    assert messages[4] == 'unknown account "NOPE"'
    assert not Account.objects.filter(external_id__in=["X", "Y", "Z", "W"]).exists()
    assert Account.objects.get(external_id="A").parent is None


def test_categories_distributors_rates_upsert_counts(erp, master):
    assert post(
        erp,
        "erp-categories",
        {
            "categories": [
                {"code": "PIPE", "name": "Pipes"},
                {"code": "VALVE", "name": "Valves", "active": False},
                {"code": "NEW", "name": "New"},
            ]
        },
    ).json() == {"created": 1, "updated": 1, "unchanged": 1}
    assert ProductCategory.objects.get(code="VALVE").active is False
    assert post(
        erp,
        "erp-distributors",
        {
            "distributors": [
                {"external_id": "D1", "name": "Volga Trade", "region": "VOLGA"},
            ]
        },
    ).json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Distributor.objects.get(external_id="D1").region.code == "VOLGA"
    assert post(
        erp,
        "erp-exchange-rates",
        {
            "rates": [
                {"currency": "USD", "date": "2025-01-01", "rate": "100.50000000"},
                {"currency": "eur", "date": "2025-01-01", "rate": 105.25},
            ]
        },
    ).json() == {"created": 1, "updated": 0, "unchanged": 1}
    assert ExchangeRate.objects.get(currency="EUR").rate == Decimal("105.25")


def test_delete_counts_deleted_and_not_found(erp, master):
    post(erp, "erp-revenue-lines", {"lines": [line(1), line(2)]})
    response = post(erp, "erp-revenue-lines-delete", {"external_ids": ["L1", "L1", "GONE"]})
    assert response.json() == {"deleted": 1, "not_found": 1}
    assert list(RevenueLine.objects.values_list("external_id", flat=True)) == ["L2"]


# --- bad input: a clear 4xx, every bad item named, nothing written -------------------------
def test_malformed_json_is_400(erp, master):
    response = post(erp, "erp-revenue-lines", '{"lines": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"][0]["message"]


def test_wrong_content_type_is_415(erp, master):
    response = post(
        erp, "erp-revenue-lines", json.dumps({"lines": [line(1)]}), content_type="text/plain"
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]
    assert nothing_written()


def test_form_encoded_body_is_415(erp, master):
    response = erp.post(reverse("api:erp-revenue-lines"), {"lines": "x"}, format="multipart")
    assert response.status_code == 415 and nothing_written()


def test_list_body_is_400(erp, master):
    response = post(erp, "erp-revenue-lines", [line(1)])
    assert response.status_code == 400
    assert "JSON object" in response.json()["errors"][0]["message"]
    assert nothing_written()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "lines"),
        ({"lines": {}}, "lines"),
        ({"lines": []}, "lines"),
        ({"rows": [line(1)]}, "lines"),
    ],
)
def test_missing_wrong_or_empty_batch_is_400(erp, master, payload, field):
    response = post(erp, "erp-revenue-lines", payload)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert nothing_written()


def test_empty_body_is_400(erp, master):
    response = post(erp, "erp-revenue-lines", b"")
    assert response.status_code == 400 and "empty" in response.json()["errors"][0]["message"]


def test_every_bad_item_is_listed_and_nothing_is_written(erp, master):
    lines = [
        line(0),
        line(1, amount="twelve"),
        line(2, amount="10.005"),
        line(3, amount=True),
        line(4, date="2025-02-30"),
        line(5, date="01.02.2025"),
        line(6, account="NOPE"),
        line(7, category="NOPE", distributor="NOPE"),
        line(8, currency="JPY"),
        line(9, currency="USD", date="2024-12-31"),
        line(0),
        {"external_id": "L11", "account": "C1"},
        "not an object",
        line(13, ammount="1.00"),
        line(14, cost="1,5", quantity="1.00001"),
        line(15, amount="1e3"),
        line(16, amount=12.345),
        line(17, amount="123456789012345.00"),
    ]
    response = post(erp, "erp-revenue-lines", {"lines": lines})
    assert response.status_code == 400
    got = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert got == {
        (1, "amount"),
        (2, "amount"),
        (3, "amount"),
        (4, "date"),
        (5, "date"),
        (6, "account"),
        (7, "category"),
        (7, "distributor"),
        (8, "currency"),
        (9, "currency"),
        (10, "external_id"),
        (11, "category"),
        (11, "date"),
        (11, "amount"),
        (12, None),
        (13, "ammount"),
        (14, "cost"),
        (14, "quantity"),
        (15, "amount"),
        (16, "amount"),
        (17, "amount"),
    }
    by_key = {(e["index"], e["field"]): e for e in response.json()["errors"]}
    assert by_key[(2, "amount")]["message"] == "must have at most 2 decimal places"
    assert by_key[(2, "amount")]["external_id"] == "L2"
    assert by_key[(9, "currency")]["message"] == "no USD exchange rate on or before 2024-12-31"
    assert "item 0" in by_key[(10, "external_id")]["message"]
    assert nothing_written()


def test_numbers_are_accepted_exactly_as_json_numbers(erp, master):
    response = post(
        erp,
        "erp-revenue-lines",
        '{"lines": [{"external_id": "N1", "account": '
        '"C1", "category": "PIPE", "date": "2025-02-01", "amount": 0.1, '
        '"quantity": 3}]}',
    )
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert RevenueLine.objects.get().amount == Decimal("0.10")


def test_bad_master_data_items_are_listed(erp):
    response = post(
        erp,
        "erp-accounts",
        {
            "accounts": [
                {"external_id": "", "name": "Blank key"},
                {"external_id": "A1"},
                {"external_id": "A2", "name": "x" * 300, "tax_id": 7701234567},
                {"external_id": 17, "name": "Number key"},
            ]
        },
    )
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {
        (0, "external_id"),
        (1, "name"),
        (2, "name"),
        (2, "tax_id"),
        (3, "external_id"),
    }
    rates = post(
        erp,
        "erp-exchange-rates",
        {
            "rates": [
                {"currency": "USD", "date": "2025-01-01", "rate": "0"},
                {"currency": "RUB", "date": "2025-01-01", "rate": "1"},
                {"currency": "US", "date": "2025-13-01", "rate": "1.123456789"},
            ]
        },
    )
    assert {(e["index"], e["field"]) for e in rates.json()["errors"]} == {
        (0, "rate"),
        (1, "currency"),
        (2, "currency"),
        (2, "date"),
        (2, "rate"),
    }
    cats = post(erp, "erp-categories", {"categories": [{"code": "X", "name": "X", "active": "no"}]})
    assert cats.json()["errors"][0]["field"] == "active"
    assert not Account.objects.exists() and not ExchangeRate.objects.exists()
    assert not ProductCategory.objects.exists()


def test_10001_items_is_413_and_nothing_written(erp, master):
    lines = [line(n) for n in range(10_001)]
    response = post(erp, "erp-revenue-lines", {"lines": lines})
    assert response.status_code == 413
    assert "at most 10000" in response.json()["errors"][0]["message"]
    assert nothing_written()
    batch = ImportBatch.objects.latest("received_at")
    assert (batch.http_status, batch.items, batch.status) == (413, 10_001, "rejected")


@pytest.mark.parametrize("role", ["kam", "head"])
def test_kam_and_head_get_403(api_client_for, master, role):
    user = UserFactory(role=role, username=f"x-{role}")
    response = post(api_client_for(user), "erp-revenue-lines", {"lines": [line(1)]})
    assert response.status_code == 403
    assert nothing_written()
    assert ImportBatch.objects.filter(user=user, http_status=403).exists()


def test_no_token_is_401(api_client_for, master):
    response = post(api_client_for(None), "erp-revenue-lines", {"lines": [line(1)]})
    assert response.status_code == 401 and nothing_written()


def test_admin_may_import(api_client_for, admin_user_):
    response = post(
        api_client_for(admin_user_),
        "erp-categories",
        {"categories": [{"code": "PIPE", "name": "Pipes"}]},
    )
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


# --- import log --------------------------------------------------------------------------
def test_every_request_is_logged_and_readable_by_heads_and_admins(
    erp, master, api_client_for, head_user, kam_user, integration_user
):
    post(erp, "erp-revenue-lines", {"lines": [line(1), line(2)]})
    post(erp, "erp-revenue-lines", {"lines": [line(3, amount="x")]})
    url = reverse("api:erp-import-batch-list")
    response = api_client_for(head_user).get(url, {"endpoint": "revenue-lines"})
    assert response.status_code == 200
    rejected, applied = response.json()["results"][:2]
    assert (applied["status"], applied["created"], applied["items"], applied["user"]) == (
        "applied",
        2,
        2,
        "erp",
    )
    assert applied["duration_ms"] >= 0
    assert rejected["status"] == "rejected" and rejected["http_status"] == 400
    assert rejected["errors"][0]["field"] == "amount"
    assert api_client_for(kam_user).get(url).status_code == 403
    # The integration role reads its own requests (tests/reports/test_erp_ops.py has more).
    own = api_client_for(integration_user).get(url).json()["results"]
    assert own and {row["user"] for row in own} == {"erp"}


def test_import_log_list_has_bounded_queries(
    erp, api_client_for, head_user, django_assert_max_num_queries
):
    client = api_client_for(head_user)
    url = reverse("api:erp-import-batch-list")
    for rows in (5, 50):
        for n in range(rows - ImportBatch.objects.count()):
            post(erp, "erp-categories", {"categories": [{"code": f"C{n}", "name": "x"}]})
        with django_assert_max_num_queries(5):
            response = client.get(url, {"page_size": 100})
        assert response.json()["count"] == rows


def test_lines_reject_unknown_account_created_in_factory_free_db(erp):
    ProductCategoryFactory(code="PIPE")
    AccountFactory(external_id="C9")
    response = post(erp, "erp-revenue-lines", {"lines": [line(1, account="C9")]})
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_openapi_documents_every_erp_endpoint_with_examples(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    paths = json.loads(out.read_text())["paths"]
    for name in (
        "accounts",
        "categories",
        "exchange-rates",
        "distributors",
        "revenue-lines",
        "revenue-lines/delete",
    ):
        operation = paths[f"/api/v1/erp/{name}/"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["examples"]
        assert {"200", "400", "401", "403", "413"} <= operation["responses"].keys()
    assert "/api/v1/erp/import-batches/" in paths


def test_keys_with_unusual_characters_round_trip(erp, master):
    odd = "C\x1f\t\\\"'ж"
    assert (
        post(erp, "erp-accounts", {"accounts": [{"external_id": odd, "name": "Odd"}]}).json()[
            "created"
        ]
        == 1
    )
    payload = {"lines": [line(1, account=odd), {**line(2), "external_id": "L\t\\N\n2"}]}
    assert post(erp, "erp-revenue-lines", payload).json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert RevenueLine.objects.get(external_id="L1").account.external_id == odd
    assert post(erp, "erp-revenue-lines", payload).json()["unchanged"] == 2


def test_delete_rejects_non_string_ids_and_deletes_nothing(erp, master):
    post(erp, "erp-revenue-lines", {"lines": [line(1)]})
    response = post(erp, "erp-revenue-lines-delete", {"external_ids": ["L1", 5, ""]})
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (1, "external_ids"),
        (2, "external_ids"),
    ]
    assert RevenueLine.objects.filter(external_id="L1").exists()


def test_body_declared_over_32_mb_is_413_unread(erp, master):
    body = json.dumps({"lines": [line(1)]})
    response = erp.post(
        reverse("api:erp-revenue-lines"),
        data=body,
        content_type="application/json",
        CONTENT_LENGTH=str(40 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["errors"][0]["message"]
    assert nothing_written()


def test_nul_characters_are_a_400_not_a_500(erp, master):
    response = post(
        erp,
        "erp-revenue-lines",
        '{"lines": [{"external_id": "L\\u0000", '
        '"account": "C1", "category": "PIPE", "date": "2025-02-01", "amount": "1"}]}',
    )
    assert response.status_code == 400 and "NUL" in response.json()["errors"][0]["message"]
    assert nothing_written()


@pytest.mark.parametrize(
    "name",
    [
        "erp-revenue-lines",
        "erp-accounts",
        "erp-categories",
        "erp-distributors",
        "erp-exchange-rates",
    ],
)
def test_any_json_type_in_any_field_is_a_400_never_a_500(erp, master, name):
    items_key, template = {
        "erp-revenue-lines": ("lines", line(1)),
        "erp-accounts": (
            "accounts",
            {
                "external_id": "A",
                "name": "A",
                "legal_name": "",
                "tax_id": "",
                "parent": None,
                "region": "R",
                "industry": "I",
            },
        ),
        "erp-categories": ("categories", {"code": "C", "name": "C", "active": True}),
        "erp-distributors": ("distributors", {"external_id": "D", "name": "D", "region": "R"}),
        "erp-exchange-rates": ("rates", {"currency": "EUR", "date": "2025-01-01", "rate": "1"}),
    }[name]
    odd_values = [[], {}, ["x"], {"a": 1}, True, -1, 1.5, "", " ", "x" * 300, "2025-01-01"]
    fields = [*template, "currency", "cost", "quantity", "distributor"]
    items = [{**template, field: value} for field in fields for value in odd_values]
    response = post(erp, name, {items_key: items})
    assert response.status_code == 400
    assert {e["index"] for e in response.json()["errors"]} <= set(range(len(items)))


def test_bodies_above_djangos_form_upload_limit_are_read(erp, master, settings):
    # A 10 000-line batch can exceed DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, meant for forms).
    padding = " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = '{"lines": [' + json.dumps(line(1)) + "]" + padding + "}"
    response = post(erp, "erp-revenue-lines", body)
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
