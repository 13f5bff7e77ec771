"""The diagnosis engine: answers in, ranked findings out.

Pure Python on purpose: no ORM, no request. Views, the admin's "模拟诊断" page, the `diagnose` command and
the tests all call `diagnose()` with the same plain `KnowledgeBase`, so what an editor simulates is exactly
what a visitor gets.

Scoring is additive and explainable: every answered choice adds the weights of its evidence rows to their
causes. The sum decides the likelihood band, and the rows that contributed are returned as the "why".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

SYMPTOM = "symptom"

# Likelihood bands. A cause needs several independent answers (or one decisive one) to be "high".
HIGH_SCORE = 6
MEDIUM_SCORE = 3


class UnknownAnswer(ValueError):
    """An answer names a question or choice the knowledge base does not have."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class ChoiceInfo:
    slug: str
    label: str
    help_text: str = ""
    summary_text: str = ""
    prior: int | None = None  # roughly how many in 100 people asked give this answer; None: not estimated
    tick: str = ""  # its wording as a box on a grouped screen ("以下哪些情况符合你"); empty: not offered as a box


@dataclass(frozen=True)
class QuestionInfo:
    slug: str
    text: str
    short_label: str = ""
    help_text: str = ""
    choices: tuple[ChoiceInfo, ...] = ()
    asked_for: frozenset[str] = frozenset()  # symptom slugs; empty means every symptom
    in_service_summary: bool = True
    triage: int = 0  # > 0: asked right after the symptom, in this order, before the checkup may stop
    ask_when: frozenset[tuple[str, str]] = frozenset()  # (question, choice) pairs; empty: always, else any of them
    screen: str = ""  # questions sharing this slug are asked together on one grouped screen
    unticked: str = ""  # on a grouped screen: the choice an unticked box means ("no" / "none")

    def applies_to(self, symptom):
        return not self.asked_for or symptom in self.asked_for

    def asked_given(self, answers):
        """Whether the answers so far call for this question (its `ask_when` condition)."""
        return not self.ask_when or any(answers.get(question) == choice for question, choice in self.ask_when)

    def choice(self, slug):
        return next((c for c in self.choices if c.slug == slug), None)


@dataclass(frozen=True)
class Condition:
    """When a cause's action or guide fits this person, in answers ("question=choice", as evidence names them).

    `when`: at least one of these answers was given (empty: no requirement). `unless`: none of these was given.
    So "only for business owners" is `when: [business_owner=yes]`, "never for adults" `unless: [life_stage=adult]`,
    and "only for students or minors" `when: [life_stage=student, life_stage=minor]`. An answer the person was not
    asked never satisfies `when`: advice that needs a fact is not shown on a guess.
    """

    when: frozenset[tuple[str, str]] = frozenset()
    unless: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_lists(cls, when=(), unless=()):
        return cls(frozenset(_answer(a) for a in when), frozenset(_answer(a) for a in unless))

    def allows(self, answers):
        given = set(answers.items())
        return (not self.when or bool(self.when & given)) and not (self.unless & given)


ALWAYS = Condition()


@dataclass(frozen=True)
class ActionInfo:
    slug: str
    text: str
    detail: str = ""
    priority: int = 50
    condition: Condition = ALWAYS  # as linked from one cause: when this action fits the person


@dataclass(frozen=True)
class GuideLink:
    slug: str
    title: str
    category: str
    condition: Condition = ALWAYS  # as linked from one cause: when this guide fits the person


@dataclass(frozen=True)
class CauseInfo:
    slug: str
    title: str
    explanation: str = ""
    what_would_change: str = ""
    urgent: bool = False
    urgent_message: str = ""
    actions: tuple[ActionInfo, ...] = ()
    guides: tuple[GuideLink, ...] = ()

    def actions_for(self, answers):
        """The cause's actions whose conditions this person's answers meet, in the cause's order."""
        return tuple(a for a in self.actions if a.condition.allows(answers))

    def guides_for(self, answers):
        """The cause's guides whose conditions this person's answers meet, in the guide list's order."""
        return tuple(g for g in self.guides if g.condition.allows(answers))


@dataclass(frozen=True)
class EvidenceRule:
    question: str
    choice: str
    cause: str
    weight: int


def _answer(text):
    """ "question=choice", as evidence names an answer in the content files → (question, choice)."""
    question, _sep, choice = str(text).partition("=")
    return question, choice


def _guide_order(guide):
    """A cause's guides in the guide list's own order: category, then the editors' order, then slug."""
    return guide["category"], guide["order"], guide["slug"]


