"""The diagnosis engine against the default knowledge base: every cause reachable and suppressible,
rankings a careful credit counsellor would agree with, and well-formed output for any valid answers.

No database: the knowledge base comes straight from the content files (`KnowledgeBase.from_content`).
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnosis.engine import KnowledgeBase, UnknownAnswer, diagnose, known_answers, likelihood_for

from .journeys import SYMPTOMS

NEUTRAL = {
    "overdue": "never",
    "applications": "none",
    "debt_load": "low",
    "repayment_habit": "scheduled",
    "recent_borrows": "zero_one",
    "usage": "sometimes",
    "limit_level": "mid",
    "income": "stable",
    "industry": "no",
    "business_owner": "no",
    "life_stage": "adult",
    "identity": "complete",
    "activity": "frequent",
    "security_event": "none",
    "message": "none",
    "timing": "anytime",
    "app_version": "latest",
    "regional": "no",
    "scam_contact": "no",
    "collection": "none",
    "coping": "ok",
}


def answers_for(kb, symptom, **overrides):
    """A person with nothing wrong, on this symptom's path, except the overrides."""
    answers = {"symptom": symptom}
    for question in kb.path(symptom, {**NEUTRAL, **overrides}):
        if question.slug != "symptom":
            answers[question.slug] = overrides.get(question.slug, NEUTRAL[question.slug])
    return answers


def finding(result, cause):
    return next((f for f in result.findings if f.cause == cause), None)


# cause → (symptom, the answers that point to it, the answer that rules it out)
REACH = {
    "current_overdue": ("cannot_borrow", {"overdue": "current"}, ("overdue", "never")),
    "scam_risk": ("limit_gone", {"scam_contact": "yes"}, ("scam_contact", "no")),
    "overdue_history": ("renewal_failed", {"overdue": "past"}, ("overdue", "never")),
    "multiple_borrowing": ("cannot_borrow", {"applications": "many"}, ("applications", "none")),
    "high_debt": ("cannot_borrow", {"debt_load": "high"}, ("debt_load", "low")),
    "income_instability": ("renewal_failed", {"income": "unstable", "business_owner": "yes"}, ("income", "stable")),
    "thin_profile": ("limit_restricted", {"activity": "rare"}, ("activity", "frequent")),
    "identity_mismatch": ("limit_restricted", {"identity": "outdated"}, ("identity", "complete")),
    "age_student": ("limit_restricted", {"life_stage": "student"}, ("life_stage", "adult")),
    "platform_tightening": ("limit_gone", {"regional": "yes"}, ("regional", "no")),
    "industry_risk": ("limit_gone", {"industry": "yes", "business_owner": "yes"}, ("industry", "no")),
    "technical_issue": ("cannot_borrow", {"message": "system", "timing": "after_update"}, ("message", "assessment")),
    "borrowing_rules": ("renewal_failed", {"recent_borrows": "many"}, ("recent_borrows", "zero_one")),
    "account_security": ("cannot_borrow", {"security_event": "risk_notice"}, ("security_event", "none")),
    "usage_pattern": ("limit_stuck", {"usage": "never"}, ("usage", "sometimes")),
    "partner_bank_line": ("limit_gone", {"message": "partner_bank"}, ("message", "assessment")),
    "collection_harassment": ("limit_gone", {"debt_load": "high", "collection": "harassed"}, ("collection", "none")),
    "feeling_overwhelmed": ("cannot_borrow", {"debt_load": "high", "coping": "overwhelmed"}, ("coping", "ok")),
}


def test_every_cause_has_a_reach_case(kb):
    assert {c.slug for c in kb.causes} == set(REACH)


@pytest.mark.parametrize("cause", sorted(REACH))
def test_cause_is_reachable(kb, cause):
    symptom, overrides, _ = REACH[cause]
    result = diagnose(answers_for(kb, symptom, **overrides), kb)
    found = finding(result, cause)
    assert found is not None and found.likelihood in ("high", "medium")
    assert result.clear_cause
    assert result.findings[0].cause == cause, "the one thing wrong should rank first"
    assert all(e.question in overrides or e.question == "symptom" or e.weight < 0 for e in found.evidence)


@pytest.mark.parametrize("cause", sorted(REACH))
def test_cause_is_suppressed_by_contrary_answer(kb, cause):
    symptom, overrides, (question, contrary) = REACH[cause]
    answers = answers_for(kb, symptom, **overrides)
    answers[question] = contrary
    found = finding(diagnose(answers, kb), cause)
    assert found is None or found.likelihood == "low"


