"""The tender pipeline: stages with value, this month's deadlines, outcomes by quarter."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower, Trim, TruncQuarter
from django.utils import timezone

from accounts import access
from accounts.models import User
from plans.models import Tender

LOSS_REASONS_LIMIT = 15
DEADLINES_LIMIT = 50


def tender_scope(*, user: User) -> QuerySet[Tender]:
    return access.tender_scope(user=user, queryset=Tender.objects.all())


def _month_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


def tender_pipeline(*, user: User) -> dict[str, Any]:
    """Stage totals, open deadlines this month, quarterly win rate and loss reasons."""
    tenders = tender_scope(user=user)
    value = Coalesce("our_bid", "estimated_value")
    by_stage = {
        (row["stage"], row["currency"]): row
        for row in tenders.values("stage", "currency")
        .annotate(n=Count("pk"), value=Sum("estimated_value"))
        .order_by()
    }
    stages = []
    for stage, label in Tender.Stage.choices:
        rows = [row for (s, _), row in sorted(by_stage.items()) if s == stage]
        stages.append(
            {
                "stage": stage,
                "label": label,
                "count": sum(r["n"] for r in rows),
                "values": [(r["currency"], r["value"] or Decimal(0)) for r in rows],
                "open": stage in Tender.OPEN_STAGES,
            }
        )
    start, end = _month_bounds(timezone.localdate())
    due_this_month = tenders.filter(
        stage__in=Tender.OPEN_STAGES,
        submission_deadline__gte=start,
        submission_deadline__lt=end,
    )
    # The nearest first; the page says how many more there are.
    deadlines = list(
        due_this_month.select_related("account", "account__owner").order_by(
            "submission_deadline", "pk"
        )[:DEADLINES_LIMIT]
    )
    deadlines_total = len(deadlines) if len(deadlines) < DEADLINES_LIMIT else due_this_month.count()
    quarters: dict[dt.date, dict[str, Any]] = defaultdict(
        lambda: {"won": 0, "lost": 0, "value_won": Decimal(0), "value_lost": Decimal(0)}
    )
    decided = (
        tenders.filter(stage__in=Tender.CLOSED_WITH_REASON)
        .annotate(quarter=TruncQuarter(Coalesce("decision_date", "updated_at__date")))
        .values("quarter")
        .annotate(
            won=Count("pk", filter=Q(stage=Tender.Stage.WON)),
            lost=Count("pk", filter=Q(stage=Tender.Stage.LOST)),
            value_won=Sum(value, filter=Q(stage=Tender.Stage.WON)),
            value_lost=Sum(value, filter=Q(stage=Tender.Stage.LOST)),
        )
        .order_by("-quarter")
    )
    for row in decided:
        quarter = row["quarter"]
        if isinstance(quarter, dt.datetime):
            quarter = quarter.date()
        q = quarters[quarter]
        q["won"] += row["won"]
        q["lost"] += row["lost"]
        q["value_won"] += row["value_won"] or 0
        q["value_lost"] += row["value_lost"] or 0
    by_quarter = []
    for quarter in sorted(quarters, reverse=True):
        q = quarters[quarter]
        decided_n = q["won"] + q["lost"]
        by_quarter.append(
            {
                "quarter": f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}",
                **q,
                "win_rate": q["won"] / decided_n if decided_n else None,
            }
        )
    reasons = list(
        tenders.filter(stage=Tender.Stage.LOST)
        .annotate(reason=Lower(Trim("outcome_reason")))
        .values("reason")
        .annotate(n=Count("pk"), value=Sum(value))
        .order_by("-n", "reason")[:LOSS_REASONS_LIMIT]
    )
    return {
        "stages": stages,
        "deadlines": deadlines,
        "deadlines_total": deadlines_total,
        "quarters": by_quarter,
        "loss_reasons": reasons,
        "month_start": start,
    }
