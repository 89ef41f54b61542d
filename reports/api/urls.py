from __future__ import annotations

from django.urls import path

from reports.api import forecast, health, matrix, metrics, whitespace
from reports.erp.api import erp_urlpatterns, register_erp

urlpatterns: list = [
    path("metrics/accounts/", metrics.AccountMetricList.as_view(), name="metrics-accounts"),
    path("metrics/portfolio/", metrics.PortfolioMetricView.as_view(), name="metrics-portfolio"),
    path("metrics/runs/", metrics.MetricRunList.as_view(), name="metrics-runs"),
    path("metrics/runs/<int:pk>/", metrics.MetricRunDetail.as_view(), name="metrics-run-detail"),
    path(
        "accounts/<int:pk>/metrics/",
        metrics.AccountMetricHistory.as_view(),
        name="account-metrics",
    ),
    path(
        "accounts/<int:pk>/whitespace/",
        metrics.AccountWhitespaceView.as_view(),
        name="account-whitespace",
    ),
    path(
        "accounts/<int:pk>/whitespace-matrix/",
        whitespace.AccountWhitespaceMatrixView.as_view(),
        name="account-whitespace-matrix",
    ),
    path(
        "accounts/<int:pk>/whitespace-cells/<int:category>/",
        whitespace.WhitespaceCellView.as_view(),
        name="account-whitespace-cell",
    ),
    path("forecast/", forecast.ForecastView.as_view(), name="forecast"),
    path("forecast/history/", forecast.ForecastHistoryView.as_view(), name="forecast-history"),
    path("accounts/<int:pk>/health/", health.AccountHealthView.as_view(), name="account-health"),
    path("health/", health.HealthList.as_view(), name="health-list"),
    path("health/settings/", health.HealthSettingsView.as_view(), name="health-settings"),
    *erp_urlpatterns,
]


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    register_erp(router)
    # The criteria first: their paths sit under the matrix's (whose ids are digits only).
    router.register(
        "portfolio-matrix/criteria",
        matrix.MatrixCriterionViewSet,
        basename="portfolio-matrix-criterion",
    )
    router.register("portfolio-matrix", matrix.PortfolioMatrixViewSet, basename="portfolio-matrix")
