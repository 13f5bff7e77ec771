"""Admin login lockout: per account at one address, and per address across accounts.

django-axes locks one username at one address after AXES_FAILURE_LIMIT failures (an editor's typos never lock out
the same editor elsewhere, nor anyone else). That alone lets one address try four passwords for every username it
can guess, so this handler also locks the address itself once it has LOGIN_FAILURES_PER_ADDRESS failures across all
usernames within the cool-off period. Both use the same client address as the rate limits (config.proxy.client_ip).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """Failures for this account at this address; the lockout number once the address reached its own cap."""
        per_account = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if per_account >= limit:
            return per_account
        per_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        return limit if per_address >= settings.LOGIN_FAILURES_PER_ADDRESS else per_account
