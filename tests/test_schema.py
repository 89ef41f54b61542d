"""The OpenAPI schema generates without a warning, and Swagger UI serves from our files."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns any warning or error of drf-spectacular into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/accounts/{id}/", "/api/v1/plans/", "/api/v1/tenders/", "/api/v1/users/"):
        assert path in text


@pytest.mark.django_db
def test_schema_and_docs_are_served(client, kam_user):
    client.force_login(kam_user)
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    assert "AccountRequest" in schema.json()["components"]["schemas"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
