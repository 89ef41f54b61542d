"""Distributors with the key accounts they serve and the revenue that flowed through them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from accounts.access import distributor_link_scope, scoped
from accounts.models import Distributor, DistributorLink, User
from reports.metrics.periods import Period
from reports.models import AccountMetric, RevenueLine

# The biggest key accounts of each distributor; the page says how many there are in all.
ACCOUNTS_PER_DISTRIBUTOR = 25
ACCOUNT_FIELDS = (
    "account__name",
    "account__external_id",
    "account__owner__username",
    "account__owner__first_name",
    "account__owner__last_name",
)


def _top_per_distributor(grouped: QuerySet, limit: int) -> list[dict[str, Any]]:
    """The `limit` biggest rows of each distributor from a grouped queryset.

    Django will not rank over an aggregate in the same query, so the grouped query is
    wrapped in a ROW_NUMBER() window (PostgreSQL and SQLite both have them).
    """
    sql, params = grouped.query.sql_with_params()
    ranked = (
        "SELECT * FROM (SELECT g.*, ROW_NUMBER() OVER (PARTITION BY g.distributor_id "
        f"ORDER BY g.revenue DESC, g.account_id) AS place FROM ({sql}) g) r WHERE r.place <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(ranked, (*params, limit))
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    # SQLite hands back the sum as a float-ish value: money stays Decimal.
    for row in rows:
        row["revenue"] = Decimal(str(row["revenue"])).quantize(Decimal("0.01"))
    return rows


def distributor_report(*, user: User, period: Period) -> list[dict[str, Any]]:
    """Per distributor: revenue through it in the period and its biggest key accounts.

    Revenue comes from the revenue lines carrying the distributor: one aggregate for the
    totals, one ranked aggregate for the top key accounts of each (the database ranks, so
    the page moves 25 rows per distributor whatever the portfolio). An account's share is
    against its precomputed revenue for the period.
    """
    lines = scoped(
        RevenueLine.objects.filter(
            distributor__isnull=False, date__gte=period.start, date__lte=period.end
        ),
        user=user,
    )
    key = Q(account__is_key=True)
    totals = {
        row["distributor_id"]: row
        for row in lines.values("distributor_id")
        .annotate(
            revenue=Sum("amount_base"),
            other_revenue=Sum("amount_base", filter=~key),
            key_accounts=Count("account_id", distinct=True, filter=key),
        )
        .order_by()
    }
    grouped = (
        lines.filter(key)
        .values("distributor_id", "account_id", *ACCOUNT_FIELDS)
        .annotate(revenue=Sum("amount_base"))
        .order_by()
    )
    flows = _top_per_distributor(grouped, ACCOUNTS_PER_DISTRIBUTOR)
    links = {
        (link["distributor_id"], link["account_id"]): link
        for link in distributor_link_scope(
            user=user, queryset=DistributorLink.objects.filter(account__is_key=True)
        ).values("distributor_id", "account_id", *ACCOUNT_FIELDS, "role", "status")
    }
    account_ids = {f["account_id"] for f in flows} | {a for _, a in links}
    account_revenue = dict(
        AccountMetric.objects.filter(period=period.key, account_id__in=account_ids).values_list(
            "account_id", "revenue"
        )
    )
    report: dict[int, dict[str, Any]] = {}
    for distributor_id, row in totals.items():
        report[distributor_id] = {
            "revenue": row["revenue"] or Decimal(0),
            "other_revenue": row["other_revenue"] or Decimal(0),
            "key_accounts": row["key_accounts"],
            "accounts": {},
        }

    def account_row(distributor_id: int, account_id: int, source: dict[str, Any]) -> dict:
        dist = report.setdefault(
            distributor_id,
            {"revenue": Decimal(0), "other_revenue": Decimal(0), "key_accounts": 0, "accounts": {}},
        )
        return dist["accounts"].setdefault(
            account_id,
            {
                "account_id": account_id,
                "name": source["account__name"],
                "external_id": source["account__external_id"],
                "owner": source["account__owner__username"]
                and User.name_of(
                    source["account__owner__first_name"],
                    source["account__owner__last_name"],
                    source["account__owner__username"],
                ),
                "revenue": Decimal(0),
                "account_revenue": account_revenue.get(account_id),
                "link": None,
            },
        )

    for f in flows:
        account_row(f["distributor_id"], f["account_id"], f)["revenue"] = f["revenue"]
    for (distributor_id, account_id), link in links.items():
        link["role_label"] = DistributorLink.Role(link["role"]).label
        link["status_label"] = DistributorLink.Status(link["status"]).label
        dist = report.get(distributor_id)
        # A linked key account with no revenue through the distributor still belongs here,
        # unless the list is already full of accounts with revenue.
        if (
            dist is None
            or account_id in dist["accounts"]
            or len(dist["accounts"]) < (ACCOUNTS_PER_DISTRIBUTOR)
        ):
            account_row(distributor_id, account_id, link)["link"] = link
    result = []
    for distributor in Distributor.objects.filter(pk__in=report.keys()).select_related("region"):
        dist = report[distributor.pk]
        rows = sorted(dist["accounts"].values(), key=lambda r: (-r["revenue"], r["name"]))
        for row in rows:
            total = row["account_revenue"]
            row["share"] = float(row["revenue"] / total) if total and total > 0 else None
        dist["key_accounts"] = max(dist["key_accounts"], len(rows))
        result.append({"distributor": distributor, **dist, "accounts": rows})
    result.sort(key=lambda d: (-d["revenue"], d["distributor"].name))
    return result
