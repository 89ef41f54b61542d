from __future__ import annotations

from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("accounts/<int:account_pk>/plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/objectives/", views.objective_add, name="objective-add"),
    path("plans/<int:pk>/actions/", views.action_add, name="action-add"),
    path("actions/<int:pk>/done/", views.action_toggle, name="action-toggle"),
    path("tenders/", views.tenders, name="tenders"),
    path("tenders/new/", views.tender_create, name="tender-create"),
    path("tenders/<int:pk>/", views.tender_detail, name="tender"),
    path("tenders/<int:pk>/stage/", views.tender_stage, name="tender-stage"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/new/", views.opportunity_create, name="opportunity-create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/stage/", views.opportunity_stage, name="opportunity-stage"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract-delete"),
    path(
        "contracts/<int:pk>/documents/",
        views.contract_document_upload,
        name="contract-document-upload",
    ),
    path(
        "contracts/<int:pk>/documents/<int:doc_id>/",
        views.contract_document_download,
        name="contract-document",
    ),
    path(
        "contracts/<int:pk>/documents/<int:doc_id>/delete/",
        views.contract_document_delete,
        name="contract-document-delete",
    ),
    path(
        "settings/stage-probabilities/",
        views.stage_probabilities,
        name="stage-probabilities",
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<int:user_id>/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
