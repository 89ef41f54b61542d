"""The head's heavy panels (tier movers, heat map, distributors), cached per metrics run.

They sum raw revenue lines, up to a second on 2 000 000 lines, so each is computed once per
period, metrics run and scope. The key holds the period's PortfolioMetric id, which every
recompute replaces: a new run shows at once, and a value can live until the next run (the
dashboard's figures are as of the last run anyway). The nightly task fills the company-wide
ones for the default period right after recomputing, so the first head to open the
dashboard in the morning does not wait.

Only the numbers may be as old as the run: account names are read afresh on every cache
hit (one query by primary key), so a renamed account shows its new name at once, as it
does in the accounts table.

dashboard in the morning does not wait. Without a cache (Redis down) a panel is computed
on each view: slower, never an error (kam.cache).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.core.cache import cache

from accounts.access import sees_every_account
from accounts.models import Account, User
from kam.cache import cache_call
from reports.metrics.periods import Period, parse_period
from reports.models import PortfolioMetric

from .dashboard import Dashboard, portfolio_dashboard
from .distributors import distributor_report
from .periods import DEFAULT_PERIOD

logger = logging.getLogger(__name__)

# Longer than the gap between two nightly runs; a run changes the key before that.
PANEL_CACHE_SECONDS = 26 * 3600
# Bumped when the cached values change shape (v2: one Period type, rows carry account ids),
# so a deploy never unpickles a value the new code cannot read.
PANEL_CACHE_VERSION = 2

# name -> what it computes for (user, period)
HEAVY_PANELS: dict[str, Callable[[User, Period], Any]] = {
    "tiers": lambda user, period: portfolio_dashboard(user=user, period=period, panels=("tiers",)),
    "heatmap": lambda user, period: portfolio_dashboard(
        user=user, period=period, panels=("heatmap",)
    ),
    "distributors": lambda user, period: distributor_report(user=user, period=period),
}


def _dashboard_rows(dash: Dashboard) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from ((row["account_id"], row) for row in dash.heat_rows)
    yield from ((row["pk"], row) for row in (*dash.moved_up, *dash.moved_down))


def _distributor_rows(report: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    for distributor in report:
        yield from ((row["account_id"], row) for row in distributor["accounts"])


# name -> the rows of its value that name an account: (account id, row with a "name")
NAMED_ROWS: dict[str, Callable[[Any], Iterator[tuple[int, dict[str, Any]]]]] = {
    "tiers": _dashboard_rows,
    "heatmap": _dashboard_rows,
    "distributors": _distributor_rows,
}


def _current_names(name: str, value: Any) -> Any:
    """Put the accounts' names as they are now into a cached panel."""
    rows = list(NAMED_ROWS[name](value))
    if rows:
        names = dict(
            Account.objects.filter(pk__in={pk for pk, _ in rows}).values_list("pk", "name")
        )
        for pk, row in rows:
            row["name"] = names.get(pk, row["name"])
    return value


def _key(name: str, period: Period, scope: str) -> str:
    metric_id = (
        PortfolioMetric.objects.filter(period=period.key).values_list("pk", flat=True).first()
    )
    return f"reports:v{PANEL_CACHE_VERSION}:{name}:{period.key}:{metric_id}:{scope}"


def _scope(user: User) -> str:
    return "all" if sees_every_account(user) else f"user{user.pk}"


def heavy_panel(*, user: User, name: str, period: Period) -> Any:
    """The panel `name` for the user and period, from the cache when this run has it."""
    key = _key(name, period, _scope(user))
    value = cache_call(lambda: cache.get(key), fallback=None, what=f"{name} panel")
    if value is None:
        value = HEAVY_PANELS[name](user, period)
        cache_call(lambda: cache.set(key, value, PANEL_CACHE_SECONDS), fallback=None, what="panel")
        return value
    return _current_names(name, value)


def heavy_panels_warm(*, period_key: str = DEFAULT_PERIOD) -> list[str]:
    """Compute the company-wide panels (what every head and admin sees) into the cache.

    Returns the names filled. A failure is logged and skipped: a cold panel is slow, not
    wrong, and must not fail the metrics run that called this.
    """
    period = parse_period(period_key)
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
