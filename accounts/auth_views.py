"""Sign-in pages hardened against guessing and mail flooding.

- The login lockout is django-axes' (settings: LOGIN_FAILURE_LIMIT failures of one username
  from one address lock that pair for LOGIN_LOCKOUT_MINUTES); `login_locked_out` is the page
  it answers with: the sign-in form again, saying why and for how long, status 429.
- Password-reset mails are limited per address and per client IP; past a limit the page is
  the same "check your e-mail" as always and no mail leaves, so the answer tells nothing
  about an address (whether it exists, whether it was limited).
"""

from __future__ import annotations

import hashlib
import logging

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from kam.client_ip import client_ip
from kam.ratelimit import rate_hit

logger = logging.getLogger("kam.auth")


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page with the lockout message instead of a bare 403."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "lockout_minutes": minutes, "next": ""},
        status=429,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with PASSWORD_RESET_RATE_PER_EMAIL and _PER_IP."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        address = hashlib.sha256(email.encode()).hexdigest()  # no addresses in cache keys
        per_ip = rate_hit(
            f"pwreset-ip:{client_ip(self.request)}", rate=settings.PASSWORD_RESET_RATE_PER_IP
        )
        per_email = rate_hit(
            f"pwreset-email:{address}", rate=settings.PASSWORD_RESET_RATE_PER_EMAIL
        )
        if per_ip.allowed and per_email.allowed:
            return super().form_valid(form)
        logger.warning(
            "password reset mail withheld: %s limit reached (ip %s)",
            "address" if per_ip.allowed else "IP",
            client_ip(self.request),
        )
        return HttpResponseRedirect(self.get_success_url())
