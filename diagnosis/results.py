"""A finished checkup's result, read back by its token: what the result page and its feedback forms share."""

from dataclasses import dataclass

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
