"""Problem details (RFC 9457) for answers given before any API view runs."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

PROBLEM_JSON = "application/problem+json"


def problem_response(*, status: int, detail: str, **members: Any) -> JsonResponse:
    """`{"type", "title", "status", "detail", …}` as application/problem+json.

    `type` is "about:blank": the status says what kind of problem it is and `title` is its
    standard phrase; `members` add machine-readable facts (e.g. the limit that was passed).
    """
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **members,
    }
    return JsonResponse(body, status=status, content_type=PROBLEM_JSON)
