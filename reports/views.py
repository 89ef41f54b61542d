"""The sales head's pages: portfolio dashboard, accounts table, workload, pipeline,
distributors and exports. Thin: parse the request, call one selector or service, render.

Everyone who may use the pages may open them (`accounts.access.page_view`); every figure
below the portfolio totals is limited to the accounts the user sees (a KAM gets their own).
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import page_view
from accounts.models import Account
from accounts.selectors import assignable_user_list
from accounts.services import accounts_reassign, audit_record
from kam.http import AuthenticatedHttpRequest

from .exports.jobs import (
    FORMATS,
    export_job_get,
    export_job_retry,
    export_job_start,
    export_prepare,
    export_render,
    sync_max_rows,
)
from .exports.models import ExportJob
from .exports.tables import ExportError
from .forms import (
    AccountTableFilter,
    MatrixFilterForm,
    MatrixWeightsForm,
    PeriodForm,
    ReassignForm,
    StrategicFitForm,
)
from .metrics.periods import QUARTER, add_months, period_of
from .models import AccountHealth, MatrixCriterion
from .portfolio import forecast as fc
from .portfolio import matrix
from .portfolio.accounts import account_table, account_table_extras
from .portfolio.cache import heavy_panel
from .portfolio.dashboard import portfolio_dashboard
from .portfolio.forecast import forecast_periods, parse_forecast_period
from .portfolio.forecast_history import forecast_history
from .portfolio.opportunities import opportunity_pipeline
from .portfolio.periods import DEFAULT_PERIOD, first_data_month, period_names, periods_available
from .portfolio.pipeline import tender_pipeline
from .portfolio.targets import attainment_levels, this_years_attainment
from .portfolio.workload import kam_workload

PAGE_SIZES = (25, 50, 100, 200)


def _period_context(request: AuthenticatedHttpRequest):
    """The chosen period (default ttm), or None with the error on the form."""
    form = PeriodForm({"period": request.GET.get("period") or DEFAULT_PERIOD})
    periods = periods_available()
    first = first_data_month(periods)
    period = form.cleaned_data["period"].with_data_start(first) if form.is_valid() else None
    return (
        form,
        period,
        {
            "period_form": form,
            "period": period,
            "periods": periods,
            "period_names": period_names(periods, first),
        },
    )


@page_view
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, period, context = _period_context(request)
    if period is None:
        return render(request, "reports/dashboard.html", context, status=400)
    dash = portfolio_dashboard(user=request.user, period=period)
    matrix_year = matrix.matrix_default_year()
    summary = matrix.matrix_summary(user=request.user, year=matrix_year)
    by = attainment_levels(user=request.user, levels=(fc.OWNER, fc.REGION))
    context |= {
        "targets_by_kam": by[fc.OWNER],
        "targets_by_region": by[fc.REGION],
        "matrix_year": matrix_year,
        "matrix_summary": summary if any(q["accounts"] for q in summary) else None,
    }
    context |= {
        "dash": dash,
        "pareto_data": {
            "points": dash.pareto,
            "bands": [
                {"tier": b["tier"], "first": b["first"], "last": b["last"]} for b in dash.bands
            ],
        },
        "penetration_data": (
            [
                {
                    "label": str(_lazy("no potential set")) if b["label"] == "none" else b["label"],
                    "accounts": b["accounts"],
                }
                for b in dash.penetration_buckets
            ]
        ),
        "export_query": urlencode({"period": period.key}),
    }
    return render(request, "reports/dashboard.html", context)


def _page_size(request: AuthenticatedHttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


@page_view
@require_http_methods(["GET", "POST"])
def accounts(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    filterset = AccountTableFilter(
        request.GET, queryset=this_years_attainment(account_table(user=user))
    )
    reassign_form = None
    status = 200
    if request.method == "POST":
        if not access.can_assign(user):
            raise PermissionDenied(_("Only a sales head can reassign accounts."))
        reassign_form = ReassignForm(request.POST, accounts=account_table(user=user))
        if reassign_form.is_valid():
            data = reassign_form.cleaned_data
            try:
                count = accounts_reassign(
                    user=user,
                    accounts=data["accounts"],
                    owner=data["owner"],
                    add_to_team=[data["add_to_team"]] if data["add_to_team"] else [],
                    remove_from_team=[data["remove_from_team"]] if data["remove_from_team"] else [],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    reassign_form.add_error(
                        field if field in reassign_form.fields else None, errors
                    )
            else:
                messages.success(
                    request,
                    _("%(count)d account(s) reassigned.") % {"count": count},
                )
                return redirect(request.get_full_path())
        status = 400
    if not filterset.is_valid():
        status = 400
        qs = account_table(user=user).none()
    else:
        qs = filterset.qs
    paginator = Paginator(qs, _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    extras = account_table_extras(a.pk for a in rows)
    detail = _account_detail_url()
    for account in rows:
        account.extra = extras[account.pk]
        account.detail_url = detail(account.pk) if detail else ""
    can_reassign = access.can_assign(user)
    if reassign_form is None and can_reassign:
        reassign_form = ReassignForm(accounts=account_table(user=user))
    _share_user_choices(filterset.form, reassign_form)
    query = request.GET.copy()
    query.pop("page", None)
    current_sort = request.GET.get("sort") or "-revenue"
    return render(
        request,
        "reports/accounts.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "columns": _columns(query, current_sort),
            "per_page": _page_size(request),
            "page_sizes": PAGE_SIZES,
            "reassign_form": reassign_form,
            "can_reassign": can_reassign,
        },
        status=status,
    )


def _account_detail_url():
    """reverse() for the account page if the KAM pages define one (they live in accounts)."""
    try:
        reverse("accounts:detail", args=[1])
    except NoReverseMatch:
        return None
    return lambda pk: reverse("accounts:detail", args=[pk])


def _share_user_choices(*forms) -> None:
    """One query for the four user pickers of the page, not one (cursor) per select."""
    users = list(assignable_user_list())
    for form in forms:
        if form is None:
            continue
        for name in ("owner", "member", "add_to_team", "remove_from_team"):
            field = form.fields.get(name)
            if field is not None:
                label = getattr(field, "label_from_instance", str)
                # Only the widget's list: validation still goes through the queryset.
                field.widget.choices = [("", field.empty_label)] + [(u.pk, label(u)) for u in users]


SORTABLE = (
    ("name", _lazy("Account"), False),
    ("owner", _lazy("Owner"), False),
    ("region", _lazy("Region"), False),
    ("tier", _lazy("Tier"), False),
    ("", _lazy("Key"), False),
    ("revenue", _lazy("Revenue, ttm"), True),
    ("share", _lazy("Share"), True),
    ("growth", _lazy("Growth"), True),
    ("penetration", _lazy("Penetration"), True),
    ("attainment", _lazy("Target attainment"), True),
    ("last_interaction", _lazy("Last interaction"), False),
    ("", _lazy("Open actions"), True),
    ("", _lazy("Open tenders"), True),
)


def _columns(query, current_sort: str) -> list[dict]:
    """Header cells: a click sorts by the column, a second click reverses it."""
    columns = []
    for key, label, numeric in SORTABLE:
        column = {"label": label, "numeric": numeric, "href": None, "aria_sort": None}
        if key:
            # Money and ratios are most useful biggest first.
            first = f"-{key}" if numeric else key
            target = (
                (key if current_sort == f"-{key}" else f"-{key}")
                if current_sort.lstrip("-") == key
                else first
            )
            q = query.copy()
            q["sort"] = target
            column["href"] = "?" + q.urlencode()
            if current_sort.lstrip("-") == key:
                column["aria_sort"] = "descending" if current_sort.startswith("-") else "ascending"
        columns.append(column)
    return columns


@page_view
@require_GET
def dashboard_panel(request: AuthenticatedHttpRequest, panel: str) -> HttpResponse:
    """A dashboard panel loaded after the page (htmx), cached per period and metrics run
    (see reports.portfolio.cache)."""
    if panel not in ("tiers", "heatmap"):
        raise Http404(_("No such panel."))
    form, period, context = _period_context(request)
    if period is None:
        return render(request, "reports/dashboard.html", context, status=400)
    dash = heavy_panel(user=request.user, name=panel, period=period)
    partial = f"reports/_panel_{panel}.html"
    # Without JavaScript the "Open" link shows the panel as a page of its own.
    template = partial if request.htmx else "reports/panel_page.html"
    return render(request, template, {**context, "dash": dash, "panel_template": partial})


@page_view
@require_GET
def workload(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = kam_workload(user=request.user)
    return render(request, "reports/workload.html", {"rows": rows})


@page_view
@require_GET
def pipeline(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = tender_pipeline(user=request.user)
    chart = [{"label": str(s["label"]), "count": s["count"]} for s in data["stages"]]
    return render(request, "reports/pipeline.html", {**data, "stage_data": chart})


@page_view
@require_GET
def distributors(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, period, context = _period_context(request)
    if period is None:
        return render(request, "reports/distributors.html", context, status=400)
    # Sums raw revenue lines: cached like the dashboard's heavy panels.
    context["report"] = heavy_panel(user=request.user, name="distributors", period=period)
    return render(request, "reports/distributors.html", context)


# --- exports --------------------------------------------------------------------------
@page_view
@require_GET
def export(request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Small exports download at once; large ones become a job with a progress page."""
    try:
        prepared = export_prepare(user=request.user, kind=kind, fmt=fmt, params=request.GET)
        if prepared.rows <= sync_max_rows():
            file = export_render(user=request.user, export=prepared, fmt=fmt)
            _audit_export(request, kind, fmt, rows=prepared.rows)
            response = HttpResponse(file.content, content_type=file.content_type)
            response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
            return response
        job = export_job_start(user=request.user, kind=kind, fmt=fmt, params=request.GET)
        _audit_export(request, kind, fmt, rows=prepared.rows, job=job)
    except ExportError as exc:
        return render(request, "reports/export_error.html", {"error": str(exc)}, status=400)
    return redirect("reports:export-job", job_id=job.pk)


