"""A finished checkup's result, read back by its token: what the result page and its feedback forms share."""

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from . import engine
from .knowledge import get_knowledge_base
from .models import Assessment


@dataclass(frozen=True)
class Result:
    assessment: Assessment
    kb: engine.KnowledgeBase
    answers: dict  # the saved answers today's knowledge base still knows
    diagnosis: engine.Diagnosis


def finished_or_404(token):
    """The finished, unexpired assessment behind a result link, or a friendly 404."""
    assessment = Assessment.objects.current().filter(finished_at__isnull=False).by_token(token)
    if assessment is None:
        raise Http404(_("这个结果不存在，可能已经删除或过期。"))
    return assessment


def result_for(token):
    """The result behind a link, diagnosed again: content may have changed since the answers were saved."""
    assessment = finished_or_404(token)
    kb = get_knowledge_base()
    answers = engine.known_answers(assessment.answers, kb)
    return Result(assessment, kb, answers, engine.diagnose(answers, kb))


@transaction.atomic
def mark_done(assessment, *, plan, done, item=None):
    """Keep which action-plan items the person ticked; returns them as a set.

    `plan` is the result's plan (action slugs, in order). Without `item`, `done` is the whole plan's ticks (the
    form sent without JavaScript); with `item`, only that item changes, ticked when it is in `done` (one checkbox
    sent by htmx). The row is locked, so two quick taps never lose each other's tick. `updated_at` moves with
    every change: it is the result's own state stamp, which a page cache keys on.
    """
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    ticked = set(locked.plan_done)
    if item is None:
        ticked = set(done)
    elif item in done:
        ticked.add(item)
    else:
        ticked.discard(item)
    locked.plan_done = [slug for slug in plan if slug in ticked]
    locked.save(update_fields=["plan_done", "updated_at"])
    assessment.plan_done, assessment.updated_at = locked.plan_done, locked.updated_at
    return set(locked.plan_done)
