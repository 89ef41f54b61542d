from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.access import page_view
from accounts.auth_views import PasswordResetView
from accounts.forms import SignInForm

from .search import search
from .views import favicon, healthz, livez

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("kam.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the CSP: the split view loads its start-up script from a URL (no
    # inline script), templates/drf_spectacular/ drops the inline style, and its stylesheet's
    # icons are data: images, allowed on this page only.
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Pages of a signed-in person: through accounts.access like every page (the rest of
    # django.contrib.auth.urls is for visitors who are not signed in).
    path(
        "password_change/",
        page_view(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password_change/done/",
        page_view(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    # Before Django's own: mails are rate-limited (accounts.auth_views).
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
    path("search/", search, name="search"),
    path("", include("accounts.urls")),
    path("", include("plans.urls")),
    path("", include("reports.urls")),
    path("", include("reports.alerts.urls")),
]

handler404 = "kam.views.page_not_found"
handler500 = "kam.views.server_error"
