"""Where a person is in the questionnaire: the path for their symptom, the next step, the progress.

Pure functions over the engine's `KnowledgeBase` and a plain answers dict, like the engine itself, so the
rules ("a skipped step reached by URL goes to the right step", "changing the symptom re-counts the path")
are tested without a request.
"""

from dataclasses import dataclass

from .engine import SYMPTOM

REVIEW = None  # what next_step() returns when every question on the path is answered


@dataclass(frozen=True)
class Progress:
    number: int  # 1-based position of this step on the person's path
    total: int


def path(kb, answers):
    """The questions this person is asked, in order. Before a symptom is chosen, the path is counted for
    the longest symptom path, so "共 N 步" never grows after the first answer."""
    symptom = answers.get(SYMPTOM)
    if symptom is None or kb.question(SYMPTOM).choice(symptom) is None:
        return kb.path(None)
    return kb.path(symptom, answers)


def path_length(kb, answers):
    symptom = answers.get(SYMPTOM)
    if symptom is None or kb.question(SYMPTOM).choice(symptom) is None:
        symptoms = [c.slug for c in kb.question(SYMPTOM).choices]
        return max((len(kb.path(s)) for s in symptoms), default=1)
    return len(kb.path(symptom, answers))


def first_unanswered(kb, answers):
    """The first question on the path without a valid answer, or REVIEW when all are answered."""
    for question in path(kb, answers):
        choice = answers.get(question.slug)
        if choice is None or question.choice(choice) is None:
            return question
    return REVIEW


def is_complete(kb, answers):
    return SYMPTOM in answers and first_unanswered(kb, answers) is REVIEW


def can_show(kb, answers, question):
    """A step is reachable when it is on the path and every step before it is answered."""
    steps = path(kb, answers)
    if question not in steps:
        return False
    first_open = first_unanswered(kb, answers)
    if first_open is REVIEW:
        return True
    return steps.index(question) <= steps.index(first_open)


def next_step(kb, answers, after):
    """The step after `after` on the path (REVIEW after the last one).

    Answered steps are not skipped: someone who went back walks forward through their saved answers,
    each shown selected, as they would in a paper form.
    """
    steps = path(kb, answers)
    if after in steps and steps.index(after) + 1 < len(steps):
        return steps[steps.index(after) + 1]
    return first_unanswered(kb, answers)


def progress(kb, answers, question):
    steps = path(kb, answers)
    number = steps.index(question) + 1 if question in steps else 1
    return Progress(number=number, total=path_length(kb, answers))


def answered_path(kb, answers):
    """(question, choice) for every question on the path, in order: the "check your answers" list."""
    pairs = []
    for question in path(kb, answers):
        choice = question.choice(answers.get(question.slug, ""))
        pairs.append((question, choice))
    return pairs
