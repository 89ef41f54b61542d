"""Panels the reports app lends to the account page: numbers, revenue chart, tier history,
whitespace. They read the metric rows the nightly job writes (AccountMetric) and fall back
to the ttm figures written down on the account when no row exists yet."""

from __future__ import annotations

from django import template
from django.utils import timezone

from reports.metrics.periods import add_months, ttm_latest
from reports.models import AccountMetric, PeriodKind
from reports.selectors import account_whitespace as whitespace_of
from reports.selectors import contract_revenue_by_year

register = template.Library()
CHART_MONTHS = 24
TIER_HISTORY_QUARTERS = 8


def _ttm_row(account) -> AccountMetric | None:
    # Two panels of one page read it: fetch once per account object.
    if not hasattr(account, "_ttm_metric"):
        # One ttm row an account (period "ttm" and account are unique together): no order.
        rows = AccountMetric.objects.filter(account=account, period_kind=PeriodKind.TTM)
        account._ttm_metric = next(iter(rows.order_by()[:1]), None)
    return account._ttm_metric


@register.inclusion_tag("reports/panels/account_numbers.html")
def account_numbers(account):
    row = _ttm_row(account)
    return {
        "account": account,
        "row": row,
        "revenue": row.revenue if row else account.ttm_revenue,
        "share": row.revenue_share if row else account.ttm_share,
        "penetration": row.penetration if row else account.ttm_penetration,
        "category_penetration": row.category_penetration if row else None,
        "growth": row.growth if row else account.ttm_growth,
        "margin": row.margin_pct if row else None,
        "margin_change": row.margin_change if row else None,
        "tier": (row.tier if row else "") or account.tier,
    }


@register.inclusion_tag("reports/panels/account_revenue.html")
def account_revenue_chart(account):
    """24 months of revenue (months without a row are zero) and the tier by quarter."""
    this_month = timezone.localdate().replace(day=1)
    first = add_months(this_month, -CHART_MONTHS)
    months = [add_months(first, i) for i in range(CHART_MONTHS)]
    rows = dict(
        AccountMetric.objects.filter(
            account=account, period_kind=PeriodKind.MONTH, period_start__gte=first
        ).values_list("period_start", "revenue")
    )
    series = [
        {"month": m.strftime("%Y-%m"), "date": m, "revenue": float(rows.get(m, 0))} for m in months
    ]
    tiers = list(
        AccountMetric.objects.filter(account=account, period_kind=PeriodKind.QUARTER)
        .order_by("-period_start")
        .values("period", "tier", "rank")[:TIER_HISTORY_QUARTERS]
    )[::-1]
    return {
        "account": account,
        "series": series,
        "chart": {
            "labels": [s["month"] for s in series],
            "values": [s["revenue"] for s in series],
        },
        "has_revenue": any(s["revenue"] for s in series),
        "tiers": tiers,
    }


@register.inclusion_tag("reports/panels/account_whitespace.html", takes_context=True)
def account_whitespace(context, account):
    """Active categories the account bought in the ttm window, and those it did not."""
    data = whitespace_of(user=context["request"].user, account_pk=account.pk, period=ttm_latest())
    categories = data["categories"]
    return {
        "account": account,
        "start": data["period_start"],
        "end": data["period_end"],
        "bought": sorted(
            ((c, c["revenue"]) for c in categories if c["bought"]), key=lambda cb: -cb[1]
        ),
        "not_bought": sorted((c for c in categories if not c["bought"]), key=lambda c: c["name"]),
        "total": len(categories),
    }


HEALTH_HISTORY_DAYS = 180


@register.inclusion_tag("reports/panels/account_health.html", takes_context=True)
def account_health(context, account):
    """The account's health card: score, band, each component's points and sentence, the
    left-out ones and why, and the history (chart + table). The account is already scoped
    by the page that shows it."""
    from accounts import access
    from reports.health.display import components_for_display
    from reports.health.selectors import health_history, health_latest

    row = health_latest(account_ids=[account.pk]).get(account.pk)
    components = components_for_display(row) if row else []
    history = list(health_history(account=account, days=HEALTH_HISTORY_DAYS)) if row else []
    user = context["request"].user
    return {
        "account": account,
        "row": row,
        "included": [c for c in components if c["included"]],
        "left_out": [c for c in components if not c["included"]],
        "history": history,
        "chart": {
            "labels": [h.date.isoformat() for h in history],
            "values": [float(h.score) for h in history],
        },
        "can_tune": access.can_change_health_settings(user),
    }


@register.inclusion_tag("reports/panels/contract_revenue.html")
def contract_revenue(contract):
    """The contract page's revenue under it (ERP lines that name it), by year, against
    its annual value."""
    return {"contract": contract, **contract_revenue_by_year(contract=contract)}
