"""Advice that fits the person: conditions on a cause's actions and guides, from the content files to the page.

A link may say `when` (any of these answers was given) and `unless` (none of these was given). The pure tests
build the knowledge base from the files; the page tests go through the real views, database and admin.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnosis import content_files
from diagnosis.content_shapes import CAUSE, ContentError
from diagnosis.engine import ALWAYS, Condition, KnowledgeBase, applicable_answers, diagnose, link_condition
from diagnosis.models import CauseAction, CauseGuide
from diagnosis.presentation import GENERAL_ACTIONS, present

from .journeys import SYMPTOMS, finished_result

# --- what a condition means ------------------------------------------------------------------------------


def test_when_needs_any_of_its_answers_and_unless_none_of_its():
    condition = Condition.from_lists(when=["life_stage=student", "life_stage=minor"], unless=["overdue=current"])
    assert condition.allows({"life_stage": "student"})
    assert condition.allows({"life_stage": "minor", "overdue": "never"})
    assert not condition.allows({"life_stage": "adult"})
    assert not condition.allows({})  # not asked is not "yes": advice that needs a fact waits for it
    assert not condition.allows({"life_stage": "student", "overdue": "current"})
    assert ALWAYS.allows({}) and Condition.from_lists(unless=["x=y"]).allows({})


def test_a_link_is_a_plain_slug_or_a_mapping():
    assert link_condition("list-debts") is ALWAYS
    assert link_condition({"slug": "a", "when": ["business_owner=yes"]}).when == {("business_owner", "yes")}


# --- the content files ------------------------------------------------------------------------------------


def answers_named(kb_file):
    for cause in kb_file["causes"]:
        for field in ("actions", "guides"):
            for link in cause[field]:
                if isinstance(link, dict):
                    for name in ("when", "unless"):
                        for answer in link.get(name, []):
                            yield cause["slug"], link["slug"], answer


def test_every_condition_in_the_files_names_an_answer_that_exists(kb):
    named = list(answers_named(content_files.read_knowledge_base()))
    assert len(named) > 20  # the default content really uses conditions
    for cause, link, answer in named:
        question, _, choice = answer.partition("=")
        assert kb.question(question) and kb.question(question).choice(choice), (cause, link, answer)


def test_a_mapping_without_conditions_is_written_as_its_slug_so_old_fingerprints_hold():
    item = {"slug": "c", "title": "t", "explanation": "e", "actions": [{"slug": "a"}, "b"], "guides": [{"slug": "g"}]}
    normal = CAUSE.normalise(item)
    assert normal["actions"] == ["a", "b"] and normal["guides"] == ["g"]
    conditional = CAUSE.normalise({**item, "actions": [{"slug": "a", "when": ["x=y"], "unless": []}]})
    assert conditional["actions"] == [{"slug": "a", "when": ["x=y"]}]


def test_a_malformed_link_is_a_content_error():
    with pytest.raises(ContentError, match="slug"):
        CAUSE.normalise({"slug": "c", "title": "t", "explanation": "e", "actions": [{"slug": "a", "if": ["x=y"]}]})


def test_loading_a_condition_on_an_unknown_answer_fails_and_changes_nothing(db, tmp_path):
    text = content_files.KNOWLEDGE_BASE_FILE.read_text()
    broken = text.replace("    - business_owner=yes\n", "    - business_owner=maybe\n", 1)
    assert broken != text
    (tmp_path / "kb.yaml").write_text(broken)
    before = list(CauseAction.objects.values_list("cause__slug", "action__slug", "when", "unless"))
    with pytest.raises(ContentError, match="business_owner=maybe"):
        content_files.load(knowledge_base_path=tmp_path / "kb.yaml", force=True)
    assert list(CauseAction.objects.values_list("cause__slug", "action__slug", "when", "unless")) == before


def test_the_database_holds_the_conditions_the_files_hold(db):
    link = CauseAction.objects.get(cause__slug="age_student", action__slug="minor-talk-family")
    assert (link.when, link.unless) == (["life_stage=minor"], [])
    guide = CauseGuide.objects.get(cause__slug="industry_risk", guide__slug="business-loans")
    assert guide.when == ["business_owner=yes"]


# --- any answers: nothing shown breaks its conditions (property) -----------------------------------------


@st.composite
def answer_sets(draw, kb):
    answers = {"symptom": draw(st.sampled_from(SYMPTOMS))}
    for question in kb.questions:
        if question.slug != "symptom" and draw(st.integers(0, 9)) > 0:  # now and then a question left out
            answers[question.slug] = draw(st.sampled_from([c.slug for c in question.choices]))
    return answers


# What a credit counsellor checked in the default content: advice that would contradict these answers.
NEVER_SHOWN = {
    "action:report-threats-110": lambda a: a.get("collection") != "threatened",
    "action:minor-talk-family": lambda a: a.get("life_stage") != "minor",
    "action:student-safe-options": lambda a: a.get("life_stage") != "student",
    "action:business-financing": lambda a: a.get("business_owner") != "yes",
    "action:repay-overdue-today": lambda a: a.get("overdue") != "current",
    "action:stop-borrow-to-repay": lambda a: a.get("repayment_habit") != "revolving",
    "action:accept-ceiling": lambda a: a.get("limit_level") != "high",
    "action:update-identity": lambda a: a.get("identity") == "complete",
    "action:compare-licensed-options": lambda a: (
        a.get("overdue") == "current" or a.get("debt_load") == "high" or a.get("life_stage") in ("student", "minor")
    ),
    "guide:business-loans": lambda a: a.get("business_owner") != "yes",
    "guide:supply-chain-financing": lambda a: a.get("business_owner") != "yes",
    "guide:student-borrowing": lambda a: a.get("life_stage") not in ("student", "minor"),
    "guide:bank-consumer-loans": lambda a: a.get("debt_load") == "high" or a.get("life_stage") in ("student", "minor"),
}


def shown(result):
    """Every action and guide the page would show: (kind:slug, where), where is a finding's cause or "plan"."""
    for item in result.plan:
        yield f"action:{item.slug}", "plan"
    for finding in result.findings:
        for action in finding.actions:
            yield f"action:{action.slug}", finding.slug
        for group in finding.guide_groups:
            for guide in group.guides:
                yield f"guide:{guide.slug}", finding.slug


