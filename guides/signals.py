"""A guide (or its references, review history or the search synonyms) saved, deleted or re-linked bumps the
content revision (see ContentRevision): pages, lists and searches derived from them are rebuilt."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Guide, GuideReview, Reference, SearchSynonym
from .revision import bump_revision


@receiver(post_save, sender=Guide, dispatch_uid="revision-save-Guide")
@receiver(post_delete, sender=Guide, dispatch_uid="revision-delete-Guide")
@receiver(post_save, sender=Reference, dispatch_uid="revision-save-Reference")
@receiver(post_delete, sender=Reference, dispatch_uid="revision-delete-Reference")
@receiver(post_save, sender=GuideReview, dispatch_uid="revision-save-GuideReview")
@receiver(post_delete, sender=GuideReview, dispatch_uid="revision-delete-GuideReview")
@receiver(post_save, sender=SearchSynonym, dispatch_uid="revision-save-SearchSynonym")
@receiver(post_delete, sender=SearchSynonym, dispatch_uid="revision-delete-SearchSynonym")
def _guide_changed(sender, raw=False, **kwargs):
    if not raw:
        bump_revision()


@receiver(m2m_changed, sender=Guide.related.through, dispatch_uid="revision-m2m-Guide.related")
def _related_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        bump_revision()
