"""Request types for views that only signed-in users reach, so `request.user` is our User.

Annotations only, never instantiated: `login_required` and the API's permission classes
let no anonymous visitor through, which a type checker cannot see in `HttpRequest.user`
(`User | AnonymousUser`). django-htmx's middleware sets `request.htmx` on every request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A page request behind `login_required`."""

    user: User
    htmx: HtmxDetails


class AuthenticatedRequest(Request):
    """An API request behind a permission that admits signed-in users only."""

    user: User
