"""The adaptive checkup: which screen comes next, when the result is clear enough to stop, how many steps are left.

Pure like the engine (no Django, no ORM): plain answers and the engine's `KnowledgeBase` in, plain data out, so the
views, the admin's "模拟诊断", the benchmark and the tests all walk the same interview.

The model, in the order a counsellor would work:

- A *screen* is one question, or several yes/no questions asked together as "以下哪些情况符合你？（可多选）"
  (questions that share `QuestionInfo.screen`). On a grouped screen each box is one (question, choice) pair
  (`ChoiceInfo.tick`), and a question whose boxes stay unticked gets its `QuestionInfo.unticked` choice.
- *Triage* comes first: the symptom, then every screen with `triage > 0` in rank order (a scam contact, overdue,
  the pressure screen when `ask_when` calls for it, debt load). The interview never stops while one is open.
- Then `next_screen` picks the remaining screen whose answer most likely brings the result shown now closer to the
  result every answer would give, and `should_stop` stops when
  * **certain**: no way of answering the remaining screens can change the top cause or the set of the top three
    (the engine is additive, so exact per-cause and per-pair score bounds are cheap), or
  * **likely**: the top cause stays with probability ≥ `TOP_CONFIDENCE` and the top cause and the top-three set
    together with probability ≥ `CONFIDENCE`, or
  * `MAX_SCREENS` screens were answered, unless the person asked to answer more (`more=True`: the interview then
    walks every remaining screen; the triage rule and the order stay the same).
- The likelihoods come from how often each answer is given (`ChoiceInfo.prior`), with one correction: answers hang
  together. The interview weighs two kinds of person, steady and strained (a strained answer is one that raises a
  cause), by Bayes from the answers so far, a steady person giving strained answers `TILT` times less often than
  the priors say and a strained one `TILT` times more. Few remaining combinations are enumerated exactly, more are
  sampled with a fixed seed, so the same answers always get the same decision.
- "我不确定" (`unsure`) is an ordinary choice that carries no evidence, so answering it never moves the result.
- `remaining_screens` is the "大约还有 N 步" estimate: the screens still to come if every answer from here is the
  likeliest one, smoothed along the person's own history so it never rises by more than one from one screen to the
  next.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from .engine import SYMPTOM, applicable_answers

MAX_SCREENS = 12  # screens answered, the symptom included, before the checkup stops unless asked for more
TOP_CONFIDENCE = 0.95  # ... and the top cause alone with at least this one: the headline must be right
CONFIDENCE = 0.8  # stop when the top cause and the top three stay as they are with at least this probability
EXACT_LIMIT = 150  # enumerate every remaining combination (for each of the two kinds of person) up to this many
SAMPLES = 400
TILT = 3  # a steady person gives a strained answer a third as often as the priors say; a strained one, three times
SEED = 20261124

# What the home page promises ("通常 N 步，约 M 分钟"), measured rather than hoped for: the personas' median number of
# screens (`make bench-interview`; tests/test_personas.py fails when the median moves away from it), and about 20
# seconds a screen (a question and its answers, some 80–150 汉字, read at about 400 a minute, then a tap; the grouped
# screen takes longer, a single yes/no less), one more for "check your answers".
TYPICAL_SCREENS = 8
SECONDS_PER_SCREEN = 20
TYPICAL_MINUTES = round((TYPICAL_SCREENS + 1) * SECONDS_PER_SCREEN / 60)

# Why `decide` chose what it chose; the admin's simulation shows these.
SYMPTOM_FIRST = "symptom"
TRIAGE = "triage"
MOST_USEFUL = "most_useful"
CONTINUE = "continue"  # the person asked to answer more
CERTAIN = "certain"
LIKELY = "likely"
MAX_REACHED = "max_screens"
COMPLETE = "complete"
STOP_REASONS = (CERTAIN, LIKELY, MAX_REACHED, COMPLETE)


class GroupAnswerError(ValueError):
    """A grouped screen's submission that cannot be read as answers.

    `code` is "tampered" (a box this screen does not offer: a forged request, answer with a 4xx), "contradiction"
    ("都不符合" together with a ticked box) or "empty" (nothing ticked and not "都不符合"): the last two are a
    person's slip, shown again with a message.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Tick:
    """One box on a grouped screen: `name="<question>" value="<choice>"`."""

    question: str
    choice: str
    label: str


