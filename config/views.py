"""Site-wide views that belong to no domain app: health check, robots.txt and the friendly error pages."""

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. Touches no session and sets no cookie."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Guides are for search engines; results, the questionnaire and the admin are not."""
    lines = [
        "User-agent: *",
        "Disallow: /r/",
        "Disallow: /checkup/",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


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
