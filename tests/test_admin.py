"""The admin as editors use it: guides with preview and history, the knowledge base, simulation and lockout.

Real admin views through the test client on the real database with the default content loaded. Forms are
submitted the way a browser would: the test reads the rendered form and posts back what it shows.
"""

import json
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as reset_lockouts
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from diagnosis.content_shapes import CAUSE
from diagnosis.engine import diagnose
from diagnosis.knowledge import build_knowledge_base, get_knowledge_base
from diagnosis.models import Assessment, Cause, CauseAction, CauseGuide, Evidence, Question
from guides.models import Category, Guide, Reference
from outcomes.models import GuideVote

EDITOR_GROUP = "内容编辑"
PASSWORD = "long-editor-password-2718"
SIMULATE_URL = "/admin/diagnosis/cause/simulate/"


class FormValues(HTMLParser):
    """What a browser without JavaScript submits for one form of a page: name → list of values."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values = {}
        self.textarea = None
        self.text = []
        self.select = None

    def add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside or "disabled" in attrs:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value", "on"))
                return
            self.add(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea" and attrs.get("name"):
            self.textarea, self.text = attrs["name"], []
        elif tag == "select" and attrs.get("name"):
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "first": None, "selected": []}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value") or ""
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["selected"].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            text = "".join(self.text)
            self.add(self.textarea, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = self.select["selected"]
            if not chosen and not self.select["multiple"] and self.select["first"] is not None:
                chosen = [self.select["first"]]
            for value in chosen:
                self.add(self.select["name"], value)
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)


def form_values(response, form_id):
    parser = FormValues(form_id)
    parser.feed(response.content.decode())
    assert parser.values, f"no form #{form_id} on the page"
    return parser.values


def make_guide(**fields):
    fields = {
        "slug": "test-guide",
        "title": "测试指南",
        "summary": "一句话摘要。",
        "category": Category.CREDIT_REPAIR,
        "body": "## 第一步\n\n先查征信。",
        "status": Guide.Status.PUBLISHED,
        "last_reviewed": date(2025, 1, 1),
        **fields,
    }
    return Guide.objects.create(**fields)


@pytest.fixture
def editor(content):
    group = Group.objects.get(name=EDITOR_GROUP)
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# --- The editors' group ---------------------------------------------------------------------------


def test_migration_gives_editors_content_permissions_but_none_on_accounts(db):
    group = Group.objects.get(name=EDITOR_GROUP)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    for model in ("guide", "reference", "question", "choice", "cause", "causeaction", "evidence", "action"):
        app = "guides" if model in {"guide", "reference"} else "diagnosis"
        assert {(app, f"{action}_{model}") for action in ("add", "change", "delete", "view")} <= codenames
    assert ("diagnosis", "view_assessment") in codenames
    assert ("diagnosis", "change_assessment") not in codenames
    assert ("outcomes", "view_guidevote") in codenames  # readers' comments, moved with guide feedback
    assert ("outcomes", "change_guidevote") not in codenames
    assert not [app for app, _ in codenames if app not in {"guides", "diagnosis", "outcomes"}]


def test_editor_opens_the_admin_index(editor_client):
    response = editor_client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/admin/guides/guide/" in page
    assert "/admin/diagnosis/cause/" in page
    assert "/admin/auth/user/" not in page


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"])
def test_editor_cannot_manage_accounts(editor_client, url):
    assert editor_client.get(url).status_code == 403


# --- Guides ---------------------------------------------------------------------------------------


def test_guide_changelist_filters_by_category_and_status(editor_client):
    draft = make_guide(slug="draft-safety", category=Category.SAFETY, status=Guide.Status.DRAFT)
    published = make_guide(slug="published-safety", category=Category.SAFETY)

    response = editor_client.get("/admin/guides/guide/", {"category__exact": "safety", "status__exact": "draft"})

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert draft in shown
    assert published not in shown
    assert all(g.category == "safety" and g.status == "draft" for g in shown)


def test_guide_changelist_searches_the_body(editor_client):
    found = make_guide(slug="needle", body="正文里有一个独特的词：蓝鲸。")

    response = editor_client.get("/admin/guides/guide/", {"q": "蓝鲸"})

    assert list(response.context["cl"].result_list) == [found]


def test_editor_creates_a_guide_with_a_reference(editor_client):
    data = form_values(editor_client.get("/admin/guides/guide/add/"), "guide_form")
    data.update(
        title=["查询个人征信"],
        slug=["check-credit-report"],
        summary=["怎样免费查自己的征信报告。"],
        category=["credit-repair"],
        status=["published"],
        last_reviewed=["2025-03-01"],
        order=["5"],
        body=["## 去哪里查\n\n- [ ] 登录征信中心网站"],
    )
    data["references-0-title"] = ["中国人民银行征信中心"]
    data["references-0-url"] = ["https://www.pbccrc.org.cn/"]

    response = editor_client.post("/admin/guides/guide/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    guide = Guide.objects.get(slug="check-credit-report")
    assert '<h2 id="去哪里查">去哪里查</h2>' in guide.body_html
    assert [r.url for r in guide.references.all()] == ["https://www.pbccrc.org.cn/"]
    assert Version.objects.get_for_object(guide).count() == 1


def test_editor_edits_a_guide(editor_client):
    guide = make_guide()
    url = f"/admin/guides/guide/{guide.pk}/change/"
    data = form_values(editor_client.get(url), "guide_form")
    data["body"] = ["## 新的小标题\n\n改过的正文。"]

    response = editor_client.post(url, data)

    assert response.status_code == 302
    guide.refresh_from_db()
    assert "新的小标题" in guide.body_html
    assert Version.objects.get_for_object(guide).count() == 1  # the guide was created outside the admin


def test_guide_change_form_has_the_htmx_preview_panel(editor_client):
    guide = make_guide()

    page = editor_client.get(f"/admin/guides/guide/{guide.pk}/change/").content.decode()

    assert f'hx-post="/admin/guides/guide/{guide.pk}/preview/"' in page
    assert 'hx-target="#guide-preview"' in page
    assert 'hx-trigger="click, keyup changed delay:800ms from:#id_body"' in page
    assert re.search(r'<script src="[^"]*django_htmx/htmx[^"]*"[^>]*nonce="[^"]+"', page)
    assert 'id="guide-preview"' in page


def test_guide_add_form_previews_through_the_add_url(editor_client):
    page = editor_client.get("/admin/guides/guide/add/").content.decode()

    assert 'hx-post="/admin/guides/guide/preview/"' in page


def test_preview_uses_the_public_renderer_and_drops_scripts(editor_client):
    guide = make_guide()

    response = editor_client.post(
        f"/admin/guides/guide/{guide.pk}/preview/",
        {
            "title": "<b>标题</b>",
            "summary": "摘要",
            "body": '## 标题\n\n<script>alert(1)</script>正文 <span style="color:red">红字</span>',
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    fragment = response.content.decode()
    assert '<h2 id="标题">标题</h2>' in fragment
    assert "<script" not in fragment
    assert "alert(1)" not in fragment
    assert "style=" not in fragment
    assert "&lt;b&gt;标题&lt;/b&gt;" in fragment
    assert "<html" not in fragment  # a fragment, not a page


def test_preview_of_a_new_guide(editor_client):
    response = editor_client.post("/admin/guides/guide/preview/", {"body": "- [ ] 第一步"})

    assert response.status_code == 200
    assert 'class="checklist"' in response.content.decode()


def test_preview_only_accepts_post(editor_client):
    assert editor_client.get("/admin/guides/guide/preview/").status_code == 405


def test_preview_needs_permission_to_edit_guides(client, db):
    staff = User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    assert client.post("/admin/guides/guide/preview/", {"body": "正文"}).status_code == 403


def test_preview_is_refused_to_anonymous_visitors(client, db):
    response = client.post("/admin/guides/guide/preview/", {"body": "正文"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_preview_needs_the_csrf_token(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    browser.get("/admin/guides/guide/add/")  # sets the CSRF cookie, as opening the form does
    token = browser.cookies["csrftoken"].value

    assert browser.post("/admin/guides/guide/preview/", {"body": "正文"}).status_code == 403
    assert (
        browser.post("/admin/guides/guide/preview/", {"body": "正文", "csrfmiddlewaretoken": token}).status_code == 200
    )


def test_view_on_site_opens_the_public_guide(editor_client):
    guide = make_guide(status=Guide.Status.DRAFT)
    content_type = ContentType.objects.get_for_model(Guide)
    shortcut = f"/admin/r/{content_type.pk}/{guide.pk}/"

    assert shortcut in editor_client.get(f"/admin/guides/guide/{guide.pk}/change/").content.decode()
    response = editor_client.get(shortcut)
    assert response.status_code == 302
    assert response["Location"].endswith(guide.get_absolute_url())
    assert editor_client.get(guide.get_absolute_url()).status_code == 200  # staff see drafts


def test_revert_restores_an_earlier_guide_version_with_its_references(editor_client):
    add = form_values(editor_client.get("/admin/guides/guide/add/"), "guide_form")
    add.update(
        title=["原来的标题"],
        slug=["revert-me"],
        summary=["摘要。"],
        category=["safety"],
        status=["published"],
        last_reviewed=["2025-01-01"],
        order=["1"],
        body=["## 原来的正文"],
    )
    add["references-0-title"] = ["国家金融监督管理总局"]
    assert editor_client.post("/admin/guides/guide/add/", add).status_code == 302
    guide = Guide.objects.get(slug="revert-me")
    change_url = f"/admin/guides/guide/{guide.pk}/change/"
    edit = form_values(editor_client.get(change_url), "guide_form")
    edit["body"] = ["## 改坏了的正文"]
    edit["references-0-DELETE"] = ["on"]
    assert editor_client.post(change_url, edit).status_code == 302
    assert not guide.references.exists()
    first = Version.objects.get_for_object(guide).order_by("pk").first()

    history = editor_client.get(f"/admin/guides/guide/{guide.pk}/history/")
    revision_url = f"/admin/guides/guide/{guide.pk}/history/{first.pk}/"
    assert revision_url in history.content.decode()
    revert_form = editor_client.get(revision_url)
    assert "原来的正文" in revert_form.content.decode()
    response = editor_client.post(revision_url, form_values(revert_form, "guide_form"))

    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.body == "## 原来的正文"
    assert "原来的正文</h2>" in guide.body_html
    assert [r.title for r in guide.references.all()] == ["国家金融监督管理总局"]


def diff_lines(response, kind):
    html = response.content.decode()
    pattern = rf'<li class="diff__line diff__line--{kind}">.*?<span class="diff__text">(.*?)</span></li>'
    return [unescape(text) for text in re.findall(pattern, html)]


def test_history_shows_what_each_guide_version_changed(editor_client):
    add = form_values(editor_client.get("/admin/guides/guide/add/"), "guide_form")
    add.update(
        title=["看得见改动"], slug=["see-changes"], summary=["摘要。"], category=["safety"], status=["draft"],
        last_reviewed=["2025-01-01"], order=["1"], body=["## 第一步\n\n先查征信。\n\n## 第二步\n\n再问客服。"],
    )  # fmt: skip
    add["references-0-title"] = ["中国人民银行征信中心"]
    assert editor_client.post("/admin/guides/guide/add/", add).status_code == 302
    guide = Guide.objects.get(slug="see-changes")
    change_url = f"/admin/guides/guide/{guide.pk}/change/"
    edit = form_values(editor_client.get(change_url), "guide_form")
    edit["body"] = ["## 第一步\n\n先查征信报告。\n\n## 第二步\n\n再问客服。"]
    edit["status"] = ["published"]
    edit["references-0-DELETE"] = ["on"]
    assert editor_client.post(change_url, edit).status_code == 302
    first, second = Version.objects.get_for_object(guide).order_by("pk")

    history = editor_client.get(f"/admin/guides/guide/{guide.pk}/history/").content.decode()
    changes_url = f"/admin/guides/guide/{guide.pk}/history/{second.pk}/changes/"
    assert changes_url in history and "查看改动" in history

    response = editor_client.get(changes_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert diff_lines(response, "remove") == ["先查征信。", "草稿", "参考资料：中国人民银行征信中心"]
    assert diff_lines(response, "add") == ["先查征信报告。", "已发布"]
    assert "再问客服。" not in page  # unchanged lines far from the edit are left out
    assert "标题" not in diff_lines(response, "add")  # unchanged fields are not listed
    assert f"/admin/guides/guide/{guide.pk}/history/{second.pk}/" in page  # the way on to revert

    first_page = editor_client.get(f"/admin/guides/guide/{guide.pk}/history/{first.pk}/changes/")
    assert "第一个版本" in first_page.content.decode()
    assert "看得见改动" in diff_lines(first_page, "add")

    other = Guide.objects.exclude(pk=guide.pk).first()
    assert editor_client.get(f"/admin/guides/guide/{other.pk}/history/{second.pk}/changes/").status_code == 404
    assert editor_client.get(f"/admin/guides/guide/{guide.pk}/history/999999/changes/").status_code == 404
    assert Client().get(changes_url).status_code == 302  # not signed in: off to the login page
    assert Guide.objects.get(pk=guide.pk).body.startswith("## 第一步")  # looking never changes anything


def test_history_shows_a_changed_evidence_weight(editor_client):
    evidence = Evidence.objects.select_related("cause").first()
    url = f"/admin/diagnosis/evidence/{evidence.pk}/change/"
    for weight in (evidence.weight, evidence.weight + 2):
        data = form_values(editor_client.get(url), "evidence_form")
        data["weight"] = [str(weight)]
        assert editor_client.post(url, data).status_code == 302
    latest = Version.objects.get_for_object(evidence).order_by("-pk").first()

    response = editor_client.get(f"/admin/diagnosis/evidence/{evidence.pk}/history/{latest.pk}/changes/")

    assert diff_lines(response, "remove") == [str(evidence.weight)]
    assert diff_lines(response, "add") == [str(evidence.weight + 2)]


def count_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(25) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_guide_admin_queries_do_not_grow_with_the_number_of_guides(editor_client, django_assert_max_num_queries):
    guide = make_guide()
    Reference.objects.bulk_create(Reference(guide=guide, title=f"资料 {n}", order=n) for n in range(5))
    urls = ["/admin/guides/guide/", f"/admin/guides/guide/{guide.pk}/change/"]
    editor_client.get(urls[0])  # the first request of a session reads the session from the database
    before = [count_queries(editor_client, url, django_assert_max_num_queries) for url in urls]

    extra = 10 * Guide.objects.count()
    Guide.objects.bulk_create(
        Guide(
            slug=f"extra-{n}",
            title=f"额外的指南 {n}",
            summary="摘要",
            category=Category.SAFETY,
            body="正文",
            last_reviewed=date(2025, 1, 1),
        )
        for n in range(extra)
    )
    guide.related.set(Guide.objects.filter(slug__startswith="extra-")[:20])
    after = [count_queries(editor_client, url, django_assert_max_num_queries) for url in urls]

    assert after == before


# --- Knowledge base -------------------------------------------------------------------------------


def evidence_row(values, evidence):
    """The inline prefix ("evidence-3") of one evidence row in a cause's change form."""
    for key, value in values.items():
        if re.fullmatch(r"evidence-\d+-id", key) and value == [str(evidence.pk)]:
            return key.removesuffix("-id")
    raise AssertionError(f"evidence {evidence.pk} is not in the form")


