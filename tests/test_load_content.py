"""What `load_content` does with editors' work: their deletions stay deleted, `--force` leaves a revision to revert
to, and the references in the content files are web links.

Real database with the default content loaded, real admin views for what editors do, and the real command.
"""

import io
import shutil

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from reversion.models import Version

from diagnosis import content_files
from diagnosis.models import Action, Cause, CauseAction, Choice, Evidence, Question
from guides.models import Guide, Reference, SearchSynonym

from .test_admin import EDITOR_GROUP, PASSWORD, diff_lines, evidence_row, form_values

OVERWRITE_COMMENT = "load_content --force 覆盖前的版本"
OVERWRITTEN_WITH_COMMENT = "load_content --force 载入的内容文件版本"
# One item of each kind, each with something that refers to it (evidence, cause actions, guide links,
# related guides, a synonym's guide), so deleting it also exercises the cascade.
ITEMS = {
    "guide:credit-repair-scams": (Guide, {"slug": "credit-repair-scams"}),
    "question:debt_load": (Question, {"slug": "debt_load"}),
    "action:list-debts": (Action, {"slug": "list-debts"}),
    "cause:high_debt": (Cause, {"slug": "high_debt"}),
    "synonym:催收": (SearchSynonym, {"phrase": "催收"}),
}


def run_load_content(**options):
    stdout = io.StringIO()
    call_command("load_content", stdout=stdout, **options)
    return stdout.getvalue()


@pytest.fixture
def editor_client(client, content):
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR_GROUP))
    client.force_login(user)
    return client


def copy_of_the_content(tmp_path):
    """The default knowledge base and guides in a folder a test may change: (knowledge base path, guides dir)."""
    guides_dir = tmp_path / "guides"
    shutil.copytree(content_files.GUIDES_DIR, guides_dir)
    kb = tmp_path / "kb.yaml"
    shutil.copy(content_files.KNOWLEDGE_BASE_FILE, kb)
    return kb, guides_dir


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- deletions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(ITEMS))
def test_an_item_an_editor_deleted_is_not_recreated(db, key):
    model, lookup = ITEMS[key]
    model.objects.get(**lookup).delete()

    for _ in range(2):  # and it stays that way, run after run
        report = content_files.load()
        assert report.deleted == [key]
        assert report.created == report.updated == report.kept == report.restored == []
        assert not model.objects.filter(**lookup).exists()


def test_the_command_says_what_editors_deleted_and_how_to_bring_it_back(db):
    Guide.objects.get(slug="credit-repair-scams").delete()
    SearchSynonym.objects.get(phrase="催收").delete()

    output = run_load_content()

    assert "deleted by an editor 2" in output
    assert (
        "Deleted by an editor, not recreated (use --force to recreate them): guide:credit-repair-scams, synonym:催收"
        in output
    )


