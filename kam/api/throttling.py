"""API rate limits: anonymous by IP, signed-in (session) by user, token by token, a
stricter scope for the ERP's bulk writes, and unknown tokens by IP.

Rates come from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], env-driven). Each
request meets exactly one of the first three (how it authenticated decides), plus the ERP
scope on the ERP endpoints. Counted per fixed window in the default cache (Redis in
production, shared by every process) by kam.ratelimit; not enforced while the cache is down.
"""

from __future__ import annotations

import math
import time

from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework import throttling
from rest_framework.settings import api_settings

from accounts.models import ApiToken
from kam.client_ip import client_ip
from kam.ratelimit import Verdict, rate_hit


class FixedWindowThrottle(throttling.BaseThrottle):
    """A DRF throttle over kam.ratelimit: `scope` names the rate, `ident()` the client."""

    scope = ""
    timer = staticmethod(time.time)

    def rate(self) -> str | None:
        # Read now, not at import as DRF's throttles do: a changed setting counts.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def ident(self, request) -> str | int | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate, ident = self.rate(), self.ident(request)
        if rate is None or ident is None:
            return True
        self.verdict = rate_hit(f"{self.scope}:{ident}", rate=rate, now=self.timer())
        return self.verdict.allowed

    def wait(self) -> int | None:
        verdict: Verdict | None = getattr(self, "verdict", None)
        return verdict.retry_after if verdict else None


class AnonThrottle(FixedWindowThrottle):
    """Requests without credentials, by client IP."""

    scope = "anon"

    def ident(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request)


class UserThrottle(FixedWindowThrottle):
    """A signed-in browser session (no token), by user."""

    scope = "user"

    def ident(self, request):
        if not (request.user and request.user.is_authenticated):
            return None
        return None if isinstance(request.auth, ApiToken) else request.user.pk


class TokenThrottle(FixedWindowThrottle):
    """An API token, by token: a user's scripts with different tokens count apart."""

    scope = "token"

    def ident(self, request):
        return request.auth.pk if isinstance(request.auth, ApiToken) else None


class ErpThrottle(FixedWindowThrottle):
    """The ERP's bulk writes (up to 10 000 items and a second of work each), by user."""

    scope = "erp"

    def ident(self, request):
        if not (request.user and request.user.is_authenticated):
            return None
        return request.user.pk


# Client addresses refused before any token lookup, until when (this process's memory of
# what the shared counter said; forgotten with the cache's configuration).
_refused_until: dict[str, float] = {}
_REFUSED_MAX = 10_000


@receiver(setting_changed)
def _forget_refused(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":
        _refused_until.clear()


class FailedTokenThrottle(FixedWindowThrottle):
    """Unknown, revoked or expired tokens, by client IP (kam.api.authentication).

    Not a view throttle: authentication runs before throttles and refuses a bad token with
    401 on its own, so a client guessing tokens would never meet the others. A valid token
    costs nothing here: only failures are counted (in the shared cache). A failure past the
    rate is answered 429, and this process then refuses that address before any lookup
    until the window ends, from memory, so a guessing client costs neither the database nor
    the cache a round trip.
    """

    scope = "failed_auth"

    def ident(self, request):
        return client_ip(request)

    def refused(self, request) -> bool:
        """True while this client's address is over its failures for the window."""
        ip = self.ident(request)
        until = _refused_until.get(ip)
        if until is None:
            return False
        now = self.timer()
        if now >= until:
            _refused_until.pop(ip, None)
            return False
        self.verdict = Verdict(False, 0, math.ceil(until - now))
        return True

    def count_failure(self, request) -> bool:
        """Count a failure; True when it is one too many (answer 429)."""
        if self.allow_request(request, None):
            return False
        if len(_refused_until) >= _REFUSED_MAX:
            now = self.timer()
            for ip in [ip for ip, until in _refused_until.items() if until <= now]:
                del _refused_until[ip]
        if len(_refused_until) < _REFUSED_MAX:
            _refused_until[self.ident(request)] = self.timer() + self.verdict.retry_after
        return True