def test_editing_a_weight_in_the_cause_form_changes_the_knowledge_base(editor_client):
    evidence = Evidence.objects.get(
        cause__slug="current_overdue", choice__question__slug="overdue", choice__slug="current"
    )
    get_knowledge_base()  # remember the current revision, so the change below must show up
    url = f"/admin/diagnosis/cause/{evidence.cause_id}/change/"
    data = form_values(editor_client.get(url), "cause_form")
    data[f"{evidence_row(data, evidence)}-weight"] = ["2"]

    response = editor_client.post(url, data)

    assert response.status_code == 302
    rules = get_knowledge_base().rules_for("overdue", "current")
    assert [r.weight for r in rules if r.cause == "current_overdue"] == [2]


def test_reverting_a_cause_restores_its_evidence_weights(editor_client):
    evidence = Evidence.objects.get(
        cause__slug="current_overdue", choice__question__slug="overdue", choice__slug="current"
    )
    original = evidence.weight
    url = f"/admin/diagnosis/cause/{evidence.cause_id}/change/"
    for weight in (original, 1):  # the first save records today's state as a version
        data = form_values(editor_client.get(url), "cause_form")
        data[f"{evidence_row(data, evidence)}-weight"] = [str(weight)]
        assert editor_client.post(url, data).status_code == 302
    first = Version.objects.get_for_object(evidence.cause).order_by("pk").first()
    revision_url = f"/admin/diagnosis/cause/{evidence.cause_id}/history/{first.pk}/"

    response = editor_client.post(revision_url, form_values(editor_client.get(revision_url), "cause_form"))

    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.weight == original