@pytest.mark.parametrize("cause", sorted(REACH))
def test_negative_evidence_lowers_the_score(kb, cause):
    """Every cause has at least one answer that argues against it, and the engine subtracts it."""
    negatives = [r for r in kb.evidence if r.cause == cause and r.weight < 0]
    assert negatives
    symptom, overrides, _ = REACH[cause]
    rule = negatives[0]
    answers = {k: v for k, v in answers_for(kb, symptom, **overrides).items() if k != rule.question}
    if not kb.question(rule.question).applies_to(symptom):
        return
    before = finding(diagnose(answers, kb), cause)
    after = finding(diagnose({**answers, rule.question: rule.choice}, kb), cause)
    before_score = before.score if before else 0
    after_score = after.score if after else 0
    assert after_score < before_score or (after is None and before_score <= -rule.weight)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_nothing_wrong_gives_no_clear_cause(kb, symptom):
    result = diagnose(answers_for(kb, symptom), kb)
    assert not result.clear_cause
    assert all(f.likelihood == "low" for f in result.findings)


def test_urgent_findings_come_first_even_with_lower_scores(kb):
    answers = answers_for(
        kb, "cannot_borrow", overdue="current", scam_contact="yes", debt_load="high", repayment_habit="revolving",
        applications="many",
    )  # fmt: skip
    result = diagnose(answers, kb)
    assert [f.cause for f in result.findings[:2]] == ["current_overdue", "scam_risk"]
    assert all(f.urgent for f in result.findings[:2])
    assert not any(f.urgent for f in result.findings[2:])


def test_unanswered_questions_give_no_evidence(kb):
    result = diagnose({"symptom": "limit_gone"}, kb)
    for f in result.findings:
        assert [e.question for e in f.evidence] == ["symptom"]
    assert not result.clear_cause


def test_answers_off_the_symptoms_path_are_ignored(kb):
    """limit_level is asked only for limit_stuck; after changing symptom, an old answer must not count."""
    base = answers_for(kb, "cannot_borrow")
    assert diagnose({**base, "limit_level": "high"}, kb) == diagnose(base, kb)


def test_unknown_question_names_the_key(kb):
    with pytest.raises(UnknownAnswer) as err:
        diagnose({"symptom": "limit_gone", "favourite_colour": "blue"}, kb)
    assert "favourite_colour" in str(err.value)


def test_unknown_choice_names_the_key(kb):
    with pytest.raises(UnknownAnswer) as err:
        diagnose({"symptom": "limit_gone", "overdue": "sometimes"}, kb)
    assert "overdue" in str(err.value) and "sometimes" in str(err.value)


def test_known_answers_drops_what_the_knowledge_base_no_longer_knows(kb):
    saved = {"symptom": "limit_gone", "overdue": "retired_choice", "retired_question": "yes", "income": "stable"}
    assert known_answers(saved, kb) == {"symptom": "limit_gone", "income": "stable"}
    assert known_answers(None, kb) == {}
    with pytest.raises(UnknownAnswer) as err:
        known_answers(saved, kb, strict=True)
    assert err.value.key == "overdue=retired_choice"


def test_answers_must_be_an_object(kb):
    with pytest.raises(UnknownAnswer) as err:
        diagnose(["symptom", "limit_gone"], kb)
    assert err.value.key == "answers"


def test_likelihood_bands():
    assert [likelihood_for(s) for s in (1, 2, 3, 5, 6, 12)] == ["low", "low", "medium", "medium", "high", "high"]


# --- people a credit counsellor would recognise ---------------------------------------------------


def test_freelancer_whose_income_fell_and_who_took_another_loan(kb):
    answers = answers_for(kb, "renewal_failed", income="unstable", applications="few", debt_load="medium")
    result = diagnose(answers, kb)
    assert result.findings[0].cause == "income_instability"
    assert finding(result, "multiple_borrowing") is None  # one or two applications in half a year are ordinary


def test_good_payer_in_a_region_hit_by_tightening(kb):
    result = diagnose(answers_for(kb, "limit_gone", regional="yes", message="assessment"), kb)
    assert result.findings[0].cause == "platform_tightening"
    assert result.findings[0].likelihood == "high"


def test_failure_right_after_an_app_update(kb):
    answers = answers_for(kb, "cannot_borrow", message="system", timing="after_update", app_version="outdated")
    result = diagnose(answers, kb)
    assert result.findings[0].cause == "technical_issue"
    assert result.findings[0].likelihood == "high"


def test_shop_owner_in_a_struggling_industry(kb):
    answers = answers_for(kb, "renewal_failed", industry="yes", business_owner="yes", income="changed_job")
    result = diagnose(answers, kb)
    assert result.findings[0].cause == "industry_risk"
    assert finding(result, "income_instability").likelihood in ("medium", "high")


