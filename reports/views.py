"""The sales head's pages: portfolio dashboard, accounts table, workload, pipeline,
distributors and exports. Thin: parse the request, call one selector or service, render.

Everyone signed in except the ERP user may open them; every figure below the portfolio
totals is limited to the accounts the user sees (a KAM gets their own accounts).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import assignable_user_list
from accounts.services import accounts_reassign, audit_record

from .exports.jobs import export_build, export_job_start, export_size, job_state, sync_max_rows
from .exports.tables import ExportError
from .forms import AccountTableFilter, PeriodForm, ReassignForm
from .portfolio.accounts import account_table, account_table_extras
from .portfolio.cache import heavy_panel
from .portfolio.dashboard import portfolio_dashboard
from .portfolio.periods import DEFAULT_PERIOD, periods_available
from .portfolio.pipeline import tender_pipeline
from .portfolio.workload import kam_workload

PAGE_SIZES = (25, 50, 100, 200)


def report_view(view):
    """Signed-in people of the company; the ERP integration user has no pages."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_integration:
            raise PermissionDenied(_("The integration user has no report pages."))
        return view(request, *args, **kwargs)

    return wrapper


def _period_context(request: HttpRequest):
    """The chosen period (default ttm), or None with the error on the form."""
    form = PeriodForm({"period": request.GET.get("period") or DEFAULT_PERIOD})
    period = form.cleaned_data["period"] if form.is_valid() else None
    return form, period, {"period_form": form, "period": period, "periods": periods_available()}


@require_GET
@report_view
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period, context = _period_context(request)
    if period is None:
        return render(request, "reports/dashboard.html", context, status=400)
    dash = portfolio_dashboard(user=request.user, period=period)
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


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


@require_http_methods(["GET", "POST"])
@report_view
def accounts(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = AccountTableFilter(request.GET, queryset=account_table(user=user))
    reassign_form = None
    status = 200
    if request.method == "POST":
        if not user.is_head_or_admin:
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
    if reassign_form is None and user.is_head_or_admin:
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
            "can_reassign": user.is_head_or_admin,
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
        for name in ("owner", "add_to_team", "remove_from_team"):
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


@require_GET
@report_view
def dashboard_panel(request: HttpRequest, panel: str) -> HttpResponse:
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


@require_GET
@report_view
def workload(request: HttpRequest) -> HttpResponse:
    rows = kam_workload(user=request.user)
    return render(request, "reports/workload.html", {"rows": rows})


@require_GET
@report_view
def pipeline(request: HttpRequest) -> HttpResponse:
    data = tender_pipeline(user=request.user)
    chart = [{"label": str(s["label"]), "count": s["count"]} for s in data["stages"]]
    return render(request, "reports/pipeline.html", {**data, "stage_data": chart})


@require_GET
@report_view
def distributors(request: HttpRequest) -> HttpResponse:
    form, period, context = _period_context(request)
    if period is None:
        return render(request, "reports/distributors.html", context, status=400)
    # Sums raw revenue lines: cached like the dashboard's heavy panels.
    context["report"] = heavy_panel(user=request.user, name="distributors", period=period)
    return render(request, "reports/distributors.html", context)


# --- exports --------------------------------------------------------------------------
@require_GET
@report_view
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Small exports download at once; large ones become a job with a progress page."""
    try:
        size = export_size(user=request.user, kind=kind, fmt=fmt, params=request.GET)
        if size <= sync_max_rows():
            file = export_build(user=request.user, kind=kind, fmt=fmt, params=request.GET)
            _audit_export(request, kind, fmt, rows=size)
            response = HttpResponse(file.content, content_type=file.content_type)
            response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
            return response
        state = export_job_start(user=request.user, kind=kind, fmt=fmt, params=request.GET)
        _audit_export(request, kind, fmt, rows=size, job=state)
    except ExportError as exc:
        return render(request, "reports/export_error.html", {"error": str(exc)}, status=400)
    return redirect("reports:export-job", job_id=state["id"])


def _audit_export(request: HttpRequest, kind: str, fmt: str, *, rows: int, job=None) -> None:
    """The audit trail keeps who exported what, in what format, filtered how, how many rows."""
    delivery = {"queued": True, "job": job["id"]} if job else {"served": True}
    details = {"kind": kind, "format": fmt, "filters": request.GET.dict(), "rows": rows}
    audit_record(user=request.user, action="export", details={**details, **delivery})


def _job_audit(state: dict) -> dict:
    return {"job": state.get("id"), "kind": state.get("kind"), "format": state.get("fmt")}


def _own_job(request: HttpRequest, job_id: str) -> dict:
    state = job_state(job_id)
    # Someone else's job is as good as missing: ids are not secrets to lean on.
    if state is None or state["user_id"] != request.user.pk:
        raise Http404(_("No such export."))
    return state


@require_GET
@report_view
def export_job(request: HttpRequest, job_id: str) -> HttpResponse:
    state = _own_job(request, job_id)
    template = "reports/_export_status.html" if request.htmx else "reports/export_job.html"
    return render(request, template, {"job": state})


@require_GET
@report_view
def export_download(request: HttpRequest, job_id: str) -> HttpResponse:
    state = _own_job(request, job_id)
    if state.get("state") != "done":
        raise Http404(_("The export is not ready."))
    audit_record(user=request.user, action="export", details={**_job_audit(state), "served": True})
    return FileResponse(
        default_storage.open(state["file"], "rb"),
        as_attachment=True,
        filename=state["filename"],
        content_type=state["content_type"],
    )