@dataclass(frozen=True)
class Screen:
    """What one page asks: a single question, or a group of yes/no questions (`grouped`)."""

    slug: str  # the question's slug, or the group's (`QuestionInfo.screen`); the page's URL slug
    questions: tuple  # QuestionInfo, on this person's path, in question order
    grouped: bool = False
    triage: int = 0  # > 0: asked first, in this order

    @property
    def ticks(self):
        """The boxes of a grouped screen, in question order, then choice order."""
        return tuple(Tick(q.slug, c.slug, c.tick) for q in self.questions for c in q.choices if c.tick)

    def is_answered(self, answers):
        return all(_valid(question, answers.get(question.slug)) for question in self.questions)

    def options(self, question):
        """The choices this screen can record for `question`: every choice, or on a grouped screen the ticks and
        the unticked choice."""
        if not self.grouped:
            return question.choices
        return tuple(c for c in question.choices if c.tick or c.slug == question.unticked)


@dataclass(frozen=True)
class Decision:
    """What the interview does next for these answers, and why."""

    screen: Screen | None  # the screen to show; None: stop and show the result
    reason: str  # one of the constants above
    answered: int  # screens answered on this path, the symptom included
    stability: float  # estimated chance the top cause and the top-three set stay as they are now (1.0: certain)
    top_stability: float  # estimated chance the top cause stays (0.0 while triage is open: not estimated)

    @property
    def stopped(self):
        return self.screen is None


@dataclass(frozen=True)
class Step:
    """One screen of a simulated interview: what was shown, why, what it recorded, and the estimate shown on it."""

    screen: Screen
    reason: str
    remaining: int  # "大约还有 N 步" as shown on this screen (this one not counted)
    answers: dict  # what this screen recorded


@dataclass(frozen=True)
class Walk:
    """A whole simulated interview: the screens in order, the answers given, and where and why it stopped."""

    steps: tuple  # Step
    answers: dict
    stop_reason: str
    stability: float  # as in Decision, where it stopped
    top_stability: float

    @property
    def screens(self):
        return len(self.steps)


# --- the screens on a person's path -------------------------------------------------------------------------


def _valid(question, choice):
    return isinstance(choice, str) and question.choice(choice) is not None


def _known(answers, kb):
    """The answers the knowledge base knows, on this person's path."""
    known = {}
    for slug, choice in (answers or {}).items():
        question = kb.question(slug) if isinstance(slug, str) else None
        if question is not None and _valid(question, choice):
            known[slug] = choice
    return applicable_answers(known, kb) if SYMPTOM in known else {}


def screens(answers, kb):
    """Every screen on this person's path, in asking order: the symptom, triage by rank, then question order."""
    answers = _known(answers, kb)
    symptom_question = kb.question(SYMPTOM)
    if SYMPTOM not in answers:
        return (Screen(SYMPTOM, (symptom_question,)),)
    groups, order = {}, []
    for question in kb.path(answers[SYMPTOM], answers):
        key = question.screen or question.slug
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(question)
    built = []
    for key in order:
        members = tuple(groups[key])
        grouped = bool(members[0].screen)
        built.append(Screen(key, members, grouped, max(q.triage for q in members)))
    position = {screen.slug: i for i, screen in enumerate(built)}

    def asking_order(screen):
        if screen.slug == SYMPTOM:
            return (0, 0, 0)
        return (1, screen.triage, position[screen.slug]) if screen.triage else (2, 0, position[screen.slug])

    return tuple(sorted(built, key=asking_order))


def find_screen(answers, kb, slug):
    """The screen with this URL slug on this person's path, or None (unknown, or not asked on this path)."""
    return next((screen for screen in screens(answers, kb) if screen.slug == slug), None)


def screen_of(answers, kb, question_slug):
    """The screen that asks `question_slug` on this person's path (for "change" links), or None."""
    return next((s for s in screens(answers, kb) if any(q.slug == question_slug for q in s.questions)), None)


