"""The content revision: one number that moves on every change to a guide or to the knowledge base."""

from django.db import transaction
from django.db.models import F

from .models import ContentRevision


def current_revision():
    return ContentRevision.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def bump_revision():
    """Mark the content changed; every process rebuilds what it derived from it on its next request."""
    with transaction.atomic():
        updated = ContentRevision.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            ContentRevision.objects.get_or_create(pk=1, defaults={"number": 1})