def test_evidence_weight_edited_on_its_own_page(editor_client):
    evidence = Evidence.objects.select_related("cause").first()
    get_knowledge_base()
    url = f"/admin/diagnosis/evidence/{evidence.pk}/change/"
    data = form_values(editor_client.get(url), "evidence_form")
    data["weight"] = ["-3"]

    assert editor_client.post(url, data).status_code == 302
    choice = evidence.choice
    rules = get_knowledge_base().rules_for(choice.question.slug, choice.slug)
    assert [r.weight for r in rules if r.cause == evidence.cause.slug] == [-3]


def test_evidence_list_filters_by_cause_and_question(editor_client):
    cause = Cause.objects.get(slug="current_overdue")
    question = Question.objects.get(slug="overdue")

    response = editor_client.get(
        "/admin/diagnosis/evidence/", {"cause__id__exact": cause.pk, "choice__question__id__exact": question.pk}
    )

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown
    assert {(e.cause_id, e.choice.question_id) for e in shown} == {(cause.pk, question.pk)}


def test_evidence_choice_autocomplete_finds_choices(editor_client):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "diagnosis", "model_name": "evidence", "field_name": "choice", "term": "overdue"},
    )

    assert response.status_code == 200
    assert any(result["text"].startswith("overdue=current") for result in response.json()["results"])


