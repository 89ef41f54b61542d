from __future__ import annotations

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns: list = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notifications_read_all, name="read-all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("alerts/settings/", views.alert_settings, name="settings"),
    path("digests/unsubscribe/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
]
