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


@pytest.mark.django_db
def test_schema_documents_the_error_answers(client, kam_user):
    client.force_login(kam_user)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    patch = schema["paths"]["/api/v1/accounts/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(patch)
    refused = patch["400"]["content"]["application/json"]["schema"]
    assert refused == {"$ref": "#/components/schemas/FieldErrors"}
    listing = schema["paths"]["/api/v1/accounts/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(listing)
    # What a view declares itself stays: the ERP's batch errors.
    erp = schema["paths"]["/api/v1/erp/accounts/"]["post"]["responses"]["400"]
    erp_schema = erp["content"]["application/json"]["schema"]
    assert erp_schema == {"$ref": "#/components/schemas/ErpErrors"}
