"""Turn the engine's `Diagnosis` into what the results page shows: a summary a worried person can act on,
reasons in the person's own answers, one merged action plan, guides by category and the summary for
customer service.

Pure like the engine (no ORM, no request), so the admin's simulation page and the results page present a
diagnosis identically, and the wording rules are tested without HTTP. Every action and guide shown is one
whose link conditions (`engine.Condition`) the person's answers meet: advice never contradicts an answer.
"""

import re
from dataclasses import dataclass, replace
from operator import attrgetter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guides.categories import by_category

from .engine import SYMPTOM, ActionInfo, applicable_answers

LIKELIHOOD_WORDS = {"high": "很可能", "medium": "可能", "low": "不太可能"}

# The general next steps when no cause stands out: look at the facts, then ask the platform.
GENERAL_ACTIONS = ("check-credit-report", "contact-alipay", "keep-paying-on-time")

# How soon to act, shown first on every result (see `urgency`).
URGENT, SOON, CALM = "urgent", "soon", "calm"
URGENCY_WORDS = {URGENT: gettext_lazy("紧急"), SOON: gettext_lazy("尽快处理"), CALM: gettext_lazy("不急")}
URGENCY_NOTES = {
    URGENT: gettext_lazy("今天就做下面第一件事。"),
    SOON: gettext_lazy("最好这几天就做第一件事。"),
    CALM: gettext_lazy("没有必须马上做的事，照着清单一项一项来就好。"),
}
# The plan shows this many steps (at least every time-sensitive one); the rest sit folded below, "later".
PLAN_FIRST_STEPS = 5
# Actions below this priority are the ones to do now (the admin's help text reserves 1–9 for them).
TIME_SENSITIVE_PRIORITY = 10
# The question whose choices name what the app showed; their labels quote its wording in “…”.
MESSAGE = "message"
_QUOTED = re.compile(r"“([^”]+)”")


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
class PlanItem:
    """One numbered line of the action plan ("行动清单第 N 项")."""

    number: int
    action: ActionInfo
    urgent: bool  # asked for by an urgent finding

    @property
    def slug(self):
        return self.action.slug

    @property
    def time_sensitive(self):
        return self.urgent or self.action.priority < TIME_SENSITIVE_PRIORITY


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
    actions: tuple  # ActionInfo: the cause's actions that fit this person's answers
    guide_groups: tuple  # the cause's guides that fit this person's answers, by category
    plan_items: tuple = ()  # PlanItem: where this finding's actions stand in the plan
    other_actions: tuple = ()  # ActionInfo: this finding's actions the plan leaves out (unlikely causes)


@dataclass(frozen=True)
class Summary:
    """The block at the top of every result: how urgent, the likeliest causes, the one thing to do first."""

    urgency: str  # URGENT, SOON or CALM
    urgency_words: str
    urgency_note: str
    causes_label: str  # "最可能的原因" / "可能的原因" ("" when no cause stands out)
    causes: tuple  # cause titles, likeliest first
    first_action: PlanItem | None


@dataclass(frozen=True)
class ResultView:
    symptom_label: str
    clear_cause: bool
    urgent: tuple  # FindingView, urgent ones (shown first, as alerts)
    findings: tuple  # every FindingView in rank order (urgent included)
    likely: tuple  # high and medium, in rank order
    unlikely: tuple  # low, in rank order
    plan: tuple  # PlanItem, merged without repeats, urgent first, then by likelihood and priority
    service_summary: str
    summary: Summary = None

    @property
    def plan_now(self):
        """The steps shown unfolded: the first few, and every time-sensitive one however many there are."""
        return self.plan[: self._first_steps()]

    @property
    def plan_later(self):
        return self.plan[self._first_steps() :]

    def _first_steps(self):
        last_pressing = max((item.number for item in self.plan if item.time_sensitive), default=0)
        return max(PLAN_FIRST_STEPS, last_pressing)


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


def finding_view(kb, finding, answers):
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
        actions=cause.actions_for(answers),
        guide_groups=group_guides(cause.guides_for(answers)),
    )


def _tier(finding):
    """Plan order: urgent findings' actions first, then those of the "很可能", then the "可能" findings."""
    if finding.urgent:
        return 0
    return {"high": 1, "medium": 2}.get(finding.likelihood)


