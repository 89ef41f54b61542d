"""Token authentication over our own hashed tokens (accounts.models.ApiToken).

The header stays DRF's `Authorization: Token <key>`. The key is looked up by its SHA-256
hash, which has a unique index: the database never holds a usable key, and comparing
hashes leaks nothing a caller could use (they do not choose the hash). The lookup is one
SQL statement written once and read through `User.objects.raw()` (which still applies
Django's type converters): the ORM's query building cost about five times the database's
own time on every API request. Contract: the active user who owns a live token, or 401
("Invalid token." for an unknown or revoked key, "Token expired." past its expiry).
`last_used_at` is written at most once a minute per token, not on every request. Bad keys
are counted by client IP (kam.api.throttling.FailedTokenThrottle): past the limit a client
is answered 429, then refused before its key is even looked up; a valid key costs nothing
there.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from kam.api.throttling import FailedTokenThrottle

# A key is 40 characters; anything much longer is refused before it is hashed.
MAX_KEY_LENGTH = 128
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@functools.cache
def _token_user_sql() -> str:
    user_model = get_user_model()
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"u.{quote(f.column)}"
        for f in user_model._meta.concrete_fields
        if isinstance(f, models.Field)
    )
    token = ApiToken._meta
    column = {
        name: quote(str(getattr(token.get_field(name), "column", name)))
        for name in ("user", "key_hash", "expires_at", "last_used_at", "revoked_at")
    }
    return (
        f"SELECT {columns}, t.{quote(token.pk.column)} AS api_token_id, "
        f"CASE WHEN t.{column['expires_at']} <= %s THEN 1 ELSE 0 END AS api_token_expired, "
        f"CASE WHEN t.{column['last_used_at']} IS NULL OR t.{column['last_used_at']} < %s "
        f"THEN 1 ELSE 0 END AS api_token_stale "
        f"FROM {quote(user_model._meta.db_table)} u "
        f"JOIN {quote(token.db_table)} t "
        f"ON t.{column['user']} = u.{quote(user_model._meta.pk.column)} "
        f"WHERE t.{column['key_hash']} = %s AND t.{column['revoked_at']} IS NULL"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: session, or no credentials
        # A client that sent too many bad tokens is refused before any lookup (429).
        failures = FailedTokenThrottle()
        if failures.refused(request):
            raise exceptions.Throttled(failures.wait())
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if failures.count_failure(request):
                raise exceptions.Throttled(failures.wait()) from None
            raise

    def authenticate_credentials(self, key: str):
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        adapt = connection.ops.adapt_datetimefield_value
        params = [adapt(now), adapt(now - LAST_USED_RESOLUTION), ApiToken.hash_key(key)]
        # The raw query adds api_token_expired / _stale / _id to the user it reads.
        user: Any = next(iter(get_user_model().objects.raw(_token_user_sql(), params)), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if user.api_token_expired:
            raise exceptions.AuthenticationFailed(_("Token expired."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if user.api_token_stale:
            ApiToken.objects.filter(pk=user.api_token_id).update(last_used_at=now)
        return user, ApiToken(pk=user.api_token_id, user=user)
