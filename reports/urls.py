from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"
urlpatterns: list = [
    path("portfolio/", views.dashboard, name="dashboard"),
    path("portfolio/panels/<slug:panel>/", views.dashboard_panel, name="dashboard-panel"),
    path("portfolio/accounts/", views.accounts, name="accounts"),
    path("portfolio/workload/", views.workload, name="workload"),
    path("portfolio/tenders/", views.pipeline, name="pipeline"),
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