def action_plan(kb, findings, clear_cause):
    """One numbered plan: every action of the findings worth acting on, each once.

    Order: the actions of urgent findings first, then those of "很可能" findings, then "可能" ones (an action
    asked for by several findings takes its most pressing place); within that, the action's own priority, then
    the order findings name them. Unlikely causes do not add steps. With no clear cause (or when none of the
    findings' steps fits the answers), the general steps stand in, so every result has a first thing to do.
    Each finding's `actions` are already the ones that fit the person's answers.
    """
    chosen = {}  # slug → (tier, action)
    for finding in findings:
        tier = _tier(finding)
        if tier is None:
            continue
        for action in finding.actions:
            if action.slug not in chosen or tier < chosen[action.slug][0]:
                chosen[action.slug] = (tier, action)
    if not clear_cause or not chosen:
        for slug in GENERAL_ACTIONS:
            action = kb.action(slug)
            if action is not None and slug not in chosen:
                chosen[slug] = (3, action)
    first_seen = {slug: position for position, slug in enumerate(chosen)}
    ordered = sorted(chosen.items(), key=lambda pair: (pair[1][0], pair[1][1].priority, first_seen[pair[0]]))
    return tuple(
        PlanItem(number=number, action=action, urgent=tier == 0)
        for number, (_slug, (tier, action)) in enumerate(ordered, start=1)
    )


def point_to_plan(finding, plan):
    """The finding with the numbers of its actions in the plan, instead of repeating them."""
    by_slug = {item.slug: item for item in plan}
    in_plan = (by_slug[a.slug] for a in finding.actions if a.slug in by_slug)
    return replace(
        finding,
        plan_items=tuple(sorted(in_plan, key=attrgetter("number"))),
        other_actions=tuple(a for a in finding.actions if a.slug not in by_slug),
    )


def urgency(findings, plan):
    """How soon to act, the first thing every result says.

    紧急 (URGENT): an urgent finding (overdue now, a scam): act today. 尽快处理 (SOON): no urgent finding, but the
    plan (only "很可能" / "可能" findings add to it) has a time-sensitive action, one of priority 1–9 such as
    securing an account after a risk notice. 不急 (CALM): everything else, including "no clear cause".
    """
    if any(f.urgent for f in findings):
        return URGENT
    if any(item.time_sensitive for item in plan):
        return SOON
    return CALM


def likeliest_causes(findings, limit=3):
    """(label, titles): the urgent and "很可能" causes; when there are none, the "可能" ones; at most `limit`."""
    top = [f for f in findings if f.urgent or f.likelihood == "high"]
    if top:
        return _("最可能的原因"), tuple(f.title for f in top[:limit])
    medium = [f for f in findings if f.likelihood == "medium"]
    if medium:
        return _("可能的原因"), tuple(f.title for f in medium[:limit])
    return "", ()


def first_action(plan):
    """The one thing to do first: the plan's first item, which is the most pressing action of the most pressing
    finding that fits this person's answers (an urgent finding's before any other; "stop paying the scammer"
    before "report it"), or the first general step when no cause stands out."""
    return plan[0] if plan else None


def summarise(findings, plan):
    level = urgency(findings, plan)
    label, causes = likeliest_causes(findings)
    return Summary(
        urgency=level,
        urgency_words=str(URGENCY_WORDS[level]),
        urgency_note=str(URGENCY_NOTES[level]),
        causes_label=label,
        causes=causes,
        first_action=first_action(plan),
    )


def on_screen_wording(label):
    """The app's own words a choice quotes in “…” (a label like “综合评估未通过”一类的提示), in order."""
    return tuple(_QUOTED.findall(label or ""))


def service_summary(kb, answers):
    """Short factual text for a message to the platform: the symptom, what the app said, the relevant facts.

    Only questions marked for the summary, and never "not sure" style answers without a summary text. The
    app's message is quoted in its own words when the chosen answer names them, so the agent can search for it.
    """
    symptom_question = kb.question(SYMPTOM)
    symptom = symptom_question.choice(answers.get(SYMPTOM, "")) if symptom_question else None
    lines = [_("您好，我想咨询借呗的情况。")]
    if symptom is not None:
        lines.append(_("我遇到的问题：%(symptom)s。") % {"symptom": symptom.summary_text or symptom.label})
    message_question = kb.question(MESSAGE)
    message = message_question.choice(answers.get(MESSAGE, "")) if message_question else None
    wording = on_screen_wording(message.label) if message is not None else ()
    if wording:
        quoted = _("”或“").join(wording)
        lines.append(_("页面提示：“%(wording)s”（或意思相近的话）。") % {"wording": quoted})
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
    answers = applicable_answers(answers, kb)
    findings = tuple(finding_view(kb, f, answers) for f in diagnosis.findings)
    plan = action_plan(kb, findings, diagnosis.clear_cause)
    findings = tuple(point_to_plan(f, plan) for f in findings)
    symptom_question = kb.question(SYMPTOM)
    symptom = symptom_question.choice(answers.get(SYMPTOM, "")) if symptom_question else None
    return ResultView(
        symptom_label=symptom.label if symptom else "",
        clear_cause=diagnosis.clear_cause,
        urgent=tuple(f for f in findings if f.urgent),
        findings=findings,
        likely=tuple(f for f in findings if f.likelihood in ("high", "medium") and not f.urgent),
        unlikely=tuple(f for f in findings if f.likelihood == "low" and not f.urgent),
        plan=plan,
        service_summary=service_summary(kb, answers),
        summary=summarise(findings, plan),
    )
