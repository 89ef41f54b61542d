"""Middleware every request passes through."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# What we accept from a caller as its request id: a short token (a UUID, a trace id…);
# anything else is replaced, so the id is safe to log and to echo in a header.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    """`X-Request-ID` on every response: the caller's, when it sent a sane one, else a new
    UUID. Views read it as `request.request_id` (the import log and problem details quote
    it), so one id ties a client's retry, our answer and our log line together."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request.request_id = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
