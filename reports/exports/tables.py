"""The rows of each export, built from the same scoped selectors as the pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from reports.forms import AccountTableFilter, PeriodForm
from reports.metrics.periods import Period
from reports.models import AccountMetric
from reports.portfolio.accounts import account_table, account_table_extras
from reports.portfolio.dashboard import portfolio_dashboard
from reports.portfolio.pipeline import tender_pipeline, tender_scope
from reports.portfolio.scope import scoped

BATCH = 2000
Progress = Callable[[int, int], None]


class ExportError(ValueError):
    """Bad export parameters, with the message to show beside the field."""


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Callable[[], Iterator[list[Any]]]
    count: int = 0
    widths: list[int] = field(default_factory=list)


@dataclass
class Export:
    name: str
    sheets: list[Sheet]
    period: Period | None = None

    @property
    def rows(self) -> int:
        return sum(s.count for s in self.sheets)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def accounts_export(*, user: User, params: QueryDict, progress: Progress | None = None) -> Export:
    """The accounts table as filtered and sorted in the page, every page of it."""
    filterset = AccountTableFilter(params, queryset=account_table(user=user))
    if not filterset.is_valid():
        raise ExportError(filterset.errors.as_text())
    qs = filterset.qs
    count = qs.count()

    def rows() -> Iterator[list[Any]]:
        done = 0
        # Bounded batches: the page's three grouped queries run per 2 000 accounts.
        ids = list(qs.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            accounts = account_table(user=user).in_bulk(chunk)
            extras = account_table_extras(chunk)
            for pk in chunk:
                a, x = accounts[pk], extras[pk]
                yield [
                    a.external_id,
                    a.name,
                    a.owner.username if a.owner else "",
                    a.region.name if a.region else "",
                    a.get_status_display(),
                    a.tier,
                    _("yes") if a.is_key else _("no"),
                    a.ttm_revenue,
                    _pct(a.ttm_share),
                    _pct(a.ttm_growth),
                    _pct(a.ttm_penetration),
                    _local(x["last_interaction_at"]),
                    x["open_actions"],
                    x["open_tenders"],
                ]
            done += len(chunk)
            if progress:
                progress(done, count)

    headers = [
        _("External id"),
        _("Account"),
        _("Owner"),
        _("Region"),
        _("Status"),
        _("Tier"),
        _("Key"),
        _("Revenue, ttm"),
        _("Share, %"),
        _("Growth, %"),
        _("Penetration, %"),
        _("Last interaction"),
        _("Open actions"),
        _("Open tenders"),
    ]
    sheet = Sheet(_("Accounts"), headers, rows, count, [14, 36, 14, 18, 10, 5, 5, 16])
    return Export("accounts", [sheet])


def period_from_params(params: QueryDict) -> Period:
    form = PeriodForm(params)
    if not form.is_valid():
        raise ExportError("; ".join(form.errors["period"]))
    return form.cleaned_data["period"]


def portfolio_export(*, user: User, params: QueryDict, progress: Progress | None = None) -> Export:
    """Summary figures of the period, then its ranking (the accounts the user sees)."""
    period = period_from_params(params)
    dash = portfolio_dashboard(user=user, period=period)
    m = dash.metric
    summary = [
        [_("Period"), period.key],
        [_("From"), period.start],
        [_("To"), period.end],
        [_("Total revenue"), m.total_revenue if m else None],
        [_("Previous period revenue"), dash.previous_total],
        [_("Growth, %"), _pct(dash.growth)],
        [_("Accounts with revenue"), m.accounts_with_revenue if m else None],
        *[[_("Tier %(tier)s accounts") % {"tier": t}, dash.tier_counts.get(t)] for t in "ABC"],
        [_("Top-10 share, %"), _pct(m.top10_share) if m else None],
        [_("HHI"), round(m.hhi, 4) if m and m.hhi is not None else None],
        [_("Dependency risk (share ≥ 10 %)"), ", ".join(m.concentration_risk or []) if m else ""],
    ]
    ranking = scoped(AccountMetric.objects.filter(period=period.key), user=user)
    count = ranking.count()

    def ranking_rows() -> Iterator[list[Any]]:
        rows = ranking.select_related("account", "account__owner").order_by(
            "rank", "-revenue", "account__external_id"
        )
        for i, r in enumerate(rows.iterator(chunk_size=BATCH), 1):
            yield [
                r.rank,
                r.account.external_id,
                r.account.name,
                r.account.owner.username if r.account.owner else "",
                r.revenue,
                _pct(r.revenue_share),
                _pct(r.cumulative_share),
                r.tier,
                _pct(r.growth),
                _pct(r.penetration),
            ]
            if progress and i % BATCH == 0:
                progress(i, count)

    return Export(
        f"portfolio-{period.key}",
        [
            Sheet(
                _("Summary"),
                [_("Figure"), _("Value")],
                lambda: iter(summary),
                len(summary),
                [30, 40],
            ),
            Sheet(
                _("Ranking"),
                [
                    _("Rank"),
                    _("External id"),
                    _("Account"),
                    _("Owner"),
                    _("Revenue"),
                    _("Share, %"),
                    _("Cumulative share, %"),
                    _("Tier"),
                    _("Growth, %"),
                    _("Penetration, %"),
                ],
                ranking_rows,
                count,
                [6, 14, 36, 14, 16],
            ),
        ],
        period=period,
    )


def pipeline_export(*, user: User, params: QueryDict, progress: Progress | None = None) -> Export:
    """Every tender the user sees, then the totals by stage and by quarter."""
    data = tender_pipeline(user=user)
    tenders = tender_scope(user=user).select_related("account", "account__owner")
    count = tenders.count()

    def tender_rows() -> Iterator[list[Any]]:
        for t in tenders.order_by("stage", "submission_deadline", "pk").iterator(chunk_size=BATCH):
            yield [
                t.account.external_id,
                t.account.name,
                t.account.owner.username if t.account.owner else "",
                t.title,
                t.reference,
                t.get_stage_display(),
                _local(t.submission_deadline),
                t.estimated_value,
                t.our_bid,
                t.currency,
                t.decision_date,
                t.outcome_reason,
            ]

    stage_rows = [
        [s["label"], s["count"], currency, value]
        for s in data["stages"]
        for currency, value in (s["values"] or [("", None)])
    ]
    quarter_rows = [
        [q["quarter"], q["won"], q["lost"], _pct(q["win_rate"]), q["value_won"], q["value_lost"]]
        for q in data["quarters"]
    ]
    return Export(
        "tender-pipeline",
        [
            Sheet(
                _("Tenders"),
                [
                    _("External id"),
                    _("Account"),
                    _("Owner"),
                    _("Tender"),
                    _("Reference"),
                    _("Stage"),
                    _("Submission deadline"),
                    _("Estimated value"),
                    _("Our bid"),
                    _("Currency"),
                    _("Decision date"),
                    _("Outcome reason"),
                ],
                tender_rows,
                count,
                [14, 30, 14, 36],
            ),
            Sheet(
                _("By stage"),
                [_("Stage"), _("Tenders"), _("Currency"), _("Estimated value")],
                lambda: iter(stage_rows),
                len(stage_rows),
            ),
            Sheet(
                _("By quarter"),
                [
                    _("Quarter"),
                    _("Won"),
                    _("Lost"),
                    _("Win rate, %"),
                    _("Value won"),
                    _("Value lost"),
                ],
                lambda: iter(quarter_rows),
                len(quarter_rows),
            ),
        ],
    )


BUILDERS = {"accounts": accounts_export, "portfolio": portfolio_export, "pipeline": pipeline_export}