def read_group(kb, screen, ticked, *, none_of_these=False):
    """The answers a grouped screen records from the boxes ticked (pairs of name=question, value=choice).

    Every question of the screen gets an answer: its ticked choice, or its `unticked` choice. If two boxes of one
    question are ticked (say "换了手机" and "收到风险提醒"), the one carrying more evidence wins, so the result
    never hides the more serious sign; on a tie, the later choice. Raises GroupAnswerError (see its codes).
    """
    offered = {(t.question, t.choice) for t in screen.ticks}
    chosen = {}
    for pair in ticked:
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)) or (
            pair not in offered
        ):
            raise GroupAnswerError("tampered", f"not a box on screen {screen.slug!r}: {pair!r}")
        chosen.setdefault(pair[0], set()).add(pair[1])
    if chosen and none_of_these:
        raise GroupAnswerError("contradiction", "“都不符合” and a ticked box at once")
    if not chosen and not none_of_these:
        raise GroupAnswerError("empty", "nothing ticked")
    answers = {}
    for question in screen.questions:
        ticked_here = chosen.get(question.slug)
        if not ticked_here:
            answers[question.slug] = question.unticked
            continue
        position = {c.slug: i for i, c in enumerate(question.choices)}
        answers[question.slug] = max(
            ticked_here, key=lambda c: (sum(max(r.weight, 0) for r in kb.rules_for(question.slug, c)), position[c])
        )
    return answers


def respond(screen, full_answers):
    """How a person whose answers are `full_answers` answers `screen`: their choice, "unsure" where they have none
    (the first choice if the question has no "unsure"), and on a grouped screen a tick where their answer is one."""
    recorded = {}
    for question in screen.questions:
        choice = question.choice(full_answers.get(question.slug, "") or "")
        if screen.grouped:
            recorded[question.slug] = choice.slug if choice is not None and choice.tick else question.unticked
        elif choice is not None:
            recorded[question.slug] = choice.slug
        else:
            recorded[question.slug] = "unsure" if question.choice("unsure") else question.choices[0].slug
    return recorded


# --- the knowledge base as score tables, built once per knowledge base ---------------------------------------


@dataclass(frozen=True)
class _Tables:
    causes: tuple  # slugs, in tie-break order
    urgent: tuple  # bool per cause
    weights: dict  # (question, choice) -> ((cause index, weight), ...)


def _tables(kb):
    tables = kb.memo.get("interview.tables")
    if tables is None:
        index = {cause.slug: i for i, cause in enumerate(kb.causes)}
        weights = {}
        for rule in kb.evidence:
            if rule.weight and rule.cause in index:
                weights.setdefault((rule.question, rule.choice), []).append((index[rule.cause], rule.weight))
        tables = _Tables(
            causes=tuple(c.slug for c in kb.causes),
            urgent=tuple(c.urgent for c in kb.causes),
            weights={key: tuple(value) for key, value in weights.items()},
        )
        kb.memo["interview.tables"] = tables
    return tables


def _scores(answers, tables):
    scores = [0] * len(tables.causes)
    for pair in answers.items():
        for cause, weight in tables.weights.get(pair, ()):
            scores[cause] += weight
    return scores


def _top(scores, urgent):
    """The first three causes the engine would show, in its order: urgent first, then score, then cause order;
    a cause with a score of 0 or less is not shown."""
    shown = sorted((not urgent[i], -score, i) for i, score in enumerate(scores) if score > 0)
    return tuple(i for _, _, i in shown[:3])


def _similarity(a, b):
    """How close a shown top three is to the final one: half for the same top cause, half for the overlap."""
    union = set(a) | set(b)
    overlap = len(set(a) & set(b)) / len(union) if union else 1.0
    return 0.5 * (a[:1] == b[:1]) + 0.5 * overlap


def top_causes(answers, kb):
    """The slugs of the top three causes `diagnose` shows for these answers, in order."""
    tables = _tables(kb)
    return tuple(tables.causes[i] for i in _top(_scores(_known(answers, kb), tables), tables.urgent))


def urgent_causes(answers, kb):
    """The urgent causes the answers so far raise (CauseInfo, in the engine's order): the calm notice the next screen
    shows at once, with what to do now, instead of waiting for the result page."""
    tables = _tables(kb)
    scores = _scores(_known(answers, kb), tables)
    ranked = sorted((-score, i) for i, score in enumerate(scores) if score > 0 and tables.urgent[i])
    return tuple(kb.causes[i] for _, i in ranked)


# --- what is left to ask, and what each answer could do --------------------------------------------------------