def link_slug(link):
    """A cause's action or guide link as the content files write it: a plain slug, or {slug, when, unless}."""
    return link if isinstance(link, str) else link["slug"]


def link_condition(link):
    if isinstance(link, str):
        return ALWAYS
    return Condition.from_lists(link.get("when") or (), link.get("unless") or ())


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the engine and the pages need, as plain immutable data (questions in asking order)."""

    questions: tuple[QuestionInfo, ...]
    causes: tuple[CauseInfo, ...]  # in tie-break order
    evidence: tuple[EvidenceRule, ...]
    revision: int = 0  # the content revision it was read at; pages key their caches on it
    actions: tuple[ActionInfo, ...] = ()  # every action, linked or not (the general steps come from here)
    _question_index: dict = field(default_factory=dict, compare=False, repr=False)
    _evidence_index: dict = field(default_factory=dict, compare=False, repr=False)
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # derived tables other pure modules keep

    def __post_init__(self):
        self._question_index.update({q.slug: q for q in self.questions})
        for rule in self.evidence:
            self._evidence_index.setdefault((rule.question, rule.choice), []).append(rule)

    @classmethod
    def from_content(cls, *, questions, actions, causes, guides, revision=0):
        """The engine's data from content items in their declared shape (`diagnosis.content_shapes`).

        The same dicts the content files hold, so the tests build the knowledge base straight from the files
        with no database, and `knowledge.py` builds it from the rows. Questions and causes are taken in their
        `order` (ties keep the given order); a cause links only to the published guides among `guides`.
        A link's conditions (`link_condition`) travel with it, so each cause says for whom its advice fits.
        """
        questions = sorted(questions, key=lambda item: item["order"])
        causes = sorted(causes, key=lambda item: item["order"])
        action_index = {item["slug"]: ActionInfo(item["slug"], item["text"], item["detail"], item["priority"])
                        for item in actions}  # fmt: skip
        published = {item["slug"]: item for item in guides if item["status"] == "published"}

        def guide_links(links):
            linked = [(published[link_slug(link)], link) for link in links if link_slug(link) in published]
            linked.sort(key=lambda pair: _guide_order(pair[0]))
            return tuple(GuideLink(g["slug"], g["title"], g["category"], link_condition(link)) for g, link in linked)

        def actions_of(cause):
            unknown = [link_slug(link) for link in cause["actions"] if link_slug(link) not in action_index]
            if unknown:
                raise ValueError(f"cause {cause['slug']}: unknown actions {unknown}")
            return tuple(
                replace(action_index[link_slug(link)], condition=link_condition(link)) for link in cause["actions"]
            )

        return cls(
            questions=tuple(
                QuestionInfo(
                    slug=item["slug"],
                    text=item["text"],
                    short_label=item["short_label"],
                    help_text=item["help_text"],
                    choices=tuple(
                        ChoiceInfo(
                            c["slug"], c["label"], c["help_text"], c["summary_text"], c.get("prior"), c.get("tick", "")
                        )
                        for c in item["choices"]
                    ),
                    asked_for=frozenset(item["asked_for"]),
                    in_service_summary=item["in_service_summary"],
                    triage=item.get("triage", 0),
                    ask_when=frozenset(_answer(answer) for answer in item.get("ask_when", ())),
                    screen=item.get("screen", ""),
                    unticked=item.get("unticked", ""),
                )
                for item in questions
            ),
            causes=tuple(
                CauseInfo(
                    slug=item["slug"],
                    title=item["title"],
                    explanation=item["explanation"],
                    what_would_change=item["what_would_change"],
                    urgent=item["urgent"],
                    urgent_message=item["urgent_message"],
                    actions=actions_of(item),
                    guides=guide_links(item["guides"]),
                )
                for item in causes
            ),
            evidence=tuple(
                EvidenceRule(*_answer(row["answer"]), item["slug"], row["weight"])
                for item in causes
                for row in item["evidence"]
            ),
            revision=revision,
            actions=tuple(sorted(action_index.values(), key=lambda a: (a.priority, a.slug))),
        )

    def question(self, slug):
        return self._question_index.get(slug)

    def cause(self, slug):
        return next((c for c in self.causes if c.slug == slug), None)

    def action(self, slug):
        return next((a for a in self.actions if a.slug == slug), None)

    def rules_for(self, question, choice):
        return self._evidence_index.get((question, choice), ())

    def path(self, symptom, answers=None):
        """The questions this person is asked, in order, for the symptom they chose (None: not chosen yet).

        A question with an `ask_when` condition is on the path only when `answers` meet it.
        """
        if symptom is None:
            return tuple(q for q in self.questions if q.slug == SYMPTOM)
        answers = answers or {}
        return tuple(q for q in self.questions if q.applies_to(symptom) and q.asked_given(answers))


@dataclass(frozen=True)
class EvidenceItem:
    question: str
    choice: str
    weight: int


@dataclass(frozen=True)
class Finding:
    cause: str
    title: str
    score: int
    likelihood: str
    urgent: bool
    evidence: tuple[EvidenceItem, ...]
    guides: tuple[str, ...]


@dataclass(frozen=True)
class Diagnosis:
    symptom: str | None
    clear_cause: bool
    findings: tuple[Finding, ...]

    def as_dict(self):
        """The JSON shape of `manage.py diagnose`, also used by integrations."""
        return {
            "symptom": self.symptom,
            "clear_cause": self.clear_cause,
            "findings": [
                {
                    "cause": f.cause,
                    "title": f.title,
                    "likelihood": f.likelihood,
                    "score": f.score,
                    "urgent": f.urgent,
                    "evidence": [{"question": e.question, "choice": e.choice, "weight": e.weight} for e in f.evidence],
                    "guides": list(f.guides),
                }
                for f in self.findings
            ],
        }


def likelihood_for(score):
    if score >= HIGH_SCORE:
        return "high"
    if score >= MEDIUM_SCORE:
        return "medium"
    return "low"


def known_answers(answers, kb, *, strict=False):
    """The answers the knowledge base still knows: a saved result survives an editor removing a choice.

    With `strict`, an answer it does not know raises UnknownAnswer naming it instead (the `diagnose` command's
    contract: a typo in a slug is an error there, not a silently smaller answer set).
    """
    if not isinstance(answers, dict):
        if strict:
            raise UnknownAnswer("answers", "answers must be an object of {question: choice}")
        return {}
    known = {}
    for question_slug, choice_slug in answers.items():
        question = kb.question(question_slug) if isinstance(question_slug, str) else None
        if question is None:
            if strict:
                raise UnknownAnswer(question_slug, f"unknown question: {question_slug!r}")
        elif not isinstance(choice_slug, str) or question.choice(choice_slug) is None:
            if strict:
                raise UnknownAnswer(
                    f"{question_slug}={choice_slug}", f"unknown choice for {question_slug!r}: {choice_slug!r}"
                )
        else:
            known[question_slug] = choice_slug
    return known


def applicable_answers(answers, kb):
    """Only the answers to questions on this person's path: a changed symptom drops the others."""
    symptom = answers.get(SYMPTOM)
    if symptom is None:
        return {}
    return {q.slug: answers[q.slug] for q in kb.path(symptom, answers) if q.slug in answers}