def test_a_guide_deleted_in_the_admin_stays_deleted(editor_client):
    guide = Guide.objects.get(slug="credit-repair-scams")
    response = editor_client.post(f"/admin/guides/guide/{guide.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    run_load_content()

    assert not Guide.objects.filter(slug="credit-repair-scams").exists()
    # What linked to it loads as it is: the links to the deleted guide are left out, nothing is "kept".
    assert not Cause.objects.filter(guides__slug="credit-repair-scams").exists()
    assert SearchSynonym.objects.get(phrase="被骗").guide is None


def test_force_recreates_what_editors_deleted_with_what_refers_to_it(db):
    for model, lookup in ITEMS.values():
        model.objects.get(**lookup).delete()

    output = run_load_content(force=True)

    assert "restored 5" in output
    assert "Recreated what editors had deleted: " + ", ".join(sorted(ITEMS)) in output
    for model, lookup in ITEMS.values():
        assert model.objects.filter(**lookup).exists()
    assert Evidence.objects.filter(cause__slug="high_debt", choice__question__slug="debt_load").count() == 3
    assert CauseAction.objects.filter(cause__slug="high_debt", action__slug="list-debts").exists()
    assert Cause.objects.filter(slug="scam_risk", guides__slug="credit-repair-scams").exists()
    assert SearchSynonym.objects.get(phrase="被骗").guide.slug == "credit-repair-scams"
    assert content_files.load().deleted == []


def test_a_choice_deleted_in_the_question_form_keeps_the_question_and_its_causes_load(editor_client):
    question = Question.objects.get(slug="overdue")
    url = f"/admin/diagnosis/question/{question.pk}/change/"
    data = form_values(editor_client.get(url), "question_form")
    past = Choice.objects.get(question=question, slug="past")
    row = next(k.removesuffix("-id") for k, v in data.items() if k.endswith("-id") and v == [str(past.pk)])
    data[f"{row}-DELETE"] = ["on"]
    assert editor_client.post(url, data).status_code == 302
    assert not Evidence.objects.filter(choice__question__slug="overdue", choice__slug="past").exists()

    report = content_files.load()

    assert report.kept == ["question:overdue"]  # the editor's edit of the question, choice gone
    assert not Choice.objects.filter(question=question, slug="past").exists()
    # The causes whose evidence went with the choice are the file's causes minus that answer: unchanged.
    assert "cause:overdue_history" in report.unchanged
    assert any("cause:overdue_history" in w and "overdue=past" in w for w in report.warnings)


NEW_CAUSE = """\
- slug: new_cause
  title: 新的原因
  explanation: 新版内容加的原因。
  order: 200
  actions: [list-debts]
  guides: [lower-debt-ratio]
  evidence:
  - answer: debt_load=high
    weight: 4
  - answer: usage=maxed
    weight: 2
"""


def evidence_answers(cause):
    return {f"{e.choice.question.slug}={e.choice.slug}" for e in cause.evidence.select_related("choice__question")}


def test_causes_load_without_the_answers_of_a_question_an_editor_deleted(db, tmp_path):
    Question.objects.get(slug="debt_load").delete()  # and with it, every cause's evidence on its answers

    report = content_files.load()

    assert report.deleted == ["question:debt_load"]
    assert "cause:high_debt" in report.unchanged  # the file's cause, less what the editor deleted
    assert any(
        w.startswith("cause:high_debt: left out evidence debt_load=high, debt_load=medium, debt_load=low (")
        for w in report.warnings
    )

    # The next release changes that cause and adds one that weighs the deleted question's answers too.
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(kb, "title: 负债偏高", "title: 负债偏高（新版）")
    kb.write_text(kb.read_text(encoding="utf-8") + NEW_CAUSE, encoding="utf-8")
    report = content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)

    assert (report.updated, report.created) == (["cause:high_debt"], ["cause:new_cause"])
    assert Cause.objects.get(slug="high_debt").title == "负债偏高（新版）"
    assert evidence_answers(Cause.objects.get(slug="high_debt")) == {
        "repayment_habit=revolving", "repayment_habit=early", "usage=maxed"
    }  # fmt: skip
    assert evidence_answers(Cause.objects.get(slug="new_cause")) == {"usage=maxed"}
    assert any(
        w.startswith("cause:new_cause: left out evidence debt_load=high (not in the database") for w in report.warnings
    )
    again = content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)
    assert again.updated == again.created == again.kept == []


def test_a_cause_changed_by_the_cascade_and_by_the_files_is_kept(db, tmp_path):
    """Deleting a question took evidence from the cause, and the files changed it too: both edits, so kept."""
    Question.objects.get(slug="debt_load").delete()
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(kb, "title: 负债偏高", "title: 负债偏高（新版）")

    report = content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)

    assert "cause:high_debt" in report.kept
    assert Cause.objects.get(slug="high_debt").title == "负债偏高"


