"""OpenAPI: the error answers of every operation, described once.

drf-spectacular documents the success of an operation only. Every error of ours is an RFC
9457 problem document (kam.api.problems, `application/problem+json`): a refused input
carries its field errors, the ERP's batch errors their `errors` list. This hook adds the
answers an operation can give, turns the ones a view declares itself (the ERP endpoints)
into problem documents, and keeps their descriptions. tests/test_api_fuzz.py checks that
every status and body an operation answers is documented.
"""

from __future__ import annotations

from typing import Any

from .problems import CONTENT_TYPE, problem_body

_PROBLEM_MEMBERS: dict[str, Any] = {
    "type": {"type": "string", "description": "`about:blank`: the status says it all."},
    "title": {"type": "string", "description": "The HTTP status's phrase."},
    "status": {"type": "integer"},
    "detail": {"type": "string", "description": "What went wrong, for a person."},
    "instance": {"type": "string", "description": "The path of the request."},
    "request_id": {"type": "string", "description": "The answer's X-Request-ID."},
}
_REQUIRED = ["type", "title", "status", "detail"]
FIELD_ERROR = {
    "type": "object",
    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    "required": ["field", "message"],
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": _PROBLEM_MEMBERS,
        "required": _REQUIRED,
    },
    "ValidationProblem": {
        "type": "object",
        "description": "A refused input; nothing was written. `errors` lists every message "
        "by field (nested fields dotted, `non_field_errors` for the whole object); each "
        "field is also a member holding its messages, except a field named like a problem "
        "member.",
        "properties": {
            **_PROBLEM_MEMBERS,
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
        "required": [*_REQUIRED, "errors"],
        "additionalProperties": {},
    },
    "ErpProblem": {
        "type": "object",
        "description": "A refused batch: every bad item; nothing was written.",
        "properties": {
            **_PROBLEM_MEMBERS,
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErpError"}},
        },
        "required": [*_REQUIRED, "errors"],
    },
    "FieldError": FIELD_ERROR,
}
WRITES = ("post", "put", "patch")
_REPLACE = {
    "#/components/schemas/ErpErrors": "ErpProblem",
    "#/components/schemas/FieldErrors": "ValidationProblem",
}


def _response(name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {CONTENT_TYPE: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def _as_problem(status: int, response: dict) -> None:
    content = response.get("content") or {}
    media = content.pop("application/json", None) or content.get(CONTENT_TYPE) or {}
    ref = (media.get("schema") or {}).get("$ref", "")
    name = ref.rsplit("/", 1)[-1] if ref.endswith("Problem") else _REPLACE.get(ref, "Problem")
    problem: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{name}"}}
    examples = {
        key: {**example, "value": problem_body(status, request=None, data=example["value"])}
        for key, example in (media.get("examples") or {}).items()
    }
    if examples:
        problem["examples"] = examples
    response["content"] = {CONTENT_TYPE: problem}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(SCHEMAS)
    for path, item in result.get("paths", {}).items():
        one_object = "{" in path
        for method, operation in item.items():
            if method not in (*WRITES, "get", "delete"):
                continue
            errors = {
                "401": _response("Problem", "No credentials, or a wrong or expired token."),
                "403": _response("Problem", "The user's role may not do this."),
                "405": _response("Problem", "The method is not allowed here."),
                "406": _response("Problem", "The Accept header asks for something but JSON."),
                "429": {
                    **_response("Problem", "Too many requests (settings: THROTTLE_*_RATE)."),
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds to wait before the next request.",
                            "schema": {"type": "integer"},
                        }
                    },
                },
            }
            if method in WRITES or method == "delete":
                errors["400"] = _response("ValidationProblem", "Refused; the fields are named.")
            elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
                errors["400"] = _response("ValidationProblem", "A query parameter is invalid.")
            if method in WRITES:
                errors["411"] = _response("Problem", "A chunked body (no Content-Length).")
                errors["413"] = _response("Problem", "The body is larger than the API accepts.")
                errors["415"] = _response("Problem", "The body is not application/json.")
            if one_object:
                errors["404"] = _response("Problem", "No such object among those you may see.")
            elif method == "get":
                errors["404"] = _response("Problem", "No such page.")
            responses = operation.setdefault("responses", {})
            for status, response in errors.items():
                responses.setdefault(status, response)
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    _as_problem(int(status), response)
    schemas.pop("ErpErrors", None)
    schemas.pop("FieldErrors", None)
    schemas.pop("Detail", None)
    return result
