"""The ERP import service called directly: it returns the counts or raises BatchRejected
naming every bad item, logs every request (applied or rejected), and writes nothing of a
rejected batch. Statuses are the API's business (erp_request_handle and the views).
The HTTP contract (statuses, bodies, the log's API) is tests/reports/test_erp_api.py."""

from __future__ import annotations

import json

import pytest

from accounts.models import Account
from reports.erp import upserts
from reports.erp.batches import erp_batch_import
from reports.erp.errors import BatchRejected, item_error
from reports.erp.validation import parse_categories
from reports.models import ImportBatch, ProductCategory, RevenueLine
from tests import factories as f

pytestmark = pytest.mark.django_db


def _body(key: str, items: list) -> bytes:
    return json.dumps({key: items}).encode()


def _counts() -> dict:
    return {
        "accounts": Account.objects.count(),
        "categories": ProductCategory.objects.count(),
        "lines": RevenueLine.objects.count(),
    }


def test_an_applied_batch_returns_its_counts_and_is_logged(integration_user):
    body = _body("categories", [{"code": "PIPE", "name": "Pipes"}])
    assert erp_batch_import(endpoint="categories", body=body, user=integration_user) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.http_status, batch.created, batch.errors) == (
        ImportBatch.Status.APPLIED,
        200,
        1,
        [],
    )


def test_a_bad_batch_raises_naming_every_bad_item_and_writes_nothing(integration_user):
    f.AccountFactory(external_id="C1")
    f.ProductCategoryFactory(code="PIPE")
    lines = [
        {"external_id": "L1", "account": "C1", "category": "PIPE", "date": "2025-02-01",
         "amount": "100.00"},
        {"external_id": "L2", "account": "NOPE", "category": "PIPE", "date": "2025-02-01",
         "amount": "100.00"},
        {"external_id": "L3", "account": "C1", "category": "PIPE", "date": "2025-02-01",
         "amount": "1.001"},
    ]  # fmt: skip
    before = _counts()
    with pytest.raises(BatchRejected) as rejected:
        erp_batch_import(
            endpoint="revenue-lines", body=_body("lines", lines), user=integration_user
        )
    assert [(e["index"], e["field"]) for e in rejected.value.errors] == [
        (1, "account"),
        (2, "amount"),
    ]
    assert _counts() == before
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.http_status, batch.items) == (ImportBatch.Status.REJECTED, 400, 3)
    assert batch.errors == rejected.value.errors


def test_too_many_items_is_refused_before_any_item_is_read(integration_user, settings):
    settings.ERP_MAX_BATCH = 2
    items = [{"code": f"C{n}", "name": "x"} for n in range(3)]
    with pytest.raises(BatchRejected) as rejected:
        erp_batch_import(
            endpoint="categories", body=_body("categories", items), user=integration_user
        )
    assert rejected.value.too_large
    assert rejected.value.errors[0]["field"] == "categories"
    assert not ProductCategory.objects.exists()
    assert ImportBatch.objects.get().http_status == 413


def test_an_upsert_given_item_errors_writes_not_even_the_good_items(integration_user):
    parsed, errors = parse_categories([{"code": "GOOD", "name": "Good"}])
    assert errors == []
    found = [item_error(1, "BAD", "name", "is required")]
    with pytest.raises(BatchRejected) as caught:
        upserts.categories_upsert(parsed=parsed, user=integration_user, errors=found)
    assert caught.value.errors == found
    assert not ProductCategory.objects.exists()