def test_a_new_answer_missing_from_a_question_the_editor_kept_does_not_stop_the_load(db, tmp_path):
    """A release adds a choice and evidence on it; an editor's own version of the question has no such choice."""
    Question.objects.filter(slug="overdue").update(help_text="编辑改过的说明")
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(
        kb,
        "  - slug: current\n",
        "  - slug: recent\n    label: 最近刚逾期\n    help_text: ''\n    summary_text: ''\n  - slug: current\n",
    )
    replace_in(
        kb, "  - answer: debt_load=high\n", "  - answer: overdue=recent\n    weight: 2\n  - answer: debt_load=high\n"
    )
    replace_in(kb, "title: 负债偏高", "title: 负债偏高（新版）")

    report = content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)

    assert report.kept == ["question:overdue"]
    assert report.updated == ["cause:high_debt"]
    assert not Evidence.objects.filter(choice__slug="recent").exists()
    assert any("overdue=recent" in w for w in report.warnings)


def test_an_answer_the_files_do_not_define_is_still_an_error(db, tmp_path):
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(kb, "answer: debt_load=high\n", "answer: debt_load=hgih\n")
    with pytest.raises(content_files.ContentError, match="debt_load=hgih"):
        content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)


def test_an_item_recreated_by_an_editor_is_an_edit_not_a_deletion(db):
    Action.objects.get(slug="list-debts").delete()
    Action.objects.create(slug="list-debts", text="编辑自己写的行动")

    report = content_files.load()

    assert "action:list-debts" in report.kept and report.deleted == []
    assert Action.objects.get(slug="list-debts").text == "编辑自己写的行动"


# --- --force keeps a revision of what it overwrites -------------------------------------------------


# An editor's change to one item of each kind, and what the revision saved before `--force` must hold: the
# question's change is in a choice and the cause's in its evidence, which their revisions follow.
EDITS = {
    "guide:credit-repair-scams": (Guide.objects.filter(slug="credit-repair-scams"), "summary", "编辑改过"),
    "question:debt_load": (Choice.objects.filter(question__slug="debt_load", slug="high"), "label", "编辑改过"),
    "action:list-debts": (Action.objects.filter(slug="list-debts"), "text", "编辑改过"),
    "cause:high_debt": (Evidence.objects.filter(cause__slug="high_debt", choice__slug="high"), "weight", 1),
    "synonym:催收": (SearchSynonym.objects.filter(phrase="催收"), "words", "编辑改过"),
}


def test_force_saves_a_revision_of_each_item_it_overwrites(db):
    for rows, field, value in EDITS.values():
        assert rows.update(**{field: value}) == 1

    report = content_files.load(force=True)

    assert sorted(report.overwritten) == sorted(EDITS)
    for key, (rows, field, value) in EDITS.items():
        model, lookup = ITEMS[key]
        before, after = Version.objects.get_for_object(model.objects.get(**lookup)).order_by("pk")
        assert (before.revision.comment, after.revision.comment) == (OVERWRITE_COMMENT, OVERWRITTEN_WITH_COMMENT)
        version = before
        saved = [v.field_dict for v in version.revision.version_set.all()]
        assert any(fields.get(field) == value for fields in saved), key
        assert getattr(rows.get(), field) != value  # and the file's version is what the database holds now


def test_a_load_without_force_saves_no_revision(db, tmp_path):
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(kb, "title: 负债偏高", "title: 负债偏高（新版）")
    content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)
    assert not Version.objects.exists()


