"""The visitor's address, as rate limits and login lockout must see it behind a reverse proxy."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the X-Forwarded-For entry the nearest one added.

    Taking the entry counted from the right (not the leftmost) means a client cannot pick its own address by
    sending a forged X-Forwarded-For header.
    """
    if settings.BEHIND_TLS_PROXY and settings.PROXY_COUNT:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= settings.PROXY_COUNT:
            return hops[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")
