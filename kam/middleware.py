"""Request plumbing every app shares: a request id, how large a body may be, and who may
cache an answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from kam.api.problems import problem_json_response
from kam.views import API_PREFIX

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


def body_cap(path: str) -> int:
    """The most bytes a request body to `path` may have, unless its view sets its own.

    The API takes small JSON documents (API_MAX_BODY_BYTES); pages take form posts, which
    Django bounds with DATA_UPLOAD_MAX_MEMORY_SIZE (KAM has no file uploads).
    """
    if path.startswith(API_PREFIX):
        return settings.API_MAX_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def view_reads_its_own_body(path: str) -> bool:
    """A view with a `max_body_bytes` attribute reads and bounds its body itself and answers
    a larger one in its own terms (the ERP endpoints: 32 MB, logged as a rejected import)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    # A class-based view (the ERP's) or a function view (a page's upload) may say so.
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    return getattr(view or match.func, "max_body_bytes", None) is not None


class RequestBodyLimitMiddleware:
    """Refuse a request body over its cap before anything reads it.

    The declared Content-Length decides, so a 50 MB post costs nothing: it is answered 413
    while the client is still sending. A body without a length (chunked) is answered 411:
    Django would read it as empty and a view would act on a request that is not the one sent.
    Under /api/ the answer is problem details, elsewhere a page.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request):
        raw_length = request.META.get("CONTENT_LENGTH")
        if not raw_length:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return self.refuse(
                    request,
                    411,
                    _("Send the body with a Content-Length header; chunked bodies are refused."),
                )
            return None
        try:
            declared = int(raw_length)
        except ValueError:
            return None  # gunicorn refuses it first; Django would read such a body as empty
        cap = body_cap(request.path_info)
        if declared <= cap or view_reads_its_own_body(request.path_info):
            return None
        if request.path_info.startswith(API_PREFIX):
            detail = _(
                "The request body is %(size)d bytes; the most accepted here is %(cap)d bytes."
            ) % {"size": declared, "cap": cap}
        else:
            detail = _("The request body is %(size)s; the most accepted here is %(cap)s.") % {
                "size": filesizeformat(declared),
                "cap": filesizeformat(cap),
            }
        return self.refuse(request, 413, detail, max_body_bytes=cap)

    @staticmethod
    def refuse(request, status: int, detail: str, **members):
        if request.path_info.startswith(API_PREFIX):
            return problem_json_response(status, request=request, detail=detail, **members)
        return render(request, "request_refused.html", {"detail": detail}, status=status)


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` on every answer to a signed-in user (pages, API, exports).

    What a KAM sees is their accounts' data: no browser cache, proxy or back button may keep
    it after they sign out. Answers that set their own Cache-Control keep it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF puts the token's user on the request too, so API answers count as well.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
