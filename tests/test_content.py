"""The default content honours the public contract, and load_content / export_content behave."""

import io
import json

import pytest
from django.core.management import call_command

from diagnosis import content_files
from diagnosis.content_shapes import ACTION, CAUSE, GUIDE, QUESTION, SHAPES
from diagnosis.engine import KnowledgeBase, diagnose
from diagnosis.models import Cause, Choice, Evidence, LoadedContent, Question
from guides.models import Category, Guide

from .journeys import SYMPTOMS

ALL = "all"
CONTRACT = {
    "symptom": (list(SYMPTOMS), ALL),
    "overdue": (["never", "past", "current"], ALL),
    "applications": (["none", "few", "many"], ALL),
    "debt_load": (["low", "medium", "high", "unsure"], ALL),
    "income": (["stable", "changed_job", "unstable"], ALL),
    "life_stage": (["adult", "student", "minor"], ALL),
    "identity": (["complete", "outdated", "incomplete"], ALL),
    "activity": (["frequent", "occasional", "rare"], ALL),
    "repayment_habit": (["scheduled", "early", "revolving"], "all but limit_restricted"),
    "usage": (["never", "sometimes", "maxed"], ["limit_stuck", "limit_gone"]),
    "limit_level": (["low", "mid", "high"], ["limit_stuck"]),
    "recent_borrows": (["zero_one", "several", "many"], ["cannot_borrow", "renewal_failed"]),
    "message": (
        ["assessment", "system", "account_risk", "partner_bank", "entry_gone", "none", "unsure"],
        "all but limit_stuck",
    ),
    "timing": (["peak", "after_update", "anytime"], ["cannot_borrow", "renewal_failed"]),
    "app_version": (["latest", "outdated", "unsure"], ["cannot_borrow", "renewal_failed", "limit_gone"]),
    "security_event": (["none", "new_device", "risk_notice"], ALL),
    "industry": (["no", "yes", "unsure"], ALL),
    "regional": (["no", "yes", "unsure"], "all but limit_restricted"),
    "scam_contact": (["no", "yes"], ALL),
    "business_owner": (["no", "yes"], ALL),
    "collection": (["none", "harassed", "threatened", "unsure"], ALL),
    "coping": (["ok", "overwhelmed", "unsure"], ALL),
}
CAUSES = [
    "current_overdue", "overdue_history", "multiple_borrowing", "high_debt", "income_instability", "thin_profile",
    "identity_mismatch", "age_student", "platform_tightening", "industry_risk", "technical_issue", "borrowing_rules",
    "account_security", "usage_pattern", "scam_risk", "collection_harassment", "feeling_overwhelmed",
    "partner_bank_line",
]  # fmt: skip


def expected_symptoms(asked_for):
    if asked_for == ALL:
        return set(SYMPTOMS)
    if isinstance(asked_for, str):
        return set(SYMPTOMS) - {asked_for.removeprefix("all but ")}
    return set(asked_for)


@pytest.mark.parametrize("slug", sorted(CONTRACT))
def test_contract_question_has_its_choices_and_skip_logic(kb, slug):
    choices, asked_for = CONTRACT[slug]
    question = kb.question(slug)
    assert question is not None
    assert set(choices) <= {c.slug for c in question.choices}
    assert {s for s in SYMPTOMS if question.applies_to(s)} == expected_symptoms(asked_for)


def test_contract_causes_exist_and_only_the_right_ones_are_urgent(kb):
    assert set(CAUSES) <= {c.slug for c in kb.causes}
    assert {c.slug for c in kb.causes if c.urgent} == {
        "current_overdue", "scam_risk", "collection_harassment", "feeling_overwhelmed",
    }  # fmt: skip


def test_guide_categories_are_the_contract():
    assert set(Category.values) == {"credit-repair", "platform-contact", "alternative-financing", "safety"}


def test_every_cause_links_to_a_published_guide_and_has_actions(kb):
    for cause in kb.causes:
        assert cause.guides, cause.slug
        assert 2 <= len(cause.actions) <= 4, cause.slug
        assert cause.explanation and cause.title


def test_every_question_text_and_choice_label_is_chinese(kb):
    for question in kb.questions:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in question.text)
        for choice in question.choices:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in choice.label)


def test_the_default_content_files_are_what_export_writes(db, tmp_path):
    """The committed files are in the exporter's own format, so an export after editing gives a clean diff."""
    content_files.export(knowledge_base_path=tmp_path / "kb.yaml", guides_dir=tmp_path)
    assert (tmp_path / "kb.yaml").read_text() == content_files.KNOWLEDGE_BASE_FILE.read_text()
    for path in content_files.GUIDES_DIR.glob("*.md"):
        if path.name != "FORMAT.md":
            assert (tmp_path / path.name).read_text() == path.read_text(), path.name


