"""Site-wide views that belong to no domain app: health check and the friendly error pages."""

from django.db import DatabaseError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from .cache import cache_status


@never_cache
@require_GET
def healthz(request):
    """{"database": "ok"|"down", "cache": "ok"|"down"}; 503 only when the database is down.

    A dead cache is reported but stays 200: the site degrades without it (config.cache), so a load balancer must
    not take every instance out of service for it. Touches no session and sets no cookie.
    """
    status = {"database": "ok", "cache": cache_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        status["database"] = "down"
    return JsonResponse(status, status=503 if status["database"] == "down" else 200)


def csrf_failure(request, reason=""):
    """A missing or stale form token: explain in plain words (usually the page sat open too long)."""
    return render(request, "403_csrf.html", status=403)


def rate_limited(request, exception):
    """django-ratelimit's view for a blocked request: 429 with a calm "slow down" page."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


@requires_csrf_token
def server_error(request):
    """500 without touching the database or session, which may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())
