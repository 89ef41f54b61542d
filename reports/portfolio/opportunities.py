"""The head's weighted opportunity pipeline: open opportunities by stage, KAM and month of
expected close, in the base currency (value × probability: its own, else its stage's)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts import access
from accounts.models import User
from plans import probabilities
from plans.models import Opportunity

from .forecast import money, percent_case, to_base_currency

MONTHS_AHEAD = 12


def _weighted_sum(table: dict[str, dict[str, int]]) -> Sum:
    return Sum(
        F("value") * Coalesce("probability", percent_case(table[probabilities.OPPORTUNITY])),
        output_field=DecimalField(max_digits=24, decimal_places=2),
    )


def _grouped(qs, key, table, as_of: dt.date) -> tuple[dict[Any, dict[str, Any]], int]:
    rows = (
        qs.annotate(k=key)
        .values("k", "currency")
        .annotate(n=Count("pk"), worth=Sum("value"), weighted=_weighted_sum(table))
        .order_by()
    )
    counts: dict[Any, int] = defaultdict(int)
    values: dict[tuple[Any, str], Decimal] = {}
    weighted: dict[tuple[Any, str], Decimal] = {}
    for row in rows:
        counts[row["k"]] += row["n"]
        values[(row["k"], row["currency"])] = row["worth"] or Decimal(0)
        weighted[(row["k"], row["currency"])] = Decimal(row["weighted"] or 0) / 100
    value_base, dropped = to_base_currency(values, as_of=as_of)
    weighted_base, _dropped = to_base_currency(weighted, as_of=as_of)
    return (
        {
            k: {
                "count": n,
                "value": money(value_base.get(k, Decimal(0))),
                "weighted": money(weighted_base.get(k, Decimal(0))),
            }
            for k, n in counts.items()
        },
        dropped,
    )


def opportunity_pipeline(*, user: User, as_of: dt.date | None = None) -> dict[str, Any]:
    """Open opportunities the user sees, weighted, by stage, by KAM (the opportunity's
    owner) and by month of expected close (overdue and undated apart)."""
    as_of = as_of or timezone.localdate()
    table = probabilities.stage_probabilities()
    open_ = access.opportunity_scope(user=user, queryset=Opportunity.objects.all()).filter(
        stage__in=Opportunity.OPEN_STAGES
    )
    by_stage, dropped = _grouped(open_, F("stage"), table, as_of)
    stages = [
        {
            "stage": stage,
            "label": label,
            "percent": table[probabilities.OPPORTUNITY][stage],
            **by_stage.get(stage, {"count": 0, "value": Decimal(0), "weighted": Decimal(0)}),
        }
        for stage, label in Opportunity.Stage.choices
        if stage in Opportunity.OPEN_STAGES
    ]
    by_owner, _ = _grouped(open_, F("owner_id"), table, as_of)
    people = {
        u.pk: u.get_full_name() or u.username
        for u in User.objects.filter(pk__in=[k for k in by_owner if k is not None])
    }
    owners = sorted(
        ({"owner": people.get(k, "—") if k else "—", **v} for k, v in by_owner.items()),
        key=lambda r: (-r["weighted"], r["owner"]),
    )
    by_month, _ = _grouped(
        open_.filter(expected_close__isnull=False), TruncMonth("expected_close"), table, as_of
    )
    this_month = as_of.replace(day=1)
    months, overdue, later = [], None, None
    for month in sorted(by_month):
        month_day = month.date() if isinstance(month, dt.datetime) else month
        entry = {"month": month_day, **by_month[month]}
        if month_day < this_month:
            overdue = _add(overdue, entry)
        elif (month_day.year - this_month.year) * 12 + month_day.month - this_month.month >= (
            MONTHS_AHEAD
        ):
            later = _add(later, entry)
        else:
            months.append(entry)
    total_weighted = sum((s["weighted"] for s in stages), Decimal(0))
    return {
        "stages": stages,
        "owners": owners,
        "months": months,
        "overdue": overdue,
        "later": later,
        "total_value": sum((s["value"] for s in stages), Decimal(0)),
        "total_weighted": total_weighted,
        "total_count": sum(s["count"] for s in stages),
        "unconverted": dropped,
        "as_of": as_of,
    }


def _add(acc: dict | None, entry: dict) -> dict:
    if acc is None:
        return {k: entry[k] for k in ("count", "value", "weighted")}
    return {k: acc[k] + entry[k] for k in ("count", "value", "weighted")}