def diagnose(answers, kb):
    """Rank the causes that the answers point to.

    Only causes with a positive score become findings. Urgent causes come first, then higher scores,
    then the knowledge base's cause order, so equal inputs always give equal output. A finding's guides are
    the cause's guides whose conditions fit the answers.
    """
    answers = applicable_answers(known_answers(answers, kb, strict=True), kb)
    scores = {}
    evidence = {}
    for question in kb.questions:  # question order keeps each finding's evidence list stable
        choice = answers.get(question.slug)
        if choice is None:
            continue
        for rule in kb.rules_for(question.slug, choice):
            if rule.weight == 0:
                continue
            scores[rule.cause] = scores.get(rule.cause, 0) + rule.weight
            evidence.setdefault(rule.cause, []).append(EvidenceItem(rule.question, rule.choice, rule.weight))

    findings = []
    for position, cause in enumerate(kb.causes):
        score = scores.get(cause.slug, 0)
        if score <= 0:
            continue
        likelihood = likelihood_for(score)
        findings.append(
            (
                (not cause.urgent, -score, position),
                Finding(
                    cause=cause.slug,
                    title=cause.title,
                    score=score,
                    likelihood=likelihood,
                    urgent=cause.urgent,
                    evidence=tuple(evidence[cause.slug]),
                    guides=tuple(g.slug for g in cause.guides_for(answers)),
                ),
            )
        )
    findings.sort(key=lambda pair: pair[0])
    ranked = tuple(finding for _, finding in findings)
    return Diagnosis(
        symptom=answers.get(SYMPTOM),
        clear_cause=any(f.likelihood in ("high", "medium") for f in ranked),
        findings=ranked,
    )
