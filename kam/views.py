"""Health probes and the error pages that know about the API."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kam.api.problems import problem_json_response
from kam.cache import CACHE_ERRORS

API_PREFIX = "/api/"
logger = logging.getLogger("kam.health")


# What /favicon.ico answers: the app's PNG icon (every browser takes a PNG there). Pages
# link static/favicon.svg; bots, feed readers and old browsers still ask this address.
FAVICON = settings.BASE_DIR / "static" / "icons" / "icon-192.png"


@require_GET
def favicon(request):
    """The icon at the address browsers try by themselves: a 200, never a 404 in the logs."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
@never_cache
def livez(request):
    """Liveness: the process answers HTTP. Checks nothing else, so that an outage of the
    database or Redis never gets a healthy web process restarted (docker/healthcheck.py)."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("health: the database is unreachable", exc_info=True)
        return "error"
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0
    )
    try:
        client.ping()
    except CACHE_ERRORS:
        logger.warning("health: Redis is unreachable", exc_info=True)
        return "error"
    finally:
        client.close()
    return "ok"


def _check_metrics() -> dict:
    from reports.models import MetricRun

    last = (
        MetricRun.objects.filter(status=MetricRun.Status.SUCCESS, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last is None:
        return {"last_success": None, "age_hours": None, "status": "stale"}
    age_hours = (timezone.now() - last).total_seconds() / 3600
    fresh = age_hours <= settings.HEALTH_METRICS_MAX_AGE_HOURS
    return {
        "last_success": last.isoformat(),
        "age_hours": round(age_hours, 1),
        "status": "ok" if fresh else "stale",
    }


@require_GET
@never_cache
def healthz(request):
    """Readiness and monitoring: the database, Redis (when REDIS_URL is set) and the age of
    the last successful metrics run.

    503 `error` when the database or Redis is unreachable; 200 `degraded` when the last
    successful metrics run is older than HEALTH_METRICS_MAX_AGE_HOURS (or there was none):
    pages still work, their figures are old, and a restart would not help; 200 `ok`.
    """
    checks: dict = {"database": _check_database(), "redis": _check_redis()}
    if checks["database"] == "ok":
        try:
            checks["metrics"] = _check_metrics()
        except DatabaseError:
            logger.warning("health: cannot read the metric runs", exc_info=True)
            checks["metrics"] = {"last_success": None, "age_hours": None, "status": "unknown"}
    else:
        checks["metrics"] = {"last_success": None, "age_hours": None, "status": "unknown"}
    if "error" in (checks["database"], checks["redis"]):
        status, code = "error", 503
    elif checks["metrics"]["status"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


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
