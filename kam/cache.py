"""The shared cache, used so that an outage of its backend degrades and does not fail.

Everything KAM keeps in the cache can be done without it: a dashboard panel is computed
again, a rate limit is not counted for a while. So every cache read or write that a page or
an API request depends on goes through `cache_call`: when the backend (Redis in
production) cannot be reached it answers the fallback, logs one warning a minute, and does
not try again for a few seconds, so that a dead Redis costs each request nothing rather
than a connection timeout per cache operation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.signals import setting_changed
from django.dispatch import receiver

try:
    from redis.exceptions import RedisError
except ImportError:  # the embedded default needs no redis client
    RedisError = OSError  # type: ignore[misc,assignment]

logger = logging.getLogger("kam.cache")

T = TypeVar("T")

# What a cache backend raises when it is away: redis-py's errors (ConnectionError,
# TimeoutError, …), and OSError from a socket underneath any other backend.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
# After a failure, the cache is left alone this long before the next attempt.
RETRY_AFTER_S = 5.0
WARN_EVERY_S = 60.0

_down_until = 0.0
_last_warning = 0.0
_lock = threading.Lock()


def cache_is_down() -> bool:
    """True while the last failure is recent: callers skip the cache without trying it."""
    return time.monotonic() < _down_until


def cache_call(operation: Callable[[], T], *, fallback: T, what: str) -> T:
    """`operation()` (a cache read or write), or `fallback` when the cache is away."""
    global _down_until, _last_warning
    if cache_is_down():
        return fallback
    try:
        return operation()
    except CACHE_ERRORS as exc:
        now = time.monotonic()
        with _lock:
            _down_until = now + RETRY_AFTER_S
            warn = not _last_warning or now - _last_warning >= WARN_EVERY_S
            if warn:
                _last_warning = now
        if warn:
            logger.warning("cache unavailable (%s), carrying on without it: %s", what, exc)
        return fallback


def cache_reset_state() -> None:
    """Forget a past failure (a new cache configuration, a test)."""
    global _down_until, _last_warning
    with _lock:
        _down_until = 0.0
        _last_warning = 0.0


@receiver(setting_changed)
def _caches_changed(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":
        cache_reset_state()
