"""Request types for views that only signed-in users reach, so `request.user` is our User.

Annotations only, never instantiated: `login_required` and the API's permission classes
let no anonymous visitor through, which a type checker cannot see in `HttpRequest.user`
(`User | AnonymousUser`). django-htmx's middleware sets `request.htmx` on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.resolvers import URLResolver
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User

T = TypeVar("T")


class AuthenticatedHttpRequest(HttpRequest):
    """A page request behind `login_required`."""

    user: User
    htmx: HtmxDetails


class AuthenticatedRequest(Request):
    """An API request behind a permission that admits signed-in users only."""

    user: User


def redirect_back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the page a form was posted from (its `next` field, when it is one of
    ours), else to `default`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


# An id no row has, reversed into an address and replaced afterwards: a link pattern.
ID_SLOT = "987654321"

_per_urlconf: WeakKeyDictionary[URLResolver, dict[tuple, Any]] = WeakKeyDictionary()


def per_urlconf(key: tuple, compute: Callable[[], T]) -> T:
    """What `compute()` answers, computed once a process per URLconf, script prefix and
    `key`: addresses that reverse() would look up again on every request."""
    cached = _per_urlconf.setdefault(get_resolver(get_urlconf()), {})
    key = (get_script_prefix(), *key)
    if key not in cached:
        cached[key] = compute()
    return cached[key]


def url_pattern(name: str) -> str:
    """A page's URL with `{}` for its one id (`url_pattern("plans:plan").format(pk)`):
    one reverse() a process instead of one a link (~30 µs each) — on a long page, or in
    the frame of every account page (the `url_for` tag)."""
    return per_urlconf(
        ("url_pattern", name),
        lambda: reverse(name, args=[ID_SLOT]).replace(ID_SLOT, "{}"),
    )
