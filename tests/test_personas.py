"""The personas of tests/personas.yaml: the full questionnaire agrees with the counsellor, and the adaptive checkup
agrees with the full questionnaire in far fewer screens (the targets of issue 12). No database needed."""

import itertools
from collections import Counter

import pytest

from diagnosis import interview
from tests.content_kb import default_knowledge_base
from tests.personas import compare, counsellor_disagreements, figures, personas

KB = default_knowledge_base()
PEOPLE = personas()


def test_the_personas_cover_every_symptom_and_are_well_formed():
    assert len(PEOPLE) >= 40
    per_symptom = Counter(p.answers["symptom"] for p in PEOPLE)
    assert set(per_symptom) == {c.slug for c in KB.question("symptom").choices}
    assert min(per_symptom.values()) >= 6
    assert len({p.slug for p in PEOPLE}) == len(PEOPLE)
    causes = {c.slug for c in KB.causes}
    for person in PEOPLE:
        assert person.story and set(person.expect + person.never) <= causes, person.slug
        path = {q.slug for q in KB.path(person.answers["symptom"], person.answers)}
        for question, choice in person.answers.items():
            assert question in path and KB.question(question).choice(choice), (person.slug, question, choice)


def test_the_personas_include_the_people_a_counsellor_worries_about():
    stories = " ".join(p.story for p in PEOPLE)
    for who in ["学生", "17 岁", "催收", "验证码", "信用贷", "月底", "撑不下去"]:
        assert who in stories, who
    assert sum(1 for p in PEOPLE if list(p.answers.values()).count("unsure") >= 5) >= 5  # unsure-heavy people
    assert any(len(p.answers) < len(KB.path(p.answers["symptom"], p.answers)) - 3 for p in PEOPLE)  # partial


@pytest.mark.parametrize("person", PEOPLE, ids=[p.slug for p in PEOPLE])
def test_the_full_questionnaire_agrees_with_the_counsellor(person):
    assert counsellor_disagreements(person, KB) == []


@pytest.fixture(scope="module")
def comparisons():
    return [compare(person, KB) for person in PEOPLE]


def test_the_adaptive_checkup_meets_the_targets(comparisons):
    result = figures(comparisons)
    assert result.median_screens <= 8, result
    assert result.max_screens <= interview.MAX_SCREENS, result
    assert result.same_top >= 0.95, result
    assert result.same_top_three >= 0.95, result
    assert result.median_screens < result.median_full_screens


def test_no_urgent_cause_is_ever_missed(comparisons):
    assert [(c.persona.slug, c.urgent_missed) for c in comparisons if c.urgent_missed] == []


def test_the_remaining_steps_estimate_never_jumps_up_by_more_than_one(comparisons):
    for c in comparisons:
        assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(c.estimates)), c.persona.slug
        assert len(c.estimates) == c.screens


def test_the_estimate_is_honest_about_how_long_it_takes(comparisons):
    """On the symptom screen the estimate is within two screens of what people then answer, for most people."""
    close = sum(1 for c in comparisons if abs((c.estimates[0] + 1) - c.screens) <= 2)
    assert close >= 0.8 * len(comparisons)


def test_the_home_page_promise_is_the_measured_median(comparisons):
    """The home page's "通常 N 步" is the personas' median (rounded): changing the content or the thresholds
    without updating the promise fails here."""
    measured = round(figures(comparisons).median_screens)
    assert measured == interview.TYPICAL_SCREENS
    assert 1 <= interview.TYPICAL_MINUTES <= 5
