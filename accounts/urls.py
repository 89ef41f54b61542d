from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/<int:pk>/panels/<slug:name>/", views.account_panel, name="panel"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="edit"),
    path("accounts/<int:pk>/log/", views.interaction_log, name="log"),
    path("accounts/<int:pk>/relationships/", views.relationship_map, name="relationship-map"),
    path("log/", views.interaction_pick, name="log-pick"),
    path("interactions/<int:pk>/undo/", views.interaction_undo, name="interaction-undo"),
    path("interactions/<int:pk>/next-step/", views.next_step_state, name="next-step"),
    path("accounts/<int:pk>/contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/links/", views.contact_link_add, name="contact-link-add"),
    path("contact-links/<int:pk>/remove/", views.contact_link_remove, name="contact-link-remove"),
    path("accounts/<int:pk>/surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey-edit"),
    path("surveys/<int:pk>/delete/", views.survey_delete, name="survey-delete"),
    path(
        "accounts/<int:pk>/distributors/new/",
        views.distributor_link_create,
        name="distributor-link-create",
    ),
    path(
        "distributor-links/<int:pk>/edit/",
        views.distributor_link_edit,
        name="distributor-link-edit",
    ),
    path(
        "distributor-links/<int:pk>/delete/",
        views.distributor_link_delete,
        name="distributor-link-delete",
    ),
    path("events/", views.event_index, name="events"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path("events/<int:pk>/attendance/", views.event_attendance, name="event-attendance"),
    path("deleted/", views.recently_deleted, name="recently-deleted"),
    path("deleted/<slug:kind>/<int:pk>/restore/", views.record_restore, name="restore"),
]
