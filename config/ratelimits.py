"""Rate limits shared by every app's form posts, counted per client address (config.proxy.client_ip)."""

from django.conf import settings
from django_ratelimit.decorators import ratelimit


def checkup_rate(group, request):
    """Form submissions allowed per client per minute (settings.CHECKUP_RATE_LIMIT)."""
    return f"{settings.CHECKUP_RATE_LIMIT}/m"


# Answers, votes, follow-ups, guide feedback and deleting a result: a blocked POST gets the friendly 429 page.
limit_posts = ratelimit(key="ip", rate=checkup_rate, method="POST", block=True)