@dataclass(frozen=True)
class _Option:
    choice: str
    probability: float  # how often it is given, from the priors
    effect: dict  # cause index -> weight
    by_kind: tuple  # how often it is given by a steady person and by a strained one (see KINDS)


def _normalised(values):
    total = sum(values)
    return tuple(v / total if total else 1 / len(values) for v in values)


def _options(screen, question, tables):
    """The choices a screen can record for a question, with how often each is given (the priors, normalised over
    what the screen offers; a choice without a prior shares what the others leave, at least a little)."""
    choices = screen.options(question)
    known = sum(c.prior for c in choices if c.prior is not None)
    unknown = [c for c in choices if c.prior is None]
    share = max(100 - known, 5 * len(unknown)) / len(unknown) if unknown else 0
    priors = _normalised([float(c.prior) if c.prior is not None else share for c in choices])
    effects = [dict(tables.weights.get((question.slug, c.slug), ())) for c in choices]
    strained = [any(w > 0 for w in effect.values()) for effect in effects]
    steady = _normalised([p / TILT if strain else p for p, strain in zip(priors, strained, strict=True)])
    strain = _normalised([p * TILT if strain else p for p, strain in zip(priors, strained, strict=True)])
    return tuple(
        _Option(c.slug, p, effect, (a, b))
        for c, p, effect, a, b in zip(choices, priors, effects, steady, strain, strict=True)
    )


def _kinds(answers, kb, tables):
    """How likely this person is steady or strained, from the answers so far (Bayes, even odds to start)."""
    odds = [0.5, 0.5]
    for screen in screens(answers, kb):
        for question in screen.questions:
            if question.slug == SYMPTOM or question.slug not in answers:
                continue
            option = next((o for o in _options(screen, question, tables) if o.choice == answers[question.slug]), None)
            if option is not None:
                odds = [odds[0] * option.by_kind[0], odds[1] * option.by_kind[1]]
    return _normalised(odds)


def _open_screens(answers, kb):
    return tuple(s for s in screens(answers, kb) if not s.is_answered(answers))


def _answered_count(answers, kb):
    return sum(1 for s in screens(answers, kb) if s.is_answered(answers))


def _bounds(base, remaining, tables):
    """Exact lowest and highest final score per cause over every way of answering the remaining questions."""
    low, high = list(base), list(base)
    for options in remaining:
        for cause in {c for o in options for c in o.effect}:
            values = [o.effect.get(cause, 0) for o in options]
            low[cause] += min(values)
            high[cause] += max(values)
    return low, high


def _certain(base, remaining, tables):
    """True when no way of answering the remaining questions changes the top cause or the top-three set.

    A sufficient test, exact per cause and per pair of causes: every cause shown now stays shown and ranks above
    every cause outside the top three (or that cause can never be shown), and the top cause stays above the others.
    """
    urgent = tables.urgent
    top = _top(base, urgent)
    low, high = _bounds(base, remaining, tables)

    def lowest_gap(a, b):  # the lowest score(a) - score(b) can get
        gap = base[a] - base[b]
        for options in remaining:
            gap += min(o.effect.get(a, 0) - o.effect.get(b, 0) for o in options)
        return gap

    def always_above(a, b):
        if low[a] <= 0:
            return False
        if high[b] <= 0 or (urgent[a] and not urgent[b]):
            return True
        if urgent[b] and not urgent[a]:
            return False
        gap = lowest_gap(a, b)
        return gap > 0 or (gap == 0 and a < b)

    if any(low[t] <= 0 for t in top):
        return False
    for cause in range(len(base)):
        if cause in top or high[cause] <= 0:
            continue
        if len(top) < 3 or not all(always_above(t, cause) for t in top):
            return False
    return all(always_above(top[0], t) for t in top[1:])


