"""The visitor's address, as rate limits and the admin login lockout must both see it behind a reverse proxy.

One function for both (config.ratelimits calls it and AXES_CLIENT_IP_CALLABLE names it), so a visitor is the same
"address" to every limit. Written here rather than taken from python-ipware: the rule is four lines and must match
our proxy set-up exactly (docs/deployment.md).
"""

import ipaddress

from django.conf import settings


def _address(value):
    """The IP address in one X-Forwarded-For entry ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443"), or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request):
    """REMOTE_ADDR; behind PROXY_COUNT trusted proxies (BEHIND_TLS_PROXY), the X-Forwarded-For entry they added.

    Each trusted proxy appends the address it saw, so the client's own address is the PROXY_COUNT-th entry from
    the right. Entries further left were sent by the client and are never read, so a forged header cannot pick
    the address. Without the proxy the header is the client's invention and is ignored. A missing or malformed
    entry falls back to REMOTE_ADDR (the proxy itself): one shared address is safer than a forged one.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    if not (settings.BEHIND_TLS_PROXY and settings.PROXY_COUNT):
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < settings.PROXY_COUNT:
        return peer
    return _address(hops[-settings.PROXY_COUNT]) or peer
