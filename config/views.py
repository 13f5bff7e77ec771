"""Site-wide views that belong to no domain app: health check, robots.txt and the friendly error pages."""

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
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


def rate_limited(request):
    """A POST over its rate limit (config.ratelimits): 429 with a calm "slow down" page."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


# The error pages below deliberately skip Django's default handlers' @requires_csrf_token: it runs the CSRF check,
# which reads request.POST again, and when the body was what failed (too many fields, a broken multipart body)
# that turned a 400 or 404 into a 500. None of these pages has a form.


def bad_request(request, exception):
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    """500 without touching the database or session, which may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())
