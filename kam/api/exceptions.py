"""The API's errors: Django's ValidationError (raised by services) becomes a 400 that names
the field; a throttled request a 429 with `Retry-After` and a problem-details body that
keeps the `detail` every other refusal has."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
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
    if isinstance(exc, exceptions.Throttled) and response is not None:
        # DRF set Retry-After (whole seconds); the body says the same for clients that
        # read only bodies.
        response.data = {
            "title": _("Too many requests"),
            "status": response.status_code,
            "detail": str(exc.detail),
            "retry_after": exc.wait,
        }
    return response
