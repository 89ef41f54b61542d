from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from kam.api.problems import problem_json_response

API_PREFIX = "/api/"


@require_GET
def healthz(request):
    """Liveness + database reachability, for the load balancer and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# An API client gets JSON even where no view answered (an unknown URL, a crash), in the
# shape of every API error (RFC 9457 problem details); people get the HTML pages.
def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return problem_json_response(404, request=request, detail=_("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return problem_json_response(500, request=request, detail=_("A server error occurred."))
    return defaults.server_error(request)
