"""The client's IP address, one rule for every limit that counts by address: the API's
throttles, the login lockout (django-axes) and the password-reset limit.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address, and every client would
share one limit; with TRUSTED_PROXY_COUNT = n, the address the outermost of our n proxies
saw is taken from X-Forwarded-For (its n-th entry from the right: entries further left are
whatever the client chose to send). 0, the default, trusts no header.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
