"""The head's health pages: settings (weights, thresholds), the backtest, and the list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.access import page_view
from kam.http import AuthenticatedHttpRequest
from reports.models import AccountHealth, HealthSettings

from .backtest import CANNOT_SEE, FALL, HORIZON_MONTHS, health_backtest_stored
from .definitions import COMPONENTS, DEFAULT_WEIGHTS, KEYS
from .selectors import health_list
from .services import health_settings_update


class HealthSettingsForm(forms.Form):
    healthy_from = forms.DecimalField(
        label=gettext_lazy("Healthy from"), min_value=0, max_value=100, decimal_places=1
    )
    watch_from = forms.DecimalField(
        label=gettext_lazy("Watch from (below: at risk)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label, default in COMPONENTS:
            self.fields[f"w_{key}"] = forms.IntegerField(
                label=str(label),
                min_value=0,
                max_value=100,
                help_text=gettext_lazy("default %(n)d") % {"n": default},
            )

    def weight_fields(self):
        return [self[f"w_{key}"] for key in KEYS]


@page_view(allow=access.can_change_health_settings)
@require_http_methods(["GET", "POST"])
def health_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    hs = HealthSettings.load()
    initial = {f"w_{k}": hs.weight_of(k) for k in KEYS} | {
        "healthy_from": hs.healthy_from,
        "watch_from": hs.watch_from,
    }
    form = HealthSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            health_settings_update(
                user=request.user,
                weights={k: data[f"w_{k}"] for k in KEYS},
                healthy_from=data["healthy_from"],
                watch_from=data["watch_from"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                for e in errors:
                    form.add_error(target, e)
        else:
            messages.success(request, _("Saved. The next computation uses the new settings."))
            return redirect("reports:health-settings")
    return render(
        request,
        "reports/health_settings.html",
        {"form": form, "settings": hs, "defaults": DEFAULT_WEIGHTS},
        status=400 if form.errors else 200,
    )


@page_view(allow=access.can_read_health_backtest)
@require_GET
def health_backtest_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    stored = health_backtest_stored()
    result = stored.result
    chart = [
        {"label": str(r["label"]), "rate": round(100 * r["rate"], 1) if r["rate"] else 0}
        for r in result.band_rows()
    ]
    return render(
        request,
        "reports/health_backtest.html",
        {
            "result": result,
            "computed_at": stored.computed_at,
            "cannot_see": CANNOT_SEE,
            "fall_pct": int(FALL * 100),
            "horizon": HORIZON_MONTHS,
            "band_chart": chart,
        },
    )


@page_view
@require_GET
def health_accounts(request: AuthenticatedHttpRequest) -> HttpResponse:
    band = request.GET.get("band") or ""
    if band not in AccountHealth.Band.values:
        band = ""
    rows = health_list(user=request.user, filters={"band": band} if band else None)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/health_list.html",
        {"page": page, "band": band, "bands": AccountHealth.Band.choices},
    )