@pytest.mark.parametrize("url", ["/admin/diagnosis/question/", "/admin/diagnosis/cause/", "/admin/diagnosis/action/"])
def test_knowledge_base_lists_open_for_editors(editor_client, url):
    assert editor_client.get(url).status_code == 200


def test_question_form_edits_choices_inline(editor_client):
    question_url = "/admin/diagnosis/question/"
    page = editor_client.get(question_url).content.decode()
    change = re.search(r'href="(/admin/diagnosis/question/\d+/change/)', page).group(1)

    form = editor_client.get(change)

    assert 'name="choices-TOTAL_FORMS"' in form.content.decode()
    assert 'id="id_asked_for"' in form.content.decode()


# --- Simulation -----------------------------------------------------------------------------------


def test_cause_list_links_to_the_simulation(editor_client):
    assert SIMULATE_URL in editor_client.get("/admin/diagnosis/cause/").content.decode()


def test_simulation_shows_exactly_what_the_engine_returns(editor_client):
    answers = {"symptom": "cannot_borrow", "overdue": "current"}
    expected = diagnose(answers, build_knowledge_base())

    response = editor_client.get(SIMULATE_URL, answers)

    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="simulate-findings"')
    table = page[start : page.index("</table>", start)]
    assert re.findall(r'<tr data-cause="([^"]+)"', table) == [f.cause for f in expected.findings]
    assert "current_overdue" in table
    raw = re.search(r'<pre id="simulate-json">(.*?)</pre>', page, re.S).group(1)
    assert json.loads(unescape(raw)) == expected.as_dict()
    top = expected.findings[0]
    assert f"{top.evidence[0].question}={top.evidence[0].choice} {top.evidence[0].weight:+d}" in table


