from __future__ import annotations

from django.urls import path

from . import targets_views, views, whitespace_views
from .health import views as health_views

app_name = "reports"
urlpatterns: list = [
    path("portfolio/", views.dashboard, name="dashboard"),
    path("accounts/<int:pk>/whitespace/", whitespace_views.whitespace, name="whitespace"),
    path(
        "accounts/<int:pk>/whitespace/<int:unit>/<int:category>/",
        whitespace_views.whitespace_cell,
        name="whitespace-cell",
    ),
    path(
        "accounts/<int:pk>/whitespace/<int:unit>/<int:category>/opportunity/",
        whitespace_views.whitespace_opportunity,
        name="whitespace-opportunity",
    ),
    path("portfolio/panels/<slug:panel>/", views.dashboard_panel, name="dashboard-panel"),
    path("portfolio/accounts/", views.accounts, name="accounts"),
    path("portfolio/workload/", views.workload, name="workload"),
    path("portfolio/health/", health_views.health_accounts, name="health"),
    path("portfolio/health/settings/", health_views.health_settings, name="health-settings"),
    path("portfolio/health/backtest/", health_views.health_backtest_page, name="health-backtest"),
    path("portfolio/tenders/", views.pipeline, name="pipeline"),
    path("portfolio/opportunities/", views.opportunity_pipeline_page, name="opportunity-pipeline"),
    path("forecast/", views.forecast, name="forecast"),
    path("targets/", targets_views.targets, name="targets"),
    path("targets/<int:pk>/", targets_views.target_edit, name="target"),
    path("targets/<int:pk>/approve/", targets_views.target_approve, name="target-approve"),
    path("portfolio/distributors/", views.distributors, name="distributors"),
    path("portfolio/matrix/", views.matrix_page, name="matrix"),
    path("portfolio/matrix/criteria/", views.matrix_criteria, name="matrix-criteria"),
    path("portfolio/matrix/resources/", views.matrix_resources, name="matrix-resources"),
    path("portfolio/matrix/<int:pk>/fit/", views.matrix_fit, name="matrix-fit"),
    path("portfolio/export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("portfolio/export/jobs/<uuid:job_id>/", views.export_job, name="export-job"),
    path(
        "portfolio/export/jobs/<uuid:job_id>/download",
        views.export_download,
        name="export-download",
    ),
    path(
        "portfolio/export/jobs/<uuid:job_id>/again",
        views.export_job_again,
        name="export-job-again",
    ),
]
