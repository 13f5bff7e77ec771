"""Turn the engine's `Diagnosis` into what the results page shows: reasons in the person's own answers,
a merged action plan, guides by category and the summary for customer service.

Pure like the engine (no ORM, no request), so the admin's simulation page and the results page present a
diagnosis identically, and the wording rules are tested without HTTP.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from guides.categories import by_category

from .engine import SYMPTOM

LIKELIHOOD_WORDS = {"high": "很可能", "medium": "可能", "low": "不太可能"}

# The general next steps when no cause stands out: look at the facts, then ask the platform.
GENERAL_ACTIONS = ("check-credit-report", "contact-alipay", "keep-paying-on-time")


@dataclass(frozen=True)
class Reason:
    question: str  # the question's short label
    answer: str  # the choice the person picked
    raises: bool


@dataclass(frozen=True)
class GuideGroup:
    category: str
    label: str
    guides: tuple


@dataclass(frozen=True)
class FindingView:
    slug: str
    title: str
    likelihood: str
    likelihood_words: str
    urgent: bool
    urgent_message: str
    explanation: str
    what_would_change: str
    reasons_for: tuple
    reasons_against: tuple
    actions: tuple
    guide_groups: tuple


@dataclass(frozen=True)
class ResultView:
    symptom_label: str
    clear_cause: bool
    urgent: tuple  # FindingView, urgent ones (shown first, as alerts)
    findings: tuple  # every FindingView in rank order (urgent included)
    likely: tuple  # high and medium, in rank order
    unlikely: tuple  # low, in rank order
    plan: tuple  # ActionInfo, merged without repeats, most urgent first
    service_summary: str


def _reasons(kb, finding):
    reasons = []
    for item in finding.evidence:
        question = kb.question(item.question)
        choice = question.choice(item.choice) if question else None
        if question is None or choice is None:
            continue
        reasons.append(Reason(question.short_label or question.text, choice.label, item.weight > 0))
    return tuple(r for r in reasons if r.raises), tuple(r for r in reasons if not r.raises)


def group_guides(guides):
    """Guides grouped in the site's category order, as the guide pages group them (one function for both)."""
    return tuple(
        GuideGroup(category.value, str(category.label), tuple(members)) for category, members in by_category(guides)
    )


def finding_view(kb, finding):
    cause = kb.cause(finding.cause)
    reasons_for, reasons_against = _reasons(kb, finding)
    return FindingView(
        slug=finding.cause,
        title=finding.title,
        likelihood=finding.likelihood,
        likelihood_words=LIKELIHOOD_WORDS[finding.likelihood],
        urgent=finding.urgent,
        urgent_message=cause.urgent_message,
        explanation=cause.explanation,
        what_would_change=cause.what_would_change,
        reasons_for=reasons_for,
        reasons_against=reasons_against,
        actions=cause.actions[:4],
        guide_groups=group_guides(cause.guides),
    )


def action_plan(kb, findings, clear_cause):
    """One numbered plan: every action of the findings worth acting on, each once, most urgent first.

    Unlikely causes do not add steps. With no clear cause, the general steps stand in.
    """
    chosen = {}
    for finding in findings:
        if finding.likelihood == "low" and not finding.urgent:
            continue
        for action in finding.actions:
            chosen.setdefault(action.slug, action)
    if not clear_cause:
        by_slug = {a.slug: a for cause in kb.causes for a in cause.actions}
        for slug in GENERAL_ACTIONS:
            if slug in by_slug:
                chosen.setdefault(slug, by_slug[slug])
    first_seen = {slug: position for position, slug in enumerate(chosen)}
    return tuple(sorted(chosen.values(), key=lambda a: (a.priority, first_seen[a.slug])))


def service_summary(kb, answers):
    """Short factual text for a message to the platform: the symptom and the relevant facts chosen.

    Only questions marked for the summary, and never "not sure" style answers without a summary text.
    """
    symptom_question = kb.question(SYMPTOM)
    symptom = symptom_question.choice(answers.get(SYMPTOM, "")) if symptom_question else None
    lines = [_("您好，我想咨询借呗的情况。")]
    if symptom is not None:
        lines.append(_("我遇到的问题：%(symptom)s。") % {"symptom": symptom.summary_text or symptom.label})
    facts = []
    for question in kb.path(answers.get(SYMPTOM)):
        if question.slug == SYMPTOM or not question.in_service_summary:
            continue
        choice = question.choice(answers.get(question.slug, ""))
        if choice is not None and choice.summary_text:
            facts.append(choice.summary_text)
    if facts:
        lines.append(_("我的相关情况："))
        lines.extend(f"{number}. {fact}。" for number, fact in enumerate(facts, start=1))
    lines.append(_("请问能否告诉我借款受限的具体原因，以及我可以怎样改善？谢谢。"))
    return "\n".join(lines)


def present(kb, answers, diagnosis):
    findings = tuple(finding_view(kb, f) for f in diagnosis.findings)
    symptom_question = kb.question(SYMPTOM)
    symptom = symptom_question.choice(answers.get(SYMPTOM, "")) if symptom_question else None
    return ResultView(
        symptom_label=symptom.label if symptom else "",
        clear_cause=diagnosis.clear_cause,
        urgent=tuple(f for f in findings if f.urgent),
        findings=findings,
        likely=tuple(f for f in findings if f.likelihood in ("high", "medium") and not f.urgent),
        unlikely=tuple(f for f in findings if f.likelihood == "low" and not f.urgent),
        plan=action_plan(kb, findings, diagnosis.clear_cause),
        service_summary=service_summary(kb, answers),
    )