def test_simulation_shows_the_screens_the_checkup_would_show_and_why_it_stops(editor_client):
    from diagnosis import interview

    answers = {"symptom": "limit_gone", "scam_contact": "no", "overdue": "never", "debt_load": "low"}
    walk = interview.walk(answers, build_knowledge_base())
    response = editor_client.get(SIMULATE_URL, answers)
    page = response.content.decode()
    table = page[page.index('id="simulate-walk"') : page.index("</table>", page.index('id="simulate-walk"'))]
    assert re.findall(r'<tr data-screen="([^"]+)"', table) == [step.screen.slug for step in walk.steps]
    assert "先问遇到的情况" in table and "分诊：紧要的问题先问" in table
    stop = re.search(r'<p id="simulate-stop">(.*?)</p>', page, re.S).group(1)
    assert f"问了 {walk.screens} 屏后停下" in stop
    assert walk.stop_reason in (interview.CERTAIN, interview.LIKELY)
    assert ("结果已确定" in stop) == (walk.stop_reason == interview.CERTAIN)

    more = editor_client.get(SIMULATE_URL, {**answers, "simulate_more": "on"}).content.decode()
    full = interview.walk(answers, build_knowledge_base(), more=True)
    assert more.count("<tr data-screen=") == full.screens > walk.screens
    assert "多回答模式：继续问" in more