def test_the_version_force_overwrote_can_be_reverted_in_the_admin(editor_client):
    cause = Cause.objects.get(slug="high_debt")
    evidence = cause.evidence.get(choice__question__slug="debt_load", choice__slug="high")
    url = f"/admin/diagnosis/cause/{cause.pk}/change/"
    data = form_values(editor_client.get(url), "cause_form")
    data["title"] = ["编辑改过的标题"]
    data[f"{evidence_row(data, evidence)}-weight"] = ["1"]
    assert editor_client.post(url, data).status_code == 302

    output = run_load_content(force=True)

    history_url = f"/admin/diagnosis/cause/{cause.pk}/history/"
    assert f"cause:high_debt ({history_url})" in output and "revert" in output
    cause.refresh_from_db()
    assert (cause.title, cause.evidence.get(choice=evidence.choice).weight) == ("负债偏高", 6)
    before_force = Version.objects.get_for_object(cause).get(revision__comment=OVERWRITE_COMMENT)
    after_force = Version.objects.get_for_object(cause).get(revision__comment=OVERWRITTEN_WITH_COMMENT)
    history = editor_client.get(history_url).content.decode()
    assert OVERWRITE_COMMENT in history and OVERWRITTEN_WITH_COMMENT in history
    # What the files replaced, as the editor sees it before deciding to revert.
    changes = editor_client.get(f"{history_url}{after_force.pk}/changes/")
    assert "编辑改过的标题" in diff_lines(changes, "remove") and "负债偏高" in diff_lines(changes, "add")
    revision_url = f"{history_url}{before_force.pk}/"
    assert revision_url in history
    revert_form = editor_client.get(revision_url)
    assert "编辑改过的标题" in revert_form.content.decode()

    response = editor_client.post(revision_url, form_values(revert_form, "cause_form"))

    assert response.status_code == 302
    cause.refresh_from_db()
    assert (cause.title, cause.evidence.get(choice=evidence.choice).weight) == ("编辑改过的标题", 1)
    assert content_files.load().kept == ["cause:high_debt"]


def test_a_synonym_keeps_versions_in_the_admin(editor_client):
    synonym = SearchSynonym.objects.get(phrase="催收")
    synonym.words = "编辑改过"
    synonym.save()
    run_load_content(force=True)
    history = editor_client.get(f"/admin/guides/searchsynonym/{synonym.pk}/history/")
    assert history.status_code == 200
    assert OVERWRITE_COMMENT in history.content.decode()


# --- references in the content files ---------------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://ftp.example.com/notice.pdf",
    "/guides/credit-report/",
    "//www.pbccrc.org.cn/",
    "www.pbccrc.org.cn",
    "http://",
    "https://www.pbc cr c.org.cn/",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_reference_that_is_not_a_web_link_is_a_clear_error(db, tmp_path, url):
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(guides_dir / "credit-report.md", "url: http://www.pbccrc.org.cn/", f"url: '{url}'")

    with pytest.raises(content_files.ContentError) as error:
        content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)

    assert "credit-report" in str(error.value) and url in str(error.value)
    assert Reference.objects.filter(url="http://www.pbccrc.org.cn/").exists()  # nothing was loaded


def test_a_reference_without_a_title_is_a_clear_error(db, tmp_path):
    kb, guides_dir = copy_of_the_content(tmp_path)
    replace_in(guides_dir / "credit-report.md", "- title: 中国人民银行征信中心：个人信用信息服务平台\n  url:", "- url:")
    with pytest.raises(content_files.ContentError, match="credit-report"):
        content_files.load(knowledge_base_path=kb, guides_dir=guides_dir)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://ftp.example.com/notice.pdf", "请填写以 http:// 或 https:// 开头的完整网址。"),
        ("javascript:alert(1)", "输入一个有效的 URL。"),  # not a URL at all: the form field's own message
        ("data:text/html,x", "输入一个有效的 URL。"),
    ],
)
def test_the_admin_accepts_only_web_links_as_references(editor_client, url, message):
    guide = Guide.objects.get(slug="credit-report")
    change_url = f"/admin/guides/guide/{guide.pk}/change/"
    data = form_values(editor_client.get(change_url), "guide_form")
    data["references-0-url"] = [url]

    response = editor_client.post(change_url, data)

    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not Reference.objects.filter(url=url).exists()
    with pytest.raises(ValidationError):
        Reference(guide=guide, title="x", url=url).full_clean()
