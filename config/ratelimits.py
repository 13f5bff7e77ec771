"""Limits on what visitors post: per checkup (or result, or browser), with only a high ceiling per address.

Mobile carrier NAT and campus networks put many people behind one IPv4 address. A per-address limit tight enough
to stop one flooding client stalls everyone behind that address (with 120 a minute, 20 people walking the checkup
from one address did not all finish). So the tight limit follows the thing being posted to: a checkup's token, a
result's token, a browser's voter id (CHECKUP_RATE_LIMIT a minute). The address only has a ceiling that no group of
people reaches by hand (ADDRESS_RATE_LIMIT a minute), which stops floods and mass creation of new checkups, the one
thing a client without a token can do. The address is config.proxy.client_ip, as for the login lockout.

Counted by django-ratelimit in the default cache (shared through REDIS_URL); with the cache down they fail open.
"""

from django.conf import settings
from django_ratelimit.decorators import ratelimit


def address_rate(group, request):
    return f"{settings.ADDRESS_RATE_LIMIT}/m"


def limit_posts(subject, group):
    """Decorator for a view that accepts POSTs: at most CHECKUP_RATE_LIMIT a minute per `subject(request)`, and at
    most ADDRESS_RATE_LIMIT a minute per client address across every limited view. `subject` returns the token the
    POST works on, or None when there is none yet (then only the address ceiling applies). `group` names the
    counter, so the checkup's steps share one and a result's forms another.
    """

    def subject_rate(_group, request):
        return f"{settings.CHECKUP_RATE_LIMIT}/m" if subject(request) else None

    def subject_key(_group, request):
        return subject(request)

    per_subject = ratelimit(group=group, key=subject_key, rate=subject_rate, method="POST", block=True)
    per_address = ratelimit(group="address", key="ip", rate=address_rate, method="POST", block=True)

    def decorate(view):
        return per_address(per_subject(view))

    return decorate


def result_token(request):
    """The result a form posts to (a vote, the follow-up, a plan tick, delete): the token in its URL."""
    return request.resolver_match.kwargs.get("token")


# Every form on one result shares one counter, whichever app's view takes the POST.
limit_result_forms = limit_posts(result_token, group="result")