# --- load_content --------------------------------------------------------------------------------


def snapshot():
    return (
        QUESTION.to_dicts(Question.objects.order_by("slug")),
        CAUSE.to_dicts(Cause.objects.order_by("slug")),
        GUIDE.to_dicts(Guide.objects.order_by("slug")),
    )


def test_load_content_twice_changes_nothing(db):
    before = snapshot()
    report = content_files.load()
    assert report.created == report.updated == report.kept == []
    assert snapshot() == before


def test_load_content_keeps_an_admin_edit(db):
    cause = Cause.objects.get(slug="high_debt")
    cause.title = "编辑改过的标题"
    cause.save()
    report = content_files.load()
    assert report.kept == ["cause:high_debt"]
    assert Cause.objects.get(slug="high_debt").title == "编辑改过的标题"


def test_load_content_force_overwrites_the_admin_edit(db):
    evidence = Evidence.objects.get(cause__slug="high_debt", choice__question__slug="debt_load", choice__slug="high")
    evidence.weight = 1
    evidence.save()
    call_command("load_content", force=True, verbosity=0)
    reloaded = Evidence.objects.get(cause__slug="high_debt", choice__question__slug="debt_load", choice__slug="high")
    assert reloaded.weight == 6


def test_load_content_updates_an_unedited_item_when_the_file_changes(db, tmp_path):
    """A new release of the content files reaches databases whose editors did not touch that item."""
    text = content_files.KNOWLEDGE_BASE_FILE.read_text().replace("title: 负债偏高", "title: 负债偏高（新版）")
    kb_file = tmp_path / "kb.yaml"
    kb_file.write_text(text)
    report = content_files.load(knowledge_base_path=kb_file)
    assert report.updated == ["cause:high_debt"]
    assert Cause.objects.get(slug="high_debt").title == "负债偏高（新版）"


def test_load_content_restores_deleted_items(db):
    Choice.objects.filter(question__slug="overdue", slug="past").delete()
    LoadedContent.objects.filter(key="question:overdue").delete()
    call_command("load_content", force=True, verbosity=0)
    assert Choice.objects.filter(question__slug="overdue", slug="past").exists()
    assert Evidence.objects.filter(choice__question__slug="overdue", choice__slug="past").exists()


def test_export_then_load_is_lossless(db, tmp_path):
    cause = Cause.objects.get(slug="usage_pattern")
    cause.what_would_change = '编辑后的说明：含冒号、引号"和换行\n第二行'
    cause.save()
    guide = Guide.objects.published().first()
    guide.body += "\n\n## 新增一节\n\n- [ ] 新的一步\n"
    guide.save()
    before = snapshot()
    call_command("export_content", knowledge_base=str(tmp_path / "kb.yaml"), guides_dir=str(tmp_path), verbosity=0)
    Cause.objects.all().delete()
    Question.objects.all().delete()
    Guide.objects.all().delete()
    LoadedContent.objects.all().delete()
    content_files.load(knowledge_base_path=tmp_path / "kb.yaml", guides_dir=tmp_path)
    assert snapshot() == before


def test_malformed_content_file_is_a_clear_error(db, tmp_path):
    broken = tmp_path / "kb.yaml"
    broken.write_text("questions: [\n")
    with pytest.raises(content_files.ContentError, match=r"kb\.yaml"):
        content_files.load(knowledge_base_path=broken)


# --- one declared shape per content item ---------------------------------------------------------


def test_the_files_hold_every_item_in_its_declared_shape():
    """What the files hold is already normalised: exactly the dict export writes and the engine reads."""
    kb = content_files.read_knowledge_base()
    for kind, items in (("question", kb["questions"]), ("action", kb["actions"]), ("cause", kb["causes"])):
        for item in items:
            assert SHAPES[kind].fingerprinted(SHAPES[kind].normalise(item)) == item, item["slug"]
    for item in content_files.read_guides():
        assert GUIDE.normalise(item) == item, item["slug"]


def test_the_database_gives_the_same_dicts_as_the_files(db):
    content = content_files.read_content()
    assert QUESTION.to_dicts(QUESTION.rows()) == content["questions"]
    assert ACTION.to_dicts(ACTION.rows()) == sorted(content["actions"], key=lambda a: (a["priority"], a["slug"]))
    assert CAUSE.to_dicts(CAUSE.rows()) == content["causes"]
    by_slug = {guide["slug"]: guide for guide in content["guides"]}
    assert {guide["slug"]: guide for guide in GUIDE.to_dicts(GUIDE.rows())} == by_slug