def test_editors_set_priors_ticks_and_how_a_question_is_asked(editor_client):
    question = Question.objects.get(slug="industry")
    page = editor_client.get(f"/admin/diagnosis/question/{question.pk}/change/").content.decode()
    for name in ("triage", "ask_when", "screen", "unticked", "choices-0-prior", "choices-0-tick"):
        assert f'name="{name}"' in page, name
    assert "大约每 100 人有几人选这一项" in page and "分组屏" in page


def test_simulation_names_answers_the_engine_ignores_for_the_symptom(editor_client):
    answers = {"symptom": "limit_restricted", "repayment_habit": "scheduled"}  # not asked for this symptom
    expected = diagnose(answers, build_knowledge_base())

    response = editor_client.get(SIMULATE_URL, answers)

    assert [q.slug for q in response.context["ignored"]] == ["repayment_habit"]
    assert response.context["diagnosis"] == expected


def test_simulation_form_offers_unanswered_for_every_question(editor_client):
    response = editor_client.get(SIMULATE_URL)

    assert response.status_code == 200
    assert "diagnosis" not in response.context
    form = response.context["form"]
    assert set(form.fields) == {q.slug for q in build_knowledge_base().questions} | {"simulate_more"}
    assert all(field.choices[0] == ("", "未回答") for name, field in form.fields.items() if name != "simulate_more")


def test_simulation_needs_a_symptom(editor_client):
    response = editor_client.get(SIMULATE_URL, {"symptom": "", "overdue": "current"})

    assert response.status_code == 200
    assert "diagnosis" not in response.context
    assert "symptom" in response.context["form"].errors


def test_simulation_needs_permission_to_view_causes(client, db):
    staff = User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    assert client.get(SIMULATE_URL, {"symptom": "cannot_borrow"}).status_code == 403


# --- Assessments ----------------------------------------------------------------------------------


