"""The site's own cookies (the checkup token, the anonymous voter id): one way to set them.

Signed, so they cannot be edited client-side; HttpOnly and SameSite=Lax; Secure by the same rule as the
session and CSRF cookies (settings.SESSION_COOKIE_SECURE: on for HTTPS deployments, off for plain-HTTP runs).
"""

from django.conf import settings


def read_signed(request, name, *, salt):
    """The cookie's value, or None when it is missing or its signature does not match."""
    return request.get_signed_cookie(name, default=None, salt=salt)


def set_signed(response, name, value, *, salt, max_age):
    response.set_signed_cookie(
        name,
        value,
        salt=salt,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def forget(response, name):
    response.delete_cookie(name, samesite="Lax")
    return response