def _audit_export(
    request: AuthenticatedHttpRequest,
    kind: str,
    fmt: str,
    *,
    rows: int,
    job: ExportJob | None = None,
) -> None:
    """The audit trail keeps who exported what, in what format, filtered how, how many rows."""
    delivery = {"queued": True, "job": str(job.pk)} if job else {"served": True}
    details = {"kind": kind, "format": fmt, "filters": request.GET.dict(), "rows": rows}
    audit_record(user=request.user, action="export", details={**details, **delivery})


@page_view
@require_GET
def export_job(request: AuthenticatedHttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = export_job_get(user=request.user, job_id=job_id)
    template = "reports/_export_status.html" if request.htmx else "reports/export_job.html"
    return render(request, template, {"job": job})


@page_view
@require_POST
def export_job_again(request: AuthenticatedHttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """ "Try again" on a failed job: the same export queued as a new job."""
    job = export_job_get(user=request.user, job_id=job_id)
    # A job that is not failed (any more) has nothing to retry: its page shows where it is.
    with suppress(ExportError):
        job = export_job_retry(job=job)
    return redirect("reports:export-job", job_id=job.pk)


@page_view
@require_GET
def export_download(request: AuthenticatedHttpRequest, job_id: uuid.UUID) -> HttpResponseBase:
    job = export_job_get(user=request.user, job_id=job_id)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404(_("The export is not ready."))
    try:
        content = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file of this export is no longer kept.")) from exc
    audit_record(
        user=request.user,
        action="export",
        details={"job": str(job.pk), "kind": job.kind, "format": job.format, "served": True},
    )
    return FileResponse(
        content, as_attachment=True, filename=job.filename, content_type=FORMATS[job.format]
    )


# --- the forecast and the weighted opportunity pipeline ---------------------------------
FORECAST_ROWS = 50  # accounts shown at the account level; the API pages through them all


def _forecast_period_choices(today) -> list:
    """This year, this quarter, the next one, then the last four closed quarters."""
    periods = forecast_periods(today)
    start = periods[1].start
    closed = [period_of(QUARTER, add_months(start, -3 * i)) for i in range(1, 5)]
    return periods + closed


@page_view
@require_GET
def forecast(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The forecast of a year or a quarter against the target, by KAM / region / account,
    with how it moved week by week and, once the period closed, its accuracy by KAM."""
    today = timezone.localdate()
    choices = _forecast_period_choices(today)
    try:
        period = parse_forecast_period(request.GET.get("period", ""), as_of=today)
    except ValidationError:
        period = choices[0]
    head = access.sees_every_account(request.user)
    levels = [fc.OWNER, fc.REGION, fc.ACCOUNT] if head else [fc.ACCOUNT]
    level = request.GET.get("level", levels[0])
    if level not in levels:
        level = levels[0]
    table = fc.forecast(user=request.user, period=period, level=level, as_of=today)
    history_level = fc.COMPANY if head else fc.OWNER
    history = forecast_history(user=request.user, period=period, level=history_level)
    weeks = history["series"][0]["weeks"] if history["series"] else []
    chart = {
        "labels": [w["week"].isoformat() for w in weeks],
        "forecast": [float(w["forecast"]) for w in weeks],
        "actual": [float(w["actual"]) for w in weeks],
        "target": [float(w["target"]) if w["target"] is not None else None for w in weeks],
        "names": {
            "forecast": _("Forecast"),
            "actual": _("Actual to date"),
            "target": _("Target"),
        },
    }
    accuracy_rows = []
    if history["closed"]:
        by_kam = forecast_history(user=request.user, period=period, level=fc.OWNER)
        accuracy_rows = by_kam["accuracy"]
    return render(
        request,
        "reports/forecast.html",
        {
            "period": period,
            "choices": choices,
            "level": level,
            "levels": [(code, fc.LEVEL_LABELS[code]) for code in levels],
            "head": head,
            "company": table.total,  # the company's forecast (any level's total is)
            "result": table,
            "rows": table.rows[:FORECAST_ROWS],
            "more_rows": max(0, len(table.rows) - FORECAST_ROWS),
            "weeks": weeks,
            "chart": chart,
            "closed": history["closed"],
            "accuracy": accuracy_rows,
            "today": today,
        },
    )


@page_view
@require_GET
def opportunity_pipeline_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = opportunity_pipeline(user=request.user)
    chart = [{"label": str(s["label"]), "weighted": float(s["weighted"])} for s in data["stages"]]
    return render(request, "reports/opportunity_pipeline.html", {**data, "stage_data": chart})


# --- the portfolio matrix ---------------------------------------------------------------
MATRIX_PAGE_SIZE = 50
BAND_LABELS = dict(AccountHealth.Band.choices)
MATRIX_CHART_MAX = 300  # bubbles drawn: the biggest accounts by revenue (the table has all)


def _matrix_filter(request: AuthenticatedHttpRequest) -> tuple[MatrixFilterForm, int, str]:
    years = matrix.matrix_years()
    form = MatrixFilterForm(request.GET, years=years)
    year, quadrant = matrix.matrix_default_year(years=years), ""
    if form.is_valid():
        year = form.cleaned_data.get("year") or year
        quadrant = form.cleaned_data.get("quadrant") or ""
    return form, year, quadrant


@page_view
@require_GET
def matrix_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bubble chart (x strength, y attractiveness, size revenue, colour health) and the
    table beside it; a KAM sees their own accounts."""
    user = request.user
    form, year, quadrant = _matrix_filter(request)
    positions = matrix.matrix_positions(user=user, year=year, quadrant=quadrant or None)
    summary = matrix.matrix_summary(user=user, year=year)
    paginator = Paginator(positions, MATRIX_PAGE_SIZE)
    # The quadrant counts already hold the total: no second COUNT(*) over 10 000 rows.
    paginator.count = sum(
        q["accounts"] for q in summary if not quadrant or q["quadrant"] == quadrant
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [r.account_id for r in rows]
    previous = matrix.matrix_previous_quadrants(account_ids=ids, year=year)
    this_year = timezone.localdate().year
    fits = matrix.matrix_scores(user=user, account_ids=ids, year=this_year)
    detail = _account_detail_url()
    for r in rows:
        r.previous_quadrant = previous.get(r.account_id, "")
        r.previous_label = (
            Account.Quadrant(r.previous_quadrant).label if r.previous_quadrant else ""
        )
        r.fit = fits.get(r.account_id)
        r.health_label = BAND_LABELS.get(r.health_band, r.health_band)
        r.detail_url = detail(r.account_id) if detail else ""
    bubbles = [
        {
            "name": name,
            "x": strength,
            "y": attractiveness,
            "revenue": float(revenue or 0),
            "band": band or "none",
        }
        for name, attractiveness, strength, revenue, band in positions.values_list(
            "account__name", "attractiveness", "strength", "revenue", "health_band"
        )[:MATRIX_CHART_MAX]
    ]
    return render(
        request,
        "reports/matrix.html",
        {
            "form": form,
            "year": year,
            "quadrant": quadrant,
            "page": page,
            "rows": rows,
            "bubbles": bubbles,
            "chart_max": MATRIX_CHART_MAX,
            "summary": summary,
            "threshold": matrix.THRESHOLD,
            "scoring_year": this_year,
            "fit_choices": range(1, 6),
        },
    )


@page_view
@require_POST
def matrix_fit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The KAM sets an account's strategic fit (1–5) for this year."""
    account = access.account_scope(user=request.user).filter(pk=pk).first()
    if account is None:
        raise Http404
    form = StrategicFitForm(request.POST)
    back = request.POST.get("next") or reverse("reports:matrix")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = reverse("reports:matrix")
    if not form.is_valid():
        messages.error(request, _("A strategic fit is a score from 1 to 5."))
        return redirect(back)
    criterion = MatrixCriterion.objects.get(key="strategic_fit")
    try:
        matrix.matrix_score_set(
            user=request.user,
            account=account,
            criterion=criterion,
            year=timezone.localdate().year,
            score=form.cleaned_data["score"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Strategic fit of %(account)s set to %(score)d; "
                "the matrix moves at the next compute."
            )
            % {"account": account.name, "score": form.cleaned_data["score"]},
        )
    return redirect(back)


@page_view
@require_http_methods(["GET", "POST"])
def matrix_criteria(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Criteria and weights; heads and admins change the weights."""
    user = request.user
    criteria = list(MatrixCriterion.objects.select_related("updated_by"))
    can_change = access.can_change_matrix_criteria(user)
    form = MatrixWeightsForm(request.POST or None, criteria=criteria) if can_change else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Only a sales head or an admin can change the matrix criteria.")
            )
        if form.is_valid():
            changes = sorted(
                ((c, form.cleaned_data[f"weight_{c.key}"]) for c in criteria),
                key=lambda pair: -pair[1],  # raise weights before lowering (an axis keeps one)
            )
            try:
                with transaction.atomic():
                    for c, weight in changes:
                        if weight != c.weight:
                            matrix.matrix_criterion_update(user=user, criterion=c, weight=weight)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Weights saved; positions move at the next compute."))
                return redirect("reports:matrix-criteria")
        status = 400
    axes = [
        {
            "axis": axis,
            "criteria": [
                {
                    "c": c,
                    "label": matrix.criterion_label(c),
                    "rule": matrix.RULES.get(c.key, ""),
                    "field": form[f"weight_{c.key}"] if form else None,
                }
                for c in criteria
                if c.axis == axis.value
            ],
        }
        for axis in MatrixCriterion.Axis
    ]
    return render(
        request,
        "reports/matrix_criteria.html",
        {"axes": axes, "form": form, "can_change": can_change, "threshold": matrix.THRESHOLD},
        status=status,
    )


@page_view
@require_GET
def matrix_resources(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where our time goes (interactions, 12 months) against where the matrix says."""
    form, year, _quadrant = _matrix_filter(request)
    resources = matrix.matrix_resources(user=request.user, year=year)
    detail = _account_detail_url()
    for row in resources.over + resources.under:
        row["detail_url"] = detail(row["account_id"]) if detail else ""
        row["quadrant_label"] = Account.Quadrant(row["quadrant"]).label
    return render(
        request,
        "reports/matrix_resources.html",
        {
            "form": form,
            "year": year,
            "r": resources,
            "weights": [(q.label, w) for q, w in matrix.EFFORT_WEIGHTS.items()],
            "over_factor": matrix.OVER_FACTOR,
            "under_factor": matrix.UNDER_FACTOR,
            "over_min": matrix.OVER_MIN_INTERACTIONS,
        },
    )
