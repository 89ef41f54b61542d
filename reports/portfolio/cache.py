"""The head's heavy panels (tier movers, heat map, distributors), cached per metrics run.

They sum raw revenue lines, up to a second on 2 000 000 lines, so each is computed once per
period, metrics run and scope. The key holds the period's PortfolioMetric id, which every
recompute replaces: a new run shows at once, and a value can live until the next run (the
dashboard's figures are as of the last run anyway). The nightly task fills the company-wide
ones for the default period right after recomputing, so the first head to open the
dashboard in the morning does not wait. Without a cache (Redis down) a panel is computed
on each view: slower, never an error (kam.cache).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from accounts.models import User
from kam.cache import cache_call
from reports.models import PortfolioMetric

from .dashboard import portfolio_dashboard
from .distributors import distributor_report
from .periods import DEFAULT_PERIOD, Period, period_resolve

logger = logging.getLogger(__name__)

# Longer than the gap between two nightly runs; a run changes the key before that.
PANEL_CACHE_SECONDS = 26 * 3600

# name -> what it computes for (user, period)
HEAVY_PANELS: dict[str, Callable[[User, Period], Any]] = {
    "tiers": lambda user, period: portfolio_dashboard(user=user, period=period, panels=("tiers",)),
    "heatmap": lambda user, period: portfolio_dashboard(
        user=user, period=period, panels=("heatmap",)
    ),
    "distributors": lambda user, period: distributor_report(user=user, period=period),
}


def _key(name: str, period: Period, scope: str) -> str:
    metric_id = (
        PortfolioMetric.objects.filter(period=period.key).values_list("pk", flat=True).first()
    )
    return f"reports:{name}:{period.key}:{metric_id}:{scope}"


def _scope(user: User) -> str:
    return "all" if user.sees_all_accounts else f"user{user.pk}"


def heavy_panel(*, user: User, name: str, period: Period) -> Any:
    """The panel `name` for the user and period, from the cache when this run has it."""
    key = _key(name, period, _scope(user))
    value = cache_call(lambda: cache.get(key), fallback=None, what=f"{name} panel")
    if value is None:
        value = HEAVY_PANELS[name](user, period)
        cache_call(lambda: cache.set(key, value, PANEL_CACHE_SECONDS), fallback=None, what="panel")
    return value


def heavy_panels_warm(*, period_key: str = DEFAULT_PERIOD) -> list[str]:
    """Compute the company-wide panels (what every head and admin sees) into the cache.

    Returns the names filled. A failure is logged and skipped: a cold panel is slow, not
    wrong, and must not fail the metrics run that called this.
    """
    period = period_resolve(period_key)
    # The company-wide scope; nothing is written as this user.
    everyone = User(role=User.Role.HEAD, is_active=True)
    filled = []
    for name, compute in HEAVY_PANELS.items():
        try:
            cache.set(_key(name, period, "all"), compute(everyone, period), PANEL_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - see the docstring
            logger.exception("warming the %s panel for %s failed", name, period_key)
        else:
            filled.append(name)
    return filled
