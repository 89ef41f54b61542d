"""OpenAPI: the error answers of every operation, described once.

drf-spectacular documents the success of an operation only. Ours answer a refused input
with DRF's `{"<field>": ["message", …]}` (`non_field_errors` for the whole object), a rate
limit with 429 (`Retry-After` and a problem-details body that has `detail` too), and every
other refusal with `{"detail": "message"}`. This hook adds those answers where an operation
can give them, and keeps what a view declares itself (the ERP endpoints' batch errors).
tests/test_api_fuzz.py checks that every status an operation answers is documented.
"""

from __future__ import annotations

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by field name (`non_field_errors`: the whole object); nested "
    "fields nest the same way. Nothing was written.",
    "additionalProperties": {},
}
THROTTLED = {
    "type": "object",
    "description": "Too many requests (problem details). Wait `retry_after` seconds (the "
    "`Retry-After` header says the same).",
    "properties": {
        "title": {"type": "string"},
        "status": {"type": "integer", "enum": [429]},
        "detail": {"type": "string"},
        "retry_after": {"type": "integer"},
    },
    "required": ["detail", "status", "retry_after"],
}
WRITES = ("post", "put", "patch")


def _response(name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Detail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    schemas.setdefault("Throttled", THROTTLED)
    for path, item in result.get("paths", {}).items():
        one_object = "{" in path
        for method, operation in item.items():
            if method not in (*WRITES, "get", "delete"):
                continue
            errors = {
                "401": _response("Detail", "No credentials, or a wrong token."),
                "403": _response("Detail", "The user's role may not do this."),
                "429": {
                    **_response("Throttled", "Too many requests (settings: THROTTLE_*_RATE)."),
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds to wait before the next request.",
                            "schema": {"type": "integer"},
                        }
                    },
                },
            }
            if method in WRITES or method == "delete":
                errors["400"] = _response("FieldErrors", "Refused; the fields are named.")
            elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
                errors["400"] = _response("FieldErrors", "A query parameter is invalid.")
            if one_object:
                errors["404"] = _response("Detail", "No such object among those you may see.")
            elif method == "get":
                errors["404"] = _response("Detail", "No such page.")
            responses = operation.setdefault("responses", {})
            for status, response in errors.items():
                responses.setdefault(status, response)
    return result