def _completions(remaining, kinds):
    """Every way of answering the remaining questions with its probability, or a fixed-seed sample of them: pairs
    of (probability, the index of the option picked for each remaining question).

    Answers are drawn for a steady or a strained person, in proportion to `kinds`: answers hang together (someone
    whose answers so far show no strain is less likely to show it in the rest), which independent priors would miss.
    """
    combinations = 1
    for options in remaining:
        combinations *= len(options)
        if combinations > EXACT_LIMIT:
            break
    if combinations <= EXACT_LIMIT:
        for kind, weight in enumerate(kinds):
            for picks in itertools.product(*(range(len(options)) for options in remaining)):
                probability = weight
                for options, pick in zip(remaining, picks, strict=True):
                    probability *= options[pick].by_kind[kind]
                yield probability, picks
        return
    rng = random.Random(SEED)
    cumulative = [
        [list(itertools.accumulate(o.by_kind[kind] for o in options)) for options in remaining] for kind in (0, 1)
    ]
    for _ in range(SAMPLES):
        kind = 0 if rng.random() < kinds[0] else 1
        picks = []
        for edges in cumulative[kind]:
            picks.append(min(bisect.bisect_right(edges, rng.random() * edges[-1]), len(edges) - 1))
        yield 1 / SAMPLES, tuple(picks)


def _look_ahead(base, candidates, tables, kinds):
    """(chance the top cause stays, chance the top cause and the top-three set stay, {screen slug: closeness}).

    `candidates` is ((screen slug, (question options, ...)), ...). A screen's closeness compares the top three shown
    after asking only that screen with the top three after every screen, averaged over the ways of answering them.
    """
    urgent = tables.urgent
    now = _top(base, urgent)
    remaining = tuple(options for _, group in candidates for options in group)
    spans, start = [], 0
    for slug, group in candidates:
        spans.append((slug, start, start + len(group)))
        start += len(group)
    stay = stay_top = 0.0
    partial_tops = {}
    pairs = {slug: {} for slug, _ in candidates}  # slug -> {(top after that screen, final top): probability}
    for probability, picks in _completions(remaining, kinds):
        final = list(base)
        for options, pick in zip(remaining, picks, strict=True):
            for cause, weight in options[pick].effect.items():
                final[cause] += weight
        final_top = _top(final, urgent)
        if final_top[:1] == now[:1]:
            stay_top += probability
            if set(final_top) == set(now):
                stay += probability
        for slug, first, last in spans:
            key = (first, picks[first:last])
            partial = partial_tops.get(key)
            if partial is None:
                scores = list(base)
                for options, pick in zip(remaining[first:last], picks[first:last], strict=True):
                    for cause, weight in options[pick].effect.items():
                        scores[cause] += weight
                partial = partial_tops[key] = _top(scores, urgent)
            seen = pairs[slug]
            seen[partial, final_top] = seen.get((partial, final_top), 0.0) + probability
    closeness = {
        slug: sum(p * _similarity(partial, final) for (partial, final), p in seen.items())
        for slug, seen in pairs.items()
    }
    return stay_top, stay, closeness


# --- the decisions ---------------------------------------------------------------------------------------------


def decide(answers, kb, *, more=False):
    """The next screen for these answers, or a stop, with the reason. See the module docstring for the rules."""
    answers = _known(answers, kb)
    memo = kb.memo.setdefault("interview.decisions", {})
    key = (frozenset(answers.items()), more)
    if key in memo:
        return memo[key]
    decision = _decide(answers, kb, more)
    if len(memo) > 20000:  # a long-running process: forget, rather than grow without bound
        memo.clear()
    memo[key] = decision
    return decision


def _decide(answers, kb, more):
    open_screens = _open_screens(answers, kb)
    answered = _answered_count(answers, kb)
    if SYMPTOM not in answers:
        return Decision(open_screens[0], SYMPTOM_FIRST, 0, 0.0, 0.0)
    triage = [s for s in open_screens if s.triage]
    if triage:
        return Decision(triage[0], TRIAGE, answered, 0.0, 0.0)
    if not open_screens:
        return Decision(None, COMPLETE, answered, 1.0, 1.0)
    tables = _tables(kb)
    base = _scores(answers, tables)
    candidates = tuple((s.slug, tuple(_options(s, q, tables) for q in s.questions)) for s in open_screens)
    certain = _certain(base, tuple(options for _, group in candidates for options in group), tables)
    if certain and not more:
        return Decision(None, CERTAIN, answered, 1.0, 1.0)
    top_stability, stability, closeness = _look_ahead(base, candidates, tables, _kinds(answers, kb, tables))
    if certain:
        top_stability = stability = 1.0
    if not more and top_stability >= TOP_CONFIDENCE and stability >= CONFIDENCE:
        return Decision(None, LIKELY, answered, stability, top_stability)
    if not more and answered >= MAX_SCREENS:
        return Decision(None, MAX_REACHED, answered, stability, top_stability)
    best = max(open_screens, key=lambda s: (closeness[s.slug], -open_screens.index(s)))
    return Decision(best, CONTINUE if more else MOST_USEFUL, answered, stability, top_stability)