def test_no_shown_action_or_guide_breaks_its_conditions(kb):
    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(answer_sets(kb))
    def check(answers):
        result = present(kb, answers, diagnose(answers, kb))
        fits = applicable_answers(answers, kb)
        for finding in result.findings:
            cause = kb.cause(finding.slug)
            links = {a.slug: a.condition for a in cause.actions} | {g.slug: g.condition for g in cause.guides}
            for action in finding.actions:
                assert links[action.slug].allows(fits), (finding.slug, action.slug, fits)
            for group in finding.guide_groups:
                for guide in group.guides:
                    assert links[guide.slug].allows(fits), (finding.slug, guide.slug, fits)
        acting = [f for f in result.findings if f.urgent or f.likelihood != "low"]
        for item in result.plan:  # each step comes from a finding it fits, or is a general step
            assert any(item.slug in {a.slug for a in f.actions} for f in acting) or item.slug in GENERAL_ACTIONS, (
                item.slug,
                fits,
            )
        assert result.plan and result.summary.first_action == result.plan[0]  # always something to do first
        assert {i.slug for i in result.plan if i.time_sensitive} <= {i.slug for i in result.plan_now}
        for what, _where in shown(result):
            rule = NEVER_SHOWN.get(what)
            assert rule is None or not rule(fits), (what, fits)

    check()


# --- conditions from the knowledge base's own dicts -------------------------------------------------------


def test_from_content_keeps_each_links_condition():
    question = {
        "slug": "symptom", "text": "?", "short_label": "情况", "help_text": "", "order": 10, "asked_for": [],
        "in_service_summary": True,
        "choices": [{"slug": s, "label": s, "help_text": "", "summary_text": ""} for s in ("a", "b")],
    }  # fmt: skip
    guide = {"slug": "g", "title": "指南", "category": "safety", "order": 1, "status": "published"}
    cause = {
        "slug": "c", "title": "原因", "urgent": False, "urgent_message": "", "explanation": "", "what_would_change": "",
        "order": 1, "actions": [{"slug": "only-a", "when": ["symptom=a"]}, "always"],
        "guides": [{"slug": "g", "unless": ["symptom=a"]}],
        "evidence": [{"answer": f"symptom={s}", "weight": 4, "note": ""} for s in ("a", "b")],
    }  # fmt: skip
    actions = [{"slug": s, "text": s, "detail": "", "priority": 5} for s in ("only-a", "always")]
    kb = KnowledgeBase.from_content(questions=[question], actions=actions, causes=[cause], guides=[guide])
    cause = kb.cause("c")
    assert [a.slug for a in cause.actions_for({"symptom": "a"})] == ["only-a", "always"]
    assert [a.slug for a in cause.actions_for({"symptom": "b"})] == ["always"]
    assert diagnose({"symptom": "a"}, kb).findings[0].guides == ()
    assert diagnose({"symptom": "b"}, kb).findings[0].guides == ("g",)
    assert [i.slug for i in present(kb, {"symptom": "b"}, diagnose({"symptom": "b"}, kb)).plan] == ["always"]


# --- on the page (test client) ---------------------------------------------------------------------------


def page(client, kb, answers):
    return client.get(finished_result(client, kb, answers)).content.decode()


def plan_actions(html):
    return re.findall(r'<li class="plan-item[^"]*" id="plan-item-[^"]+" data-action="([^"]+)"', html)


@pytest.mark.django_db
def test_an_adult_university_student_never_reads_the_advice_for_minors(client, kb, content):
    html = page(client, kb, {"symptom": "limit_restricted", "life_stage": "student"})
    assert "未满 18 岁不能借" not in html  # the plan item for minors, which once came first for students
    assert "minor-talk-family" not in html
    assert plan_actions(html)[0] == "student-safe-options"
    assert 'data-first-action="student-safe-options"' in html
    assert 'href="/guides/student-borrowing/"' in html


@pytest.mark.django_db
def test_a_minor_gets_the_advice_for_minors_first(client, kb, content):
    html = page(client, kb, {"symptom": "limit_restricted", "life_stage": "minor"})
    assert plan_actions(html)[0] == "minor-talk-family" and "student-safe-options" not in html
    assert 'href="/guides/student-borrowing/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("business_owner", ["no", "yes"])
def test_business_financing_only_for_people_who_run_a_business(client, kb, content, business_owner):
    answers = {"symptom": "limit_gone", "industry": "yes", "income": "unstable", "business_owner": business_owner}
    html = page(client, kb, answers)
    assert ('href="/guides/business-loans/"' in html) == (business_owner == "yes")
    assert ('href="/guides/supply-chain-financing/"' in html) == (business_owner == "yes")
    assert ("business-financing" in plan_actions(html)) == (business_owner == "yes")


@pytest.mark.django_db
@pytest.mark.parametrize("overdue", ["never", "past", "current"])
def test_repay_the_overdue_today_only_when_it_is_overdue_now(client, kb, content, overdue):
    html = page(client, kb, {"symptom": "cannot_borrow", "overdue": overdue, "debt_load": "high"})
    assert ("repay-overdue-today" in plan_actions(html)) == (overdue == "current")
    assert ("今天就联系逾期的那家机构" in html) == (overdue == "current")
