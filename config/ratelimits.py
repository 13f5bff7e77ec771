"""Limits on what visitors post: per checkup (or result, or browser), with only a high ceiling per address.

Mobile carrier NAT and campus networks put many people behind one IPv4 address. A per-address limit tight enough
to stop one flooding client stalls everyone behind that address (with 120 a minute, 20 people walking the checkup
from one address did not all finish). So the tight limit follows the thing being posted to: a checkup's token, a
result's token, a browser's voter id (CHECKUP_RATE_LIMIT a minute). The address only has a ceiling that no group of
people reaches by hand (ADDRESS_RATE_LIMIT a minute), which stops floods and mass creation of new checkups, the one
thing a client without a token can do. The address is config.proxy.client_ip, as for the login lockout.

Both counters of a POST are counted together in one call to the cache (config.cache.count_each: one round trip to
Redis). We used django-ratelimit before; it counts one limit per decorator with an add and an incr each, which made
four to six Redis round trips of every answer and was the largest part of the answer POST in `make bench`
(docs/performance.md). Windows are fixed minutes; a cache that cannot count lets every POST through (a dead Redis
must not refuse everyone).
"""

import functools
import hashlib
import time

from django.conf import settings

from .cache import count_each
from .proxy import client_ip
from .views import rate_limited

WINDOW = 60  # seconds; the limits are "a minute"


def _counter(group, value, window):
    # Hashed: a checkup's or result's token must not sit readable in the shared cache.
    digest = hashlib.sha256(f"{group}\0{value}".encode()).hexdigest()[:32]
    return f"posts:{group}:{digest}:{window}"


def over_limit(request, group, subject):
    """Count this POST against its address and, when it has one, its subject; True when either is over its limit."""
    window = int(time.time()) // WINDOW
    limits = {_counter("address", client_ip(request), window): settings.ADDRESS_RATE_LIMIT}
    if subject:
        limits[_counter(group, subject, window)] = settings.CHECKUP_RATE_LIMIT
    counts = count_each(limits, timeout=WINDOW + 1)
    return any(counts.get(key, 0) > limit for key, limit in limits.items())


def limit_posts(subject, group):
    """Decorator for a view that accepts POSTs: at most CHECKUP_RATE_LIMIT a minute per `subject(request)`, and at
    most ADDRESS_RATE_LIMIT a minute per client address across every limited view; over either, the calm 429 page.
    `subject` returns the token the POST works on, or None when there is none yet (then only the address ceiling
    applies). `group` names the counter, so the checkup's steps share one and a result's forms another.
    """

    def decorate(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST" and over_limit(request, group, subject(request)):
                return rate_limited(request)
            return view(request, *args, **kwargs)

        return limited

    return decorate


def result_token(request):
    """The result a form posts to (a vote, the follow-up, a plan tick, delete): the token in its URL."""
    return request.resolver_match.kwargs.get("token")


# Every form on one result shares one counter, whichever app's view takes the POST.
limit_result_forms = limit_posts(result_token, group="result")
