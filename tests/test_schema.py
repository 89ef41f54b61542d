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
def test_schema_documents_every_error_as_problem_details(client, kam_user):
    client.force_login(kam_user)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    patch = schema["paths"]["/api/v1/accounts/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "405", "413", "415", "429"} <= set(patch)
    assert patch["400"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}
    }
    listing = schema["paths"]["/api/v1/accounts/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(listing)
    assert "413" not in listing  # a GET has no body to refuse
    # The ERP's batch errors keep their items, inside a problem document.
    erp = schema["paths"]["/api/v1/erp/accounts/"]["post"]["responses"]["400"]
    erp_body = erp["content"]["application/problem+json"]
    assert erp_body["schema"] == {"$ref": "#/components/schemas/ErpProblem"}
    example = next(iter(erp_body["examples"].values()))["value"]
    assert example["status"] == 400 and example["errors"][0]["field"] == "amount"
    # No error is documented as plain JSON anywhere.
    for item in schema["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], status


@pytest.mark.django_db
def test_every_write_takes_json_only(client, kam_user):
    client.force_login(kam_user)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    bodies = {
        (method, path): list(operation["requestBody"]["content"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert bodies
    # The one exception: a contract's document is uploaded as multipart/form-data, and
    # only so (a client generated from the schema then has one body type per operation).
    upload = ("post", "/api/v1/contracts/{id}/documents/")
    assert bodies.pop(upload) == ["multipart/form-data"]
    assert {k: v for k, v in bodies.items() if v != ["application/json"]} == {}
