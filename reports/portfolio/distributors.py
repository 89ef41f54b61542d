"""Distributors with the key accounts they serve and the revenue that flowed through them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from accounts.models import Account, Distributor, DistributorLink, User
from reports.models import AccountMetric, RevenueLine

from .periods import Period
from .scope import scoped

# The biggest key accounts of each distributor; the page says how many there are in all.
ACCOUNTS_PER_DISTRIBUTOR = 25


def distributor_report(*, user: User, period: Period) -> list[dict[str, Any]]:
    """Per distributor: revenue through it in the period and, per key account, its share.

    Revenue comes from the revenue lines carrying the distributor (one aggregate grouped by
    distributor and account); an account's total is its precomputed metric for the period.
    """
    lines = scoped(
        RevenueLine.objects.filter(
            distributor__isnull=False, date__gte=period.start, date__lte=period.end
        ),
        user=user,
    )
    flows = list(
        lines.values("distributor_id", "account_id", "account__is_key")
        .annotate(revenue=Sum("amount_base"))
        .order_by()
    )
    links = list(
        scoped(DistributorLink.objects.filter(account__is_key=True), user=user).values(
            "distributor_id", "account_id", "role", "status"
        )
    )
    key_ids = {f["account_id"] for f in flows if f["account__is_key"]} | {
        link["account_id"] for link in links
    }
    accounts = {
        a["pk"]: a
        for a in Account.objects.filter(pk__in=key_ids).values(
            "pk", "name", "external_id", "owner__username"
        )
    }
    totals = dict(
        AccountMetric.objects.filter(period=period.key, account_id__in=key_ids).values_list(
            "account_id", "revenue"
        )
    )
    report: dict[int, dict[str, Any]] = {}

    def entry(distributor_id: int) -> dict[str, Any]:
        return report.setdefault(
            distributor_id, {"revenue": Decimal(0), "other_revenue": Decimal(0), "accounts": {}}
        )

    def account_row(distributor_id: int, account_id: int) -> dict[str, Any]:
        return entry(distributor_id)["accounts"].setdefault(
            account_id,
            {
                **accounts[account_id],
                "revenue": Decimal(0),
                "account_revenue": totals.get(account_id),
                "share": None,
                "link": None,
            },
        )

    for flow in flows:
        dist = entry(flow["distributor_id"])
        dist["revenue"] += flow["revenue"] or 0
        if flow["account__is_key"]:
            account_row(flow["distributor_id"], flow["account_id"])["revenue"] = flow["revenue"]
        else:
            dist["other_revenue"] += flow["revenue"] or 0
    for link in links:
        link["role_label"] = DistributorLink.Role(link["role"]).label
        link["status_label"] = DistributorLink.Status(link["status"]).label
        account_row(link["distributor_id"], link["account_id"])["link"] = link
    names = Distributor.objects.filter(pk__in=report.keys()).select_related("region")
    result = []
    for distributor in names:
        dist = report[distributor.pk]
        rows = list(dist["accounts"].values())
        for row in rows:
            total = row["account_revenue"]
            row["share"] = float(row["revenue"] / total) if total and total > 0 else None
        rows.sort(key=lambda r: (-(r["revenue"] or 0), r["name"]))
        result.append(
            {
                "distributor": distributor,
                **dist,
                "accounts": rows[:ACCOUNTS_PER_DISTRIBUTOR],
                "key_accounts": len(rows),
            }
        )
    result.sort(key=lambda d: (-d["revenue"], d["distributor"].name))
    return result
