"""Fixed-window rate limits counted in the default cache: the one counter behind the API's
throttles (kam.api.throttling) and the password-reset limit (accounts.views).

One counter per key and window, so a hit costs the same whatever the rate (DRF's own
throttles keep a timestamp per request, a list as long as the rate). A client may burst up
to twice its rate across a window's edge: the price of O(1). When the cache is down nothing
is counted and everything is allowed (kam.cache): an outage of Redis must not turn into an
outage of logins or of the API.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from kam.cache import cache_call

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # whole seconds until the window ends


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600, 60): DRF's syntax (the period's first letter counts)."""
    number, period = rate.split("/")
    return int(number), PERIODS[period.strip()[0]]


def _window(rate: str, now: float | None) -> tuple[int, int, int, float]:
    limit, duration = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // duration)
    return limit, duration, window, (window + 1) * duration - now


def _incr(key: str, timeout: int) -> int:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _redis_incr(backend, key, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first hit
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another process added it meanwhile


def _redis_incr(redis_cache: RedisCache, key: str, timeout: int) -> int:
    """One round trip instead of Django's three (EXISTS, INCR; ADD on a window's first
    hit): INCR and EXPIRE … NX pipelined (Redis ≥ 7). This is on every API request."""
    full_key = redis_cache.make_and_validate_key(key)
    client = redis_cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    pipe.incr(full_key)
    pipe.expire(full_key, timeout, nx=True)
    count, _ = pipe.execute()
    return int(count)


def rate_hit(key: str, *, rate: str, now: float | None = None) -> Verdict:
    """Count a hit on `key` and say whether it is within `rate`."""
    limit, duration, window, remaining = _window(rate, now)
    count = cache_call(
        lambda: _incr(f"rl:{key}:{window}", duration + 1), fallback=0, what=f"rate limit {key}"
    )
    return Verdict(count <= limit, count, math.ceil(remaining))
