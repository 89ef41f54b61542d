"""RFC 9457 problem details: the one shape of every error the API answers.

Members: `type` (`about:blank`: the status says what went wrong), `title` (the status's
phrase), `status`, `detail` (one sentence for a person), `instance` (the request's path),
and `request_id` (the `X-Request-ID` of the answer, to quote to support).

Extension members keep the shapes clients read before problem details:
- a refused input keeps DRF's field errors as members named by field
  (`{"name": ["This field is required."]}`), and lists them all in `errors`
  (`[{"field": "name", "message": "…"}]`, nested fields dotted: `contacts.0`) — a field
  that shares its name with a problem member (`title`, `type`, `status`, `detail`,
  `instance`) is only in `errors`;
- the ERP's batch errors stay `errors: [{"index", "external_id", "field", "message"}]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework.response import Response

CONTENT_TYPE = "application/problem+json"
MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _flatten(errors: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure as a flat list of {field, message}."""
    if isinstance(errors, Mapping):
        out: list[dict[str, str]] = []
        for key, value in errors.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return [{"field": prefix or "non_field_errors", "message": str(m)} for m in errors]
        out = []
        for index, value in enumerate(errors):
            if value:
                out += _flatten(value, f"{prefix}.{index}" if prefix else str(index))
        return out
    return [{"field": prefix or "non_field_errors", "message": str(errors)}]


def problem_body(
    status: int,
    *,
    request: HttpRequest | None,
    detail: str | None = None,
    data: Any = None,
) -> dict[str, Any]:
    """The problem document for `status`, built around an older error body `data`
    (DRF's `{"detail": …}`, its field errors, or the ERP's `{"errors": […]}`)."""
    body: dict[str, Any] = {"type": "about:blank", "title": _title(status), "status": status}
    if isinstance(data, Mapping) and set(data) == {"detail"}:
        detail = detail or str(data["detail"])
    elif isinstance(data, Mapping) and "errors" in data:
        body["errors"] = errors = data["errors"]
        body.update({k: v for k, v in data.items() if k not in MEMBERS and k != "errors"})
        if detail is None and len(errors) == 1:
            only = errors[0]
            detail = " ".join(str(p) for p in (only.get("field"), only.get("message")) if p)
        elif detail is None and errors:
            detail = f"{len(errors)} errors; nothing was written."
    elif data is not None:
        fields = data if isinstance(data, Mapping) else {"non_field_errors": data}
        body["errors"] = _flatten(fields)
        body.update({k: v for k, v in fields.items() if k not in MEMBERS})
        if detail is None:
            names = sorted({e["field"].split(".")[0] for e in body["errors"]})
            detail = "Invalid input: " + ", ".join(names) + "." if names else None
    if status == 400 and "errors" not in body:  # a body that is not JSON at all…
        body["errors"] = [{"field": "non_field_errors", "message": detail or _title(status)}]
    body["detail"] = detail or _title(status)
    if request is not None:
        body["instance"] = request.path
        body["request_id"] = getattr(request, "request_id", "")
    return body


def problem_response(
    status: int, *, request: HttpRequest, detail: str | None = None, data: Any = None
) -> Response:
    """A DRF answer carrying a problem document."""
    return Response(
        problem_body(status, request=request, detail=detail, data=data),
        status=status,
        content_type=CONTENT_TYPE,
    )


def problem_json_response(
    status: int, *, request: HttpRequest, detail: str | None = None, **members: Any
) -> JsonResponse:
    """The same for plain Django views (unknown API URLs, crashes, middleware refusals);
    `members` add machine-readable facts (the limit that was passed…)."""
    return JsonResponse(
        {**problem_body(status, request=request, detail=detail), **members},
        status=status,
        content_type=CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
