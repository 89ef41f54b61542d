from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.auth_views import PasswordResetView

from .views import healthz, livez

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("kam.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Before Django's own: mails are rate-limited (accounts.auth_views).
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("plans.urls")),
    path("", include("reports.urls")),
]

handler404 = "kam.views.page_not_found"
handler500 = "kam.views.server_error"
