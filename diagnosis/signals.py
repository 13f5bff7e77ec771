"""The checkup's events, sent for other apps to count; the content revision bumped on knowledge-base changes; and
`load_content`'s memory of a loaded search synonym an editor deleted.

`diagnosis` never imports the apps that listen: `outcomes` connects to these signals to keep its daily
tallies, in the same request and transaction as the event itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from guides.models import SearchSynonym
from guides.revision import bump_revision
from guides.synonyms import synonym_key

from .models import Action, Cause, CauseAction, CauseGuide, Choice, Evidence, LoadedContent, Question

# sender: the Assessment; symptom: the chosen symptom's slug (or None).
checkup_started = Signal()
# sender: the Assessment; question: the slug of the screen answered for the first time in this checkup (a single
# question's slug, or a grouped screen's, counted once for all its questions).
question_answered = Signal()
# sender: the Assessment; screen: the slug of a screen the checkup now asks (a question's, or a grouped screen's),
# sent when the answer that leads there was new (a first answer, a change, or "answer more"): with
# `question_answered` (which counts a screen by the same slug) the dashboard sees where people leave, whatever
# their path.
screen_reached = Signal()
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


@receiver(post_delete, sender=SearchSynonym, dispatch_uid="loaded-content-delete-SearchSynonym")
def _remember_deleted_synonym(sender, instance, **kwargs):
    """A synonym keeps what `load_content` loaded on its own row; when it goes, LoadedContent keeps it instead.

    The other content items have a LoadedContent row all along, so `load_content` tells a deleted one by its row
    outliving it; a synonym needs the row written now.
    """
    if instance.loaded_digest:
        LoadedContent.objects.update_or_create(
            key=synonym_key(instance.phrase), defaults={"digest": instance.loaded_digest}
        )