def test_student_who_cannot_open_a_line_is_told_about_the_rule_not_a_scam(kb):
    result = diagnose(answers_for(kb, "limit_restricted", life_stage="student", activity="occasional"), kb)
    assert result.findings[0].cause == "age_student"
    assert not any(f.urgent for f in result.findings)


def test_minor_is_always_high(kb):
    result = diagnose(answers_for(kb, "limit_restricted", life_stage="minor"), kb)
    assert finding(result, "age_student").likelihood == "high"


def test_line_near_its_ceiling_does_not_grow(kb):
    result = diagnose(answers_for(kb, "limit_stuck", limit_level="high"), kb)
    assert result.findings[0].cause == "borrowing_rules"


def test_borrowing_to_repay_points_to_debt_not_to_usage_tricks(kb):
    answers = answers_for(kb, "cannot_borrow", repayment_habit="revolving", debt_load="high", applications="few")
    result = diagnose(answers, kb)
    assert result.findings[0].cause == "high_debt"
    assert finding(result, "multiple_borrowing").likelihood == "medium"


def test_repaying_early_is_never_evidence_against_the_person(kb):
    """Early repayment is allowed and harmless (FACTS.md); it must not raise any cause."""
    assert all(r.weight <= 0 for r in kb.evidence if (r.question, r.choice) == ("repayment_habit", "early"))


# --- any valid answers: deterministic, well-formed, never raises --------------------------------


@st.composite
def valid_answers(draw, kb):
    answers = {"symptom": draw(st.sampled_from(SYMPTOMS))}
    for question in kb.questions:
        if question.slug != "symptom" and draw(st.booleans()):
            answers[question.slug] = draw(st.sampled_from([c.slug for c in question.choices]))
    return answers


def test_any_valid_answers_give_a_well_formed_deterministic_result(kb):
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(valid_answers(kb))
    def check(answers):
        result = diagnose(answers, kb)
        assert result == diagnose(dict(reversed(list(answers.items()))), kb)
        assert result.symptom == answers["symptom"]
        keys = [(not f.urgent, -f.score) for f in result.findings]
        assert keys == sorted(keys)
        assert len({f.cause for f in result.findings}) == len(result.findings)
        for f in result.findings:
            assert f.score > 0 and f.score == sum(e.weight for e in f.evidence)
            assert f.likelihood == likelihood_for(f.score)
            assert all(kb.question(e.question).applies_to(answers["symptom"]) for e in f.evidence)
            assert f.guides and f.title
        assert result.clear_cause == any(f.likelihood != "low" for f in result.findings)
        as_json = json.loads(json.dumps(result.as_dict()))  # what `manage.py diagnose` prints
        assert [(f["cause"], f["score"], f["likelihood"]) for f in as_json["findings"]] == [
            (f.cause, f.score, f.likelihood) for f in result.findings
        ]
        assert all(sum(e["weight"] for e in f["evidence"]) == f["score"] for f in as_json["findings"])

    check()


# --- the knowledge base from content dicts ------------------------------------------------------


def minimal_content(**changes):
    question = {
        "slug": "symptom", "text": "?", "short_label": "情况", "help_text": "", "order": 10, "asked_for": [],
        "in_service_summary": True,
        "choices": [{"slug": "limit_gone", "label": "没了", "help_text": "", "summary_text": ""}],
    }  # fmt: skip
    guide = {"slug": "g", "title": "指南", "category": "safety", "order": 1, "status": "published"}
    cause = {
        "slug": "c", "title": "原因", "urgent": False, "urgent_message": "", "explanation": "", "what_would_change": "",
        "order": 1, "actions": ["a"], "guides": ["draft", "g"],
        "evidence": [{"answer": "symptom=limit_gone", "weight": 4, "note": ""}],
    }  # fmt: skip
    content = {
        "questions": [question],
        "actions": [{"slug": "a", "text": "做", "detail": "", "priority": 5}],
        "causes": [cause],
        "guides": [guide, {**guide, "slug": "draft", "status": "draft"}],
    }
    content.update(changes)
    return content


def test_from_content_links_published_guides_only_and_scores_evidence():
    kb = KnowledgeBase.from_content(**minimal_content())
    assert [g.slug for g in kb.cause("c").guides] == ["g"]
    assert [a.slug for a in kb.cause("c").actions] == ["a"]
    result = diagnose({"symptom": "limit_gone"}, kb)
    assert [(f.cause, f.score, f.likelihood) for f in result.findings] == [("c", 4, "medium")]


def test_from_content_names_an_action_it_does_not_know():
    content = minimal_content(actions=[])
    with pytest.raises(ValueError, match="unknown actions"):
        KnowledgeBase.from_content(**content)
