"""The checkup's events, sent for other apps to count; and the content revision bumped on knowledge-base changes.

`diagnosis` never imports the apps that listen: `outcomes` connects to these signals to keep its daily
tallies, in the same request and transaction as the event itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from guides.revision import bump_revision

from .models import Action, Cause, CauseAction, CauseGuide, Choice, Evidence, Question

# sender: the Assessment; symptom: the chosen symptom's slug (or None).
checkup_started = Signal()
# sender: the Assessment; question: the slug of the question answered for the first time in this checkup.
question_answered = Signal()
# sender: the Assessment; diagnosis: the engine's Diagnosis of its final answers.
checkup_finished = Signal()

KNOWLEDGE_BASE_MODELS = (Question, Choice, Cause, Evidence, Action, CauseAction, CauseGuide)


def _changed(sender, raw=False, **kwargs):
    if not raw:
        bump_revision()


for model in KNOWLEDGE_BASE_MODELS:
    post_save.connect(_changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")


@receiver(m2m_changed, sender=Question.asked_for.through, dispatch_uid="revision-m2m-Question.asked_for")
# guide.causes.add() writes CauseGuide rows without saving each one: the m2m signal carries that change.
@receiver(m2m_changed, sender=Cause.guides.through, dispatch_uid="revision-m2m-Cause.guides")
def _links_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        bump_revision()
