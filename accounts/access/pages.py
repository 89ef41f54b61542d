"""The page decorator and what the templates may ask. See accounts.access."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import User

from .rules import can_use_pages, offers_portfolio_pages, sees_every_account


def page_view(
    view: Callable | None = None, *, allow: Callable[[User], bool] | None = None
) -> Callable:
    """The decorator of every HTML view (pages, htmx partials, exports).

    Anonymous visitors go to the login page — the whole window when htmx asked (a lazy
    panel, a Done button after the session ended), not a login form swapped into the
    panel; the integration user gets 403 (it is an API client); `allow`, if given, is a
    further predicate (say `can_assign` for a head-only page) whose refusal is a 403 too.
    `@page_view` or `@page_view(allow=can_assign)`.
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def signed_in(request: HttpRequest, *args: Any, **kwargs: Any):
            htmx = getattr(request, "htmx", None)
            if htmx and not request.user.is_authenticated:
                back = htmx.current_url_abs_path or request.get_full_path()
                return HttpResponseClientRedirect(redirect_to_login(back).url)
            return wrapper(request, *args, **kwargs)

        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            # login_required has let only signed-in users through; the rules take a User.
            user = cast(User, request.user)
            if not can_use_pages(user):
                raise PermissionDenied(_("This account is for the API; it has no pages."))
            if allow is not None and not allow(user):
                raise PermissionDenied(_("This page is for sales heads and admins."))
            return func(request, *args, **kwargs)

        return signed_in

    return decorate(view) if view is not None else decorate


class PageAccess:
    """What the templates may ask (`{% if access.pages %}`), computed on first use."""

    def __init__(self, user: User) -> None:
        self._user = user

    @cached_property
    def pages(self) -> bool:
        return can_use_pages(self._user)

    @cached_property
    def every_account(self) -> bool:
        return sees_every_account(self._user)

    @cached_property
    def portfolio_pages(self) -> bool:
        return offers_portfolio_pages(self._user)


def template_context(request: HttpRequest) -> dict[str, PageAccess]:
    """Context processor: `access` in every template (settings.TEMPLATES)."""
    # Anonymous visitors too: every rule answers False for them (rules.is_signed_in).
    return {"access": PageAccess(cast(User, getattr(request, "user", None)))}