@pytest.mark.parametrize(
    ("shape", "item", "fingerprint"),
    [
        (
            QUESTION,
            {"slug": "overdue", "text": "逾期？", "short_label": "逾期", "order": 20,
             "asked_for": ["limit_gone", "cannot_borrow"],
             "choices": [{"slug": "never", "label": "没有", "summary_text": "没有逾期"}]},
            "0cd14e537d34975a0c078b04565940a539380a8f375b404e7557120d311e1e0e",
        ),
        (
            CAUSE,
            {"slug": "high_debt", "title": "负债偏高", "explanation": "解释", "order": 40, "actions": ["list-debts"],
             "guides": ["lower-debt-ratio"], "evidence": [{"answer": "debt_load=high", "weight": 6}]},
            "af332460efbbeed8656400b814d0ead4baab4fc2837a411feca3b252985bb313",
        ),
        (
            GUIDE,
            {"slug": "credit-report", "title": "查征信", "category": "credit-repair", "summary": "摘要",
             "last_reviewed": "2026-11-23", "related": ["overdue-recovery", "credit-dispute"], "body": "## 一\n",
             "references": [{"title": "条例"}, {"title": "征信中心", "url": "http://www.pbccrc.org.cn/"}]},
            "0d2ba1c9a23ba9ba761decbd82a071bec8e082d90db4e20bc43a8b53fade95e7",
        ),
        (ACTION, {"slug": "list-debts", "text": "列出借款"},
         "b589eda6468e597de7b076f0569598d17d351ec1c13555861e1a6828ad5525f6"),
    ],
)  # fmt: skip
def test_fingerprints_are_those_existing_databases_recorded(shape, item, fingerprint):
    """A changed normal form would make every loaded item look edited in the admin, and stop content updates.

    The fingerprints were recorded by the hand-written loader the declared shapes replaced.
    """
    assert content_files.digest(shape.fingerprinted(shape.normalise(item))) == fingerprint


# --- manage.py diagnose ---------------------------------------------------------------------------


def run_diagnose(answers):
    """The command in this process: (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("diagnose", answers=answers, stdout=stdout, stderr=stderr)
    except SystemExit as exit:
        return exit.code, stdout.getvalue(), stderr.getvalue()
    return 0, stdout.getvalue(), stderr.getvalue()


def test_diagnose_command_prints_the_findings_as_json(content, kb):
    answers = {"symptom": "limit_gone", "regional": "yes", "overdue": "never", "scam_contact": "yes"}
    status, stdout, stderr = run_diagnose(json.dumps(answers))
    assert status == 0, stderr
    output = json.loads(stdout)
    assert set(output) == {"symptom", "clear_cause", "findings"}
    assert output["symptom"] == "limit_gone" and output["clear_cause"] is True
    assert [f["cause"] for f in output["findings"][:2]] == ["scam_risk", "platform_tightening"]
    first = output["findings"][0]
    assert set(first) == {"cause", "title", "likelihood", "score", "urgent", "evidence", "guides"}
    assert first["evidence"] == [{"question": "scam_contact", "choice": "yes", "weight": 10}]
    assert output == diagnose(answers, kb).as_dict()


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ('{"symptom": "limit_gone", "colour": "red"}', "colour"),
        ('{"symptom": "sad"}', "sad"),
        ("{not json", "JSON"),
        ('["symptom"]', "object"),
    ],
)
def test_diagnose_command_bad_input_exits_2_with_one_line(content, answers, named):
    status, stdout, stderr = run_diagnose(answers)
    assert status == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and named in stderr and stderr.startswith("diagnose: ")


def test_the_interview_keys_reach_the_engine_from_the_database_as_in_the_files(kb):
    """triage, ask_when, screen, unticked, prior and tick survive load_content and knowledge.py unchanged."""
    from_files = KnowledgeBase.from_content(**content_files.read_content())
    assert kb.questions == from_files.questions  # every field of every question and choice, in order
    assert {(r.question, r.choice, r.cause, r.weight) for r in kb.evidence} == {
        (r.question, r.choice, r.cause, r.weight) for r in from_files.evidence
    }
    assert kb.question("collection").ask_when == {("overdue", "current"), ("debt_load", "high")}
    assert kb.question("security_event").choice("risk_notice").tick


def test_a_condition_or_unticked_answer_naming_nothing_is_a_clear_error(db, tmp_path):
    text = content_files.KNOWLEDGE_BASE_FILE.read_text()
    for broken, words in [
        (text.replace("- overdue=current", "- overdue=sometimes"), "ask_when"),
        (text.replace("unticked: anytime", "unticked: never_ever"), "unticked"),
    ]:
        kb_file = tmp_path / "kb.yaml"
        kb_file.write_text(broken)
        with pytest.raises(content_files.ContentError, match=words):
            content_files.load(knowledge_base_path=kb_file, force=True)
