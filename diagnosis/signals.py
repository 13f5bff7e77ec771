"""Any change to the knowledge base or to a guide bumps the content revision (see ContentRevision)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from guides.models import Guide

from .knowledge import bump_revision
from .models import Action, Cause, CauseAction, Choice, Evidence, Question

CONTENT_MODELS = (Question, Choice, Cause, Evidence, Action, CauseAction, Guide)


def _changed(sender, raw=False, **kwargs):
    if not raw:
        bump_revision()


for model in CONTENT_MODELS:
    post_save.connect(_changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")


@receiver(m2m_changed, dispatch_uid="revision-m2m")
def _m2m_changed(sender, action, **kwargs):
    if sender in (Question.asked_for.through, Cause.guides.through, Guide.related.through) and action.startswith(
        "post_"
    ):
        bump_revision()
