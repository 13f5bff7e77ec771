"""A guide saved, deleted or re-linked bumps the content revision (see ContentRevision)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Guide
from .revision import bump_revision


@receiver(post_save, sender=Guide, dispatch_uid="revision-save-Guide")
@receiver(post_delete, sender=Guide, dispatch_uid="revision-delete-Guide")
def _guide_changed(sender, raw=False, **kwargs):
    if not raw:
        bump_revision()


@receiver(m2m_changed, sender=Guide.related.through, dispatch_uid="revision-m2m-Guide.related")
def _related_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        bump_revision()
