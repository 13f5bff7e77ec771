"""Refuse what the site never accepts before any view sees it."""

from django.conf import settings
from django.shortcuts import render

ALLOWED_METHODS = {"GET", "HEAD", "POST"}


class RequestGuardMiddleware:
    """Only GET, HEAD and POST (405 otherwise), and no body over DATA_UPLOAD_MAX_MEMORY_SIZE (413).

    Django checks the body size only when a view reads request.POST, so a view that acts without
    reading its form (a delete confirmation) would otherwise accept any body; this makes the rule global.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            response = render(request, "405.html", status=405)
            response["Allow"] = ", ".join(sorted(ALLOWED_METHODS))
            return response
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return render(request, "413.html", status=413)
        return self.get_response(request)