def test_assessments_are_read_only_and_hide_the_token(admin_client):
    assessment = Assessment.objects.create(answers={"symptom": "cannot_borrow", "overdue": "current"})
    change_url = f"/admin/diagnosis/assessment/{assessment.pk}/change/"

    listing = admin_client.get("/admin/diagnosis/assessment/")
    detail = admin_client.get(change_url)

    assert listing.status_code == 200
    assert "cannot_borrow" in listing.content.decode()
    assert assessment.token not in listing.content.decode()
    assert detail.status_code == 200
    assert assessment.token not in detail.content.decode()
    assert not listing.context["has_add_permission"]
    assert admin_client.get("/admin/diagnosis/assessment/add/").status_code == 403
    assert admin_client.post(change_url, {"answers": "{}"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.answers["overdue"] == "current"


def test_editors_may_look_at_assessments(editor_client):
    assert editor_client.get("/admin/diagnosis/assessment/").status_code == 200


# --- Readers' guide feedback ------------------------------------------------------------------------


def test_editors_read_guide_feedback_but_cannot_change_it(editor_client):
    vote = GuideVote.objects.create(
        guide=Guide.objects.get(slug="credit-report"), helpful=False, comment="看不懂第二节", voter="v"
    )
    assert "/admin/outcomes/guidevote/" in editor_client.get("/admin/").content.decode()
    listing = editor_client.get("/admin/outcomes/guidevote/")
    assert listing.status_code == 200 and "看不懂第二节" in listing.content.decode()
    change_url = f"/admin/outcomes/guidevote/{vote.pk}/change/"
    assert editor_client.get(change_url).status_code == 200
    assert editor_client.post(change_url, {"comment": "改掉"}).status_code == 403
    assert editor_client.get("/admin/outcomes/guidevote/add/").status_code == 403
    vote.refresh_from_db()
    assert vote.comment == "看不懂第二节"


def test_guide_feedback_links_from_before_it_moved_still_arrive(editor_client):
    response = editor_client.get("/admin/guides/guidevote/", {"helpful__exact": "0"})
    assert response.status_code == 301 and response["Location"] == "/admin/outcomes/guidevote/?helpful__exact=0"
    assert editor_client.get("/admin/guides/guidevote/7/change/")["Location"] == "/admin/outcomes/guidevote/7/change/"


# --- Login lockout --------------------------------------------------------------------------------


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, editor):
    reset_lockouts()
    for attempt in range(5):
        response = client.post("/admin/login/", {"username": "editor", "password": f"wrong-{attempt}"})
        if attempt < 4:
            assert response.status_code == 200  # the login form again, with an error

    response = client.post("/admin/login/", {"username": "editor", "password": PASSWORD})

    assert response.status_code in {403, 429}
    page = response.content.decode()
    assert "登录失败次数过多" in page
    assert "15 分钟" in page
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="editor").exists()


def test_a_successful_login_before_the_limit_works(client, editor):
    reset_lockouts()
    client.post("/admin/login/", {"username": "editor", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "editor", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- Conditions on a cause's actions and guides -----------------------------------------------------------


def test_a_condition_set_in_the_admin_changes_what_the_page_shows(editor_client, client, kb):
    """An editor shows "多头借贷"'s list-your-debts step only to people whose debts weigh: others no longer get it."""
    cause = Cause.objects.get(slug="multiple_borrowing")
    url = f"/admin/diagnosis/cause/{cause.pk}/change/"
    response = editor_client.get(url)
    assert "只在这些回答时显示" in response.content.decode() and "business_owner=yes" in response.content.decode()
    data = form_values(response, "cause_form")
    link = CauseAction.objects.get(cause=cause, action__slug="list-debts")
    prefix = next(k.removesuffix("-id") for k, v in data.items() if k.endswith("-id") and v == [str(link.pk)]
                  and k.startswith("cause_actions"))  # fmt: skip
    data[f"{prefix}-unless"] = ["debt_load=low", "debt_load=medium"]
    assert editor_client.post(url, data).status_code == 302
    link.refresh_from_db()
    assert link.unless == ["debt_load=low", "debt_load=medium"]
    listed = {a.slug for a in get_knowledge_base().cause("multiple_borrowing").actions_for({"debt_load": "low"})}
    assert "list-debts" not in listed and "pause-applications" in listed
    exported = CAUSE.to_dicts(Cause.objects.filter(pk=cause.pk))[0]["actions"]
    assert {"slug": "list-debts", "unless": ["debt_load=low", "debt_load=medium"]} in exported


def test_the_admin_refuses_a_condition_on_an_answer_that_does_not_exist(editor_client):
    cause = Cause.objects.get(slug="industry_risk")
    link = CauseGuide.objects.get(cause=cause, guide__slug="business-loans")
    CauseGuide.objects.filter(pk=link.pk).update(when=["business_owner=maybe"])  # e.g. a choice deleted since
    url = f"/admin/diagnosis/cause/{cause.pk}/change/"
    response = editor_client.get(url)
    assert "已不存在的回答" in response.content.decode()
    response = editor_client.post(url, form_values(response, "cause_form"))
    assert response.status_code == 200 and "这些回答已不存在：business_owner=maybe" in response.content.decode()
    link.refresh_from_db()
    assert link.when == ["business_owner=maybe"]
