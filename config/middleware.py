"""Refuse what the site never accepts before any view sees it, and add the headers Django has no setting for."""

import codecs

from django.conf import settings
from django.shortcuts import render

ALLOWED_METHODS = {"GET", "HEAD", "POST"}
# Features no page here uses; a page (or anything injected into one) cannot ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "usb",
        "xr-spatial-tracking", "browsing-topics",
    )
)  # fmt: skip


def is_utf8(charset):
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


class RequestGuardMiddleware:
    """Only GET, HEAD and POST (405 otherwise), no body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), forms in UTF-8 (400).

    Django checks the body size only when a view reads request.POST, so a view that acts without
    reading its form (a delete confirmation) would otherwise accept any body; this makes the rule global.

    Every form here is UTF-8 (the pages are). Django refuses a form body declared in another charset with a
    BadRequest raised from request.POST, and its CSRF check reads request.POST again while rendering the error
    page, which turned that 400 into a 500. Refusing such a body here, before anything reads it, gives the
    friendly 400 on every POST endpoint.
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
        charset = request.content_params.get("charset")
        if request.method == "POST" and charset is not None and not is_utf8(charset):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response: camera, microphone, location, payment… all off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
