"""Every API error as RFC 9457 problem details (kam.api.problems): DRF's own refusals,
and Django's ValidationError raised by services (a 400 that names the field)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .problems import CONTENT_TYPE, problem_body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [m for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = problem_body(
        response.status_code, request=context.get("request"), data=response.data
    )
    response.content_type = CONTENT_TYPE
    if isinstance(exc, exceptions.Throttled):
        # DRF set Retry-After (whole seconds); the body says the same for clients that read
        # only bodies.
        response.data["retry_after"] = exc.wait  # type: ignore[attr-defined]  # set by DRF
    return response
