"""The rows of each export, built from the same scoped selectors as the pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import scoped
from accounts.models import User
from accounts.templatetags.kam_ui import PCT_DIGITS
from reports.forms import AccountTableFilter, PeriodForm
from reports.metrics.periods import Period
from reports.models import AccountMetric
from reports.portfolio.accounts import account_table, account_table_extras
from reports.portfolio.dashboard import Dashboard, portfolio_dashboard
from reports.portfolio.distributors import distributor_report
from reports.portfolio.periods import first_data_month
from reports.portfolio.pipeline import tender_pipeline, tender_scope

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


@dataclass(frozen=True)
class Ratio:
    """A 0–1 ratio that a page shows as a percentage with `digits` decimals: the XLSX
    writer stores the ratio with a percent format, the CSV writer the page's figure."""

    value: float
    digits: int = PCT_DIGITS


def _pct(value: float | None, digits: int = PCT_DIGITS) -> Ratio | None:
    return None if value is None else Ratio(float(value), digits)


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
                    _pct(a.ttm_share, 2),  # the accounts table shows it with 2 decimals
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
        raise ExportError("; ".join(map(str, form.errors["period"])))
    return form.cleaned_data["period"].with_data_start(first_data_month())


def dependency_risk(dash: Dashboard) -> str:
    """The names of the accounts with a share of 10 % or more, where the user sees them.

    The dashboard's scoped list (`dash.risks`), never the stored company-wide list of
    external ids: a KAM learns how many other accounts carry that risk, not which.
    """
    text = ", ".join(r["account__name"] for r in dash.risks)
    if dash.hidden_risks:
        more = ngettext(
            "and %(n)s account of other KAMs",
            "and %(n)s accounts of other KAMs",
            dash.hidden_risks,
        ) % {"n": dash.hidden_risks}
        text = f"{text} {more}" if text else more
    return text


def portfolio_export(*, user: User, params: QueryDict, progress: Progress | None = None) -> Export:
    """Summary figures of the period, then its ranking (the accounts the user sees)."""
    period = period_from_params(params)
    dash = portfolio_dashboard(user=user, period=period)
    m = dash.metric
    summary: list[list[Any]] = [
        [_("Period"), period.title_shown],
        [_("From"), period.start],
        [_("To"), period.end],
        [_("Total revenue"), m.total_revenue if m else None],
        [_("Previous period revenue"), dash.previous_total],
        [_("Growth, %"), _pct(dash.growth)],
        [_("Accounts with revenue"), m.accounts_with_revenue if m else None],
        *[[_("Tier %(tier)s accounts") % {"tier": t}, dash.tier_counts.get(t)] for t in "ABC"],
        [_("Top-10 share, %"), _pct(m.top10_share) if m else None],
        [_("HHI"), round(m.hhi, 4) if m and m.hhi is not None else None],
        [_("Dependency risk (share ≥ 10 %)"), dependency_risk(dash)],
    ]
    ranking = scoped(AccountMetric.objects.filter(period=period.key), user=user)
    count = ranking.count()

    def ranking_rows() -> Iterator[list[Any]]:
        # Unranked accounts (no revenue) last on every database (SQLite sorts NULL first).
        rows = ranking.select_related("account", "account__owner").order_by(
            F("rank").asc(nulls_last=True), "-revenue", "account__external_id"
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
        ordered = tenders.order_by("stage", "submission_deadline", "pk")
        for i, t in enumerate(ordered.iterator(chunk_size=BATCH), 1):
            if progress and i % BATCH == 0:
                progress(i, count)
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


def distributors_export(
    *, user: User, params: QueryDict, progress: Progress | None = None
) -> Export:
    """The distributors page: each distributor's revenue, then the key accounts it serves."""
    period = period_from_params(params)
    report = distributor_report(user=user, period=period)
    summary = [
        [
            d["distributor"].external_id,
            d["distributor"].name,
            d["distributor"].region.name if d["distributor"].region else "",
            d["revenue"],
            d["other_revenue"],
            d["key_accounts"],
        ]
        for d in report
    ]
    accounts = [
        [
            d["distributor"].external_id,
            d["distributor"].name,
            a["external_id"],
            a["name"],
            a["owner"] or "",
            a["link"]["role_label"] if a["link"] else "",
            a["link"]["status_label"] if a["link"] else "",
            a["revenue"],
            a["account_revenue"],
            _pct(a["share"]),
        ]
        for d in report
        for a in d["accounts"]
    ]
    return Export(
        f"distributors-{period.key}",
        [
            Sheet(
                _("Distributors"),
                [
                    _("Distributor id"),
                    _("Distributor"),
                    _("Region"),
                    _("Revenue through it"),
                    _("of which other accounts"),
                    _("Key accounts"),
                ],
                lambda: iter(summary),
                len(summary),
                [14, 36, 18, 18, 18, 10],
            ),
            Sheet(
                _("Key accounts"),
                [
                    _("Distributor id"),
                    _("Distributor"),
                    _("External id"),
                    _("Account"),
                    _("Owner"),
                    _("Link"),
                    _("Link status"),
                    _("Revenue through distributor"),
                    _("Account revenue"),
                    _("Share, %"),
                ],
                lambda: iter(accounts),
                len(accounts),
                [14, 30, 14, 36, 14, 14, 12, 18, 18, 10],
            ),
        ],
        period=period,
    )


BUILDERS: dict[str, Callable[..., Export]] = {
    "accounts": accounts_export,
    "portfolio": portfolio_export,
    "pipeline": pipeline_export,
    "distributors": distributors_export,
}
