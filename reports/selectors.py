"""Reads of the metrics, scoped by who asks (DESIGN.md "Who sees what").

A KAM sees the metric rows of the accounts in their scope; portfolio totals are
company-wide for everyone signed in; the run log is for sales heads and admins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractYear

from accounts import access
from accounts.models import Account, User
from accounts.selectors import account_get
from plans.models import Contract
from reports.metrics.periods import Period
from reports.models import (
    AccountMetric,
    ImportBatch,
    MetricRun,
    PortfolioMetric,
    ProductCategory,
    RevenueLine,
)


def account_metric_list(*, user: User, period: Period) -> QuerySet[AccountMetric]:
    return access.scoped(AccountMetric.objects.filter(period=period.key), user=user).select_related(
        "account"
    )


def account_metric_history(*, user: User, account_pk: int) -> QuerySet[AccountMetric]:
    """Every period's row of one visible account (Account.DoesNotExist when not visible)."""
    account = account_get(user=user, pk=account_pk)
    return (
        AccountMetric.objects.filter(account=account)
        .select_related("account")
        .order_by("period_kind", "period_start")
    )


def portfolio_metric_get(*, user: User, period: Period) -> PortfolioMetric:
    """Company-wide totals of one period (PortfolioMetric.DoesNotExist when not computed)."""
    if not access.can_read_numbers(user):
        raise PermissionDenied
    return PortfolioMetric.objects.get(period=period.key)


def metric_run_list(*, user: User) -> QuerySet[MetricRun]:
    """The recompute log, newest first: for the integration role, heads and admins."""
    if not access.can_run_metrics(user):
        raise PermissionDenied
    return MetricRun.objects.select_related("requested_by").order_by("-started_at", "-pk")


def import_batch_list(*, user: User) -> QuerySet[ImportBatch]:
    """The ERP import log, newest first: heads and admins read every request, the
    integration role its own."""
    rows = ImportBatch.objects.select_related("user").order_by("-received_at", "-id")
    return access.import_batch_scope(user=user, queryset=rows)


def account_whitespace(*, user: User, account_pk: int, period: Period) -> dict:
    """Per active category: the account's revenue in `period` and whether it bought at all.

    The one whitespace read (API and the account page's panel); Account.DoesNotExist when
    the user does not see the account.
    """
    account: Account = account_get(user=user, pk=account_pk)
    start, end = period.start, period.end
    revenue = dict(
        RevenueLine.objects.filter(account=account, date__gte=start, date__lte=end)
        .values("category_id")
        .annotate(total=Sum("amount_base"))
        .values_list("category_id", "total")
    )
    categories = []
    for category in ProductCategory.objects.filter(active=True).order_by("code"):
        amount = revenue.get(category.pk) or Decimal("0")
        categories.append(
            {
                "code": category.code,
                "name": category.name,
                "revenue": amount,
                "bought": amount > 0,
            }
        )
    bought = sum(1 for c in categories if c["bought"])
    return {
        "account": account.external_id,
        "period": period.key,
        "period_start": start,
        "period_end": end,
        "category_penetration": bought / len(categories) if categories else None,
        "categories": categories,
    }


def contract_revenue_by_year(*, contract: Contract) -> dict[str, Any]:
    """Revenue brought under a contract (the ERP lines that name it), by calendar year,
    against its annual value pro rata of the days it runs in each year. One query (the
    caller has checked the user may see the contract). Revenue is in the base currency;
    the comparison is only made when the contract's value is in it too."""
    sums = dict(
        RevenueLine.objects.filter(contract=contract)
        .annotate(year=ExtractYear("date"))
        .values_list("year")
        .annotate(total=Sum("amount_base"))
        .order_by()
    )
    comparable = contract.annual_value is not None and contract.currency == settings.BASE_CURRENCY
    years = sorted(set(range(contract.start_date.year, contract.end_date.year + 1)) | set(sums))
    rows: list[dict[str, Any]] = []
    total = Decimal("0")
    for year in years:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        start, end = max(first, contract.start_date), min(last, contract.end_date)
        days = max(0, (end - start).days + 1)
        expected = None
        if comparable and days:
            assert contract.annual_value is not None
            share = Decimal(days) / Decimal((last - first).days + 1)
            expected = (contract.annual_value * share).quantize(Decimal("0.01"))
        revenue = sums.get(year) or Decimal("0")
        total += revenue
        rows.append(
            {
                "year": year,
                "revenue": revenue,
                "expected": expected,
                "ratio": float(revenue / expected) if expected else None,
            }
        )
    return {
        "rows": rows,
        "total": total,
        "comparable": comparable,
        "base_currency": settings.BASE_CURRENCY,
    }
