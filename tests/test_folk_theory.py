"""Folk theory stays folk theory: rare Alipay use and a never-used line may show as "可能", never as "很可能".

FACTS.md: low activity or an unused line as a cause is not published anywhere. The test walks every
combination of answers that carries evidence for those causes, on every symptom's path, through the real
engine, so a weight raised in the admin or the YAML that lets them reach "很可能" fails here.
"""

import itertools

import pytest

from diagnosis.engine import HIGH_SCORE, SYMPTOM, diagnose

FOLK_THEORY_CAUSES = ["thin_profile", "usage_pattern"]


def combinations_for(kb, cause, symptom):
    """Every way to answer (or skip) the questions on this path that carry evidence for the cause."""
    questions = sorted(
        {r.question for r in kb.evidence if r.cause == cause and r.question != SYMPTOM}
        & {q.slug for q in kb.path(symptom)}
    )
    options = [[None, *(c.slug for c in kb.question(slug).choices)] for slug in questions]
    for picked in itertools.product(*options):
        answers = {SYMPTOM: symptom}
        answers.update({q: c for q, c in zip(questions, picked, strict=True) if c is not None})
        yield answers


@pytest.mark.parametrize("cause", FOLK_THEORY_CAUSES)
def test_no_combination_of_answers_makes_folk_theory_likely(kb, cause):
    symptoms = [c.slug for c in kb.question(SYMPTOM).choices]
    best, tried = 0, 0
    for symptom in symptoms:
        for answers in combinations_for(kb, cause, symptom):
            tried += 1
            found = next((f for f in diagnose(answers, kb).findings if f.cause == cause), None)
            if found is not None:
                assert found.likelihood != "high", (cause, answers, found.score)
                best = max(best, found.score)
    assert tried > len(symptoms)  # the walk really covered answer combinations
    assert 0 < best < HIGH_SCORE, (cause, best)


def test_rarely_using_alipay_and_not_getting_a_line_is_only_a_possibility(kb):
    answers = {SYMPTOM: "limit_restricted", "activity": "rare", "identity": "incomplete"}
    found = next(f for f in diagnose(answers, kb).findings if f.cause == "thin_profile")
    assert found.likelihood == "medium"


def test_folk_theory_causes_say_they_are_not_published(kb):
    for slug in FOLK_THEORY_CAUSES:
        cause = kb.cause(slug)
        assert "没有公开" in cause.explanation and "可能" in cause.explanation, slug