def next_screen(answers, kb, *, more=False):
    """The screen to show next, or None when the checkup should stop and show the result."""
    return decide(answers, kb, more=more).screen


def next_question(answers, kb, *, more=False):
    """The first question of the next screen (the only one, unless it is a grouped screen), or None."""
    screen = next_screen(answers, kb, more=more)
    return screen.questions[0] if screen else None


def should_stop(answers, kb, *, more=False):
    """True when the result is clear enough to show (never while a triage screen is open, never in "more" mode
    before every screen is answered)."""
    return decide(answers, kb, more=more).stopped


# --- the estimate shown as "大约还有 N 步" -----------------------------------------------------------------------


def _likeliest(screen, tables):
    return {q.slug: max(_options(screen, q, tables), key=lambda o: o.probability).choice for q in screen.questions}


def _forecast(answers, kb, more):
    """Screens still to come if every further answer is the likeliest one: the plain forecast, before smoothing."""
    tables = _tables(kb)
    answers = dict(answers)
    count = 0
    while True:
        screen = next_screen(answers, kb, more=more)
        if screen is None:
            return count
        answers.update(_likeliest(screen, tables))
        count += 1


def history(answers, kb, *, more=False):
    """The screens this person has been through, in order, replayed from their answers: the interview is
    deterministic, so each next screen follows from the answers before it. Ends before the first screen they have
    not answered (or where the interview stops)."""
    answers = _known(answers, kb)
    replayed, given = [], {}
    while True:
        screen = next_screen(given, kb, more=more)
        if screen is None or not screen.is_answered(answers):
            return tuple(replayed)
        replayed.append(screen)
        given.update({q.slug: answers[q.slug] for q in screen.questions})


def answered_screens(answers, kb, *, more=False):
    """Every answered screen on this person's path: their history first, then any answered screen it did not
    reach (answers kept from before a change), in asking order. The "check your answers" list."""
    replayed = history(answers, kb, more=more)
    slugs = {screen.slug for screen in replayed}
    answers = _known(answers, kb)
    return replayed + tuple(s for s in screens(answers, kb) if s.slug not in slugs and s.is_answered(answers))


def can_show(answers, kb, slug, *, more=False):
    """A screen may be shown when it is on this person's path and either answered (to look at or change it) or
    the one that comes next. Anything else (skipping ahead by URL, a screen no longer on the path) may not."""
    screen = find_screen(answers, kb, slug)
    if screen is None:
        return False
    return screen.is_answered(_known(answers, kb)) or screen == next_screen(answers, kb, more=more)


def remaining_screens(answers, kb, *, more=False):
    """About how many screens are left after the one shown now ("大约还有 N 步"); 0 when stopping.

    The forecast assumes the likeliest answers from here on. So that the number a person sees never jumps up by
    more than one from one screen to the next, it is smoothed along their own history: at most one more than the
    number shown on the previous screen.
    """
    answers = _known(answers, kb)
    states = [{}]
    for screen in history(answers, kb, more=more):
        states.append({**states[-1], **{q.slug: answers[q.slug] for q in screen.questions}})
    states[-1] = answers  # the answers as they are, including any the replay did not reach
    shown = None
    for state in states:
        estimate = max(_forecast(state, kb, more) - 1, 0)
        shown = estimate if shown is None else min(estimate, shown + 1)
    return shown


# --- a whole interview, for the benchmark, the tests and the admin's simulation ------------------------------


def walk(full_answers, kb, *, more=False):
    """The adaptive interview of a person whose answers are `full_answers` (see `respond`), screen by screen."""
    answers, steps = {}, []
    while True:
        decision = decide(answers, kb, more=more)
        if decision.stopped:
            return Walk(tuple(steps), answers, decision.reason, decision.stability, decision.top_stability)
        remaining = remaining_screens(answers, kb, more=more)
        recorded = respond(decision.screen, full_answers)
        steps.append(Step(decision.screen, decision.reason, remaining, recorded))
        answers = {**answers, **recorded}
