"""The API's JSON renderer (orjson) sends the bytes DRF's own JSONRenderer would send."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from kam.api.renderers import JSONRenderer
from tests import factories as f

PAYLOAD = {
    "count": 3,
    "next": None,
    "results": [
        {
            "name": "ООО «Ромашка» — Zürich",
            "amount": Decimal("1234.50"),
            "share": 0.125,
            "strategic": True,
            "created_at": dt.datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=dt.UTC),
            "updated_at": dt.datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")),
            "naive": dt.datetime(2026, 3, 1, 12, 0, 0, 500),
            "day": dt.date(2026, 2, 28),
            "time": dt.time(8, 15, 0, 250000),
            "took": dt.timedelta(minutes=90),
            "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "label": gettext_lazy("This field is required."),
            "tags": ("a", "b"),
            "members": frozenset(),
            "line\u2028break\u2029": "with\u2028separators\u2029",
        }
    ],
    "errors": {1: ["keyed by an int"]},
}


def test_same_bytes_as_drfs_renderer():
    ours = JSONRenderer().render(PAYLOAD, "application/json", {})
    assert ours == DRFJSONRenderer().render(PAYLOAD, "application/json", {})
    assert b"\\u2028" in ours and b"\xe2\x80\xa8" not in ours  # still a JavaScript subset


def test_what_orjson_refuses_still_renders_as_drf_would():
    payload = {**PAYLOAD, "big": 2**70}
    ours = JSONRenderer().render(payload, "application/json", {})
    assert ours == DRFJSONRenderer().render(payload, "application/json", {})


def test_indent_asked_by_the_client_is_honoured():
    ours = JSONRenderer().render(PAYLOAD, "application/json; indent=4", {})
    assert ours == DRFJSONRenderer().render(PAYLOAD, "application/json; indent=4", {})
    assert b'\n    "count": 3' in ours


def test_an_unknown_type_is_an_error_not_a_silent_null():
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()}, "application/json", {})


def test_api_answers_render_as_drf_would(head_user, api_client_for):
    f.AccountFactory.create_batch(3, name="Сибирь\u2028Нефть")
    response = api_client_for(head_user).get("/api/v1/accounts/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == DRFJSONRenderer().render(response.data, "application/json", {})
    assert json.loads(response.content)["count"] == 3
