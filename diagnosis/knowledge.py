"""Build the engine's plain `KnowledgeBase` from the database, once per content revision per process."""

import threading

from django.db import transaction
from django.db.models import F, Prefetch

from . import engine
from .freshness import read_revision
from .models import Action, Cause, CauseAction, Choice, ContentRevision, Evidence, Question

_lock = threading.Lock()
_memo = {"revision": None, "kb": None}


def current_revision():
    return read_revision()


def bump_revision():
    """Mark the knowledge base changed; every process rebuilds its copy on its next request."""
    with transaction.atomic():
        updated = ContentRevision.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            ContentRevision.objects.get_or_create(pk=1, defaults={"number": 1})


def build_knowledge_base(revision=0):
    """Read every knowledge-base row (published guides only) into immutable engine objects."""
    from guides.models import Guide

    questions = Question.objects.prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id")),
        Prefetch("asked_for", queryset=Choice.objects.only("slug")),
    )
    causes = Cause.objects.prefetch_related(
        Prefetch("guides", queryset=Guide.objects.published().order_by("category", "order", "slug")),
        Prefetch("cause_actions", queryset=CauseAction.objects.select_related("action").order_by("order", "id")),
    )
    evidence = Evidence.objects.select_related("choice__question", "cause").order_by("cause__order", "id")
    return engine.KnowledgeBase(
        questions=tuple(
            engine.QuestionInfo(
                slug=q.slug,
                text=q.text,
                short_label=q.short_label,
                help_text=q.help_text,
                choices=tuple(engine.ChoiceInfo(c.slug, c.label, c.help_text, c.summary_text) for c in q.choices.all()),
                asked_for=frozenset(c.slug for c in q.asked_for.all()),
                in_service_summary=q.in_service_summary,
            )
            for q in questions
        ),
        causes=tuple(
            engine.CauseInfo(
                slug=c.slug,
                title=c.title,
                explanation=c.explanation,
                what_would_change=c.what_would_change,
                urgent=c.urgent,
                urgent_message=c.urgent_message,
                actions=tuple(_action_info(ca.action) for ca in c.cause_actions.all()),
                guides=tuple(engine.GuideLink(g.slug, g.title, g.category) for g in c.guides.all()),
            )
            for c in causes
        ),
        evidence=tuple(
            engine.EvidenceRule(e.choice.question.slug, e.choice.slug, e.cause.slug, e.weight) for e in evidence
        ),
        revision=revision,
    )


def _action_info(action: Action):
    return engine.ActionInfo(action.slug, action.text, action.detail, action.priority)


def get_knowledge_base():
    """The current knowledge base: one query to check the revision, a rebuild only when it moved."""
    revision = current_revision()
    with _lock:
        if _memo["revision"] == revision and _memo["kb"] is not None:
            return _memo["kb"]
    kb = build_knowledge_base(revision)
    with _lock:
        _memo.update(revision=revision, kb=kb)
    return kb
