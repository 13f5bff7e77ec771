"""A result a worried person can act on in 30 seconds: summary first, one plan to tick off, help within a tap.

The rules (how urgent, what to do first, the plan's order) are pure and tested on the knowledge base from the
files; the page, the checklist without JavaScript, the hotline links and the restart confirmation go through
the real views and database with Django's test client.
"""

import re

import pytest
from django.test import Client

from diagnosis.engine import diagnose
from diagnosis.models import Assessment
from diagnosis.presentation import (
    CALM,
    PLAN_FIRST_STEPS,
    SOON,
    URGENT,
    on_screen_wording,
    present,
    service_summary,
)
from guides.rendering import link_hotlines

from .journeys import SYMPTOMS, answer_all, finished_result

SCAM = {"symptom": "limit_gone", "scam_contact": "yes"}
HEAVY_DEBT = {
    "symptom": "cannot_borrow", "overdue": "past", "applications": "many", "debt_load": "high",
    "repayment_habit": "revolving", "recent_borrows": "many",
}  # fmt: skip


def full_answers(kb, answers):
    """Every question on the symptom's path answered: the given answer, or the first choice (as `walk` does)."""
    return {q.slug: answers.get(q.slug, q.choices[0].slug) for q in kb.path(answers["symptom"])}


def result_view(kb, answers):
    answers = full_answers(kb, answers)
    return present(kb, answers, diagnose(answers, kb))


# --- how urgent, what first (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (SCAM, URGENT),
        ({"symptom": "cannot_borrow", "overdue": "current"}, URGENT),
        ({"symptom": "cannot_borrow", "security_event": "risk_notice", "message": "account_risk"}, SOON),
        (HEAVY_DEBT, SOON),  # borrowing to repay: stopping that is the step not to put off
        ({"symptom": "limit_restricted", "life_stage": "student"}, CALM),
        ({"symptom": "renewal_failed", "message": "system", "timing": "after_update"}, CALM),
    ],
)
def test_urgency_follows_the_findings_and_their_time_sensitive_steps(kb, answers, level):
    summary = result_view(kb, answers).summary
    assert summary.urgency == level
    assert summary.urgency_words == {URGENT: "紧急", SOON: "尽快处理", CALM: "不急"}[level]


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_symptom_gets_a_first_action_that_is_the_plans_first_step(kb, symptom):
    result = result_view(kb, {"symptom": symptom})
    assert result.plan, symptom
    assert result.summary.first_action == result.plan[0]


def test_the_first_action_is_chosen_for_the_person(kb):
    assert result_view(kb, SCAM).summary.first_action.slug == "stop-scam-contact"
    assert result_view(kb, {"symptom": "cannot_borrow", "overdue": "current"}).summary.first_action.slug == (
        "repay-overdue-today"
    )
    assert result_view(kb, HEAVY_DEBT).summary.first_action.slug == "stop-borrow-to-repay"
    assert result_view(kb, {"symptom": "limit_restricted", "life_stage": "minor"}).summary.first_action.slug == (
        "minor-talk-family"
    )


def test_the_summary_names_the_likeliest_causes_in_plain_words(kb):
    summary = result_view(kb, HEAVY_DEBT).summary
    assert summary.causes_label == "最可能的原因"
    assert {"负债偏高", "多头借贷或申请太频繁"} <= set(summary.causes) and len(summary.causes) <= 3


def test_the_plan_is_one_list_urgent_first_then_by_likelihood(kb):
    answers = {**HEAVY_DEBT, "overdue": "current", "scam_contact": "yes"}
    result = result_view(kb, answers)
    slugs = [item.slug for item in result.plan]
    assert len(slugs) == len(set(slugs))
    assert [item.number for item in result.plan] == list(range(1, len(slugs) + 1))
    urgent_steps = {a.slug for f in result.findings if f.urgent for a in f.actions}
    first = slugs[: len(urgent_steps)]
    assert set(first) == urgent_steps  # every urgent finding's steps before any other
    assert first[:2] == ["stop-scam-contact", "report-scam"]
    medium_only = {a.slug for f in result.findings if f.likelihood == "medium" for a in f.actions} - {
        a.slug for f in result.findings if f.urgent or f.likelihood == "high" for a in f.actions
    }
    high_steps = [s for s in slugs if s not in urgent_steps and s not in medium_only]
    assert all(slugs.index(h) < slugs.index(m) for h in high_steps for m in medium_only)


def test_findings_point_to_the_plan_instead_of_repeating_it(kb):
    result = result_view(kb, HEAVY_DEBT)
    numbers = {item.slug: item.number for item in result.plan}
    for finding in result.likely:
        assert [i.number for i in finding.plan_items] == sorted(numbers[a.slug] for a in finding.actions)
        assert finding.other_actions == ()


def test_the_plan_shows_every_time_sensitive_step_unfolded(kb):
    result = result_view(kb, {**HEAVY_DEBT, "overdue": "current", "scam_contact": "yes"})
    assert len(result.plan_now) >= PLAN_FIRST_STEPS
    assert all(item in result.plan_now for item in result.plan if item.time_sensitive)
    assert result.plan_now + result.plan_later == result.plan


def test_the_service_summary_quotes_what_the_app_said(kb):
    assert on_screen_wording("“综合评估未通过”一类的评估提示") == ("综合评估未通过",)
    assert on_screen_wording("“系统繁忙”“网络异常”，或一直显示处理中") == ("系统繁忙", "网络异常")
    assert on_screen_wording("提示账户有风险、受限制或需要验证") == ()
    text = service_summary(kb, full_answers(kb, {"symptom": "cannot_borrow", "message": "assessment"}))
    assert "页面提示：“综合评估未通过，暂时无法借款”或“暂无法提供服务”（或意思相近的话）。" in text
    text = service_summary(kb, full_answers(kb, {"symptom": "cannot_borrow", "message": "system"}))
    assert "页面提示：“系统繁忙”或“网络异常”" in text
    assert "页面提示" not in service_summary(kb, full_answers(kb, {"symptom": "cannot_borrow", "message": "none"}))


# --- hotlines ------------------------------------------------------------------------------------------------


def test_hotlines_in_plain_text_become_tap_to_call_links_and_nothing_else_becomes_markup():
    html = link_hotlines("拨打 95188 或 110；<script>alert(1)</script> 订单号 1100、2110、96110。")
    assert '<a href="tel:95188" class="tel">95188</a>' in html and '<a href="tel:110" class="tel">110</a>' in html
    assert '<a href="tel:96110" class="tel">96110</a>' in html
    assert "tel:1100" not in html and "2110" in html and "tel:2110" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- the page ------------------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def article(html):
    return html[html.index('<article class="result">') :]


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_the_summary_and_first_action_open_every_result(client, kb, content, symptom):
    html = article(client.get(finished_result(client, kb, {"symptom": symptom})).content.decode())
    summary = html.index("data-result-summary")
    assert summary < html.index('id="plan"') and summary < html.index("给客服的情况说明")
    assert html.index("<h1") < summary < html.index("data-first-action") < html.index("</section>")
    assert re.search(r'data-urgency="(urgent|soon|calm)"', html)


def test_urgent_result_page_says_so_and_every_hotline_is_a_link(client, kb, content):
    html = client.get(finished_result(client, kb, {**SCAM, "overdue": "current"})).content.decode()
    assert 'data-urgency="urgent"' in html and ">紧急<" in html
    for number in ("95188", "110", "96110", "12378"):
        assert f'<a href="tel:{number}" class="tel">{number}</a>' in html, number
    text_outside_links = re.sub(r"<a [^>]*>.*?</a>", "", html, flags=re.S)
    assert not re.search(r"(?<![\d\w.:/])(95188|96110|12378|12363)(?![\d])", text_outside_links)


def test_details_are_folded_except_for_urgent_findings_and_unlikely_causes_are_grouped(client, kb, content):
    answers = {**HEAVY_DEBT, "scam_contact": "yes", "activity": "occasional"}  # the last: a low "thin profile"
    html = client.get(finished_result(client, kb, answers)).content.decode()
    urgent = re.search(r'data-cause="scam_risk".*?</section>', html, re.S).group(0)
    assert '<details class="finding__details" open>' in urgent
    likely = re.search(r'data-cause="high_debt".*?</section>', html, re.S).group(0)
    assert '<details class="finding__details">' in likely and "为什么这样判断" in likely
    start = html.index('<details class="unlikely-group"')
    group = html[start : html.index('<section class="service-summary"', start)]
    assert "其他可能、但不太像的原因" in group and 'data-likelihood="low"' in group
    assert " open" not in group.split(">")[0]  # folded
    assert 'data-likelihood="low"' not in html[:start] + html[start + len(group) :]


def test_the_permalink_is_shown_as_text_with_a_copy_button(client, kb, content):
    result_url = finished_result(client, kb, {"symptom": "limit_gone"})
    html = client.get(result_url).content.decode()
    assert f'<code id="permalink">http://testserver{result_url}</code>' in html
    assert re.search(r'<button type="button" class="btn[^"]*" data-copy="permalink"[^>]*hidden>复制链接</button>', html)


def test_guide_summaries_link_their_hotlines(client, content):
    html = client.get("/guides/").content.decode()
    assert '<a href="tel:95188" class="tel">95188</a>' in html


# --- the checklist --------------------------------------------------------------------------------------------


@pytest.fixture
def result_url(client, kb, content):
    return finished_result(client, kb, HEAVY_DEBT)


def plan_of(html):
    return re.findall(r'data-action="([^"]+)"', html)


def ticked(html):
    return re.findall(r'name="done" value="([^"]+)" id="[^"]+" checked', html)


def assessment_of(result_url):
    return Assessment.objects.by_token(result_url.split("/")[2])


def test_ticking_without_javascript_is_a_form_post_back_to_the_plan(client, result_url):
    steps = plan_of(client.get(result_url).content.decode())
    before = assessment_of(result_url).updated_at
    response = client.post(f"{result_url}plan/", {"done": [steps[0], steps[2]]})
    assert response.status_code == 302 and response["Location"] == f"{result_url}#plan"
    html = client.get(result_url).content.decode()
    assert ticked(html) == [steps[0], steps[2]]
    assert re.search(r'<p class="action-plan__status" role="status">已保存你的勾选。</p>', html)
    assessment = assessment_of(result_url)
    assert assessment.plan_done == [steps[0], steps[2]] and assessment.updated_at > before
    assert Client().get(result_url).content.decode().count(" checked") >= 2  # kept for the result, not the browser
    client.post(f"{result_url}plan/", {"done": [steps[2]]})
    assert ticked(client.get(result_url).content.decode()) == [steps[2]]


def test_with_htmx_one_item_changes_and_comes_back_in_place(client, result_url):
    steps = plan_of(client.get(result_url).content.decode())
    client.post(f"{result_url}plan/", {"done": [steps[1]]})
    headers = {"HX-Request": "true"}
    response = client.post(f"{result_url}plan/", {"item": steps[0], "done": [steps[0], steps[1]]}, headers=headers)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<li class="plan-item plan-item--done')
    assert f'id="plan-item-{steps[0]}"' in html and ticked(html) == [steps[0]] and "<html" not in html
    assert assessment_of(result_url).plan_done == [steps[0], steps[1]]
    response = client.post(f"{result_url}plan/", {"item": steps[0]}, headers=headers)  # unticked: no "done"
    assert ticked(response.content.decode()) == []
    assert assessment_of(result_url).plan_done == [steps[1]]  # the other tick is untouched
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "data",
    [
        {"done": ["no-such-action"]},
        {"done": ["minor-talk-family"]},  # a real action, but not on this person's plan
        {"item": "no-such-action", "done": ["no-such-action"]},
        {"item": "<script>", "done": []},
    ],
)
def test_a_tampered_tick_is_a_friendly_400_and_changes_nothing(client, result_url, data):
    steps = plan_of(client.get(result_url).content.decode())
    client.post(f"{result_url}plan/", {"done": [steps[0]]})
    before = assessment_of(result_url)
    response = client.post(f"{result_url}plan/", data)
    assert response.status_code == 400 and "这个请求我们看不懂" in response.content.decode()
    after = assessment_of(result_url)
    assert (after.plan_done, after.updated_at) == (before.plan_done, before.updated_at)


def test_the_checklist_needs_the_csrf_token_and_is_rate_limited(kb, content, settings):
    browser = Client(enforce_csrf_checks=True)
    plain = Client()
    result_url = finished_result(plain, kb, {"symptom": "limit_gone"})
    step = plan_of(plain.get(result_url).content.decode())[0]
    assert browser.post(f"{result_url}plan/", {"done": [step]}).status_code == 403
    assert assessment_of(result_url).plan_done == []

    from django.core.cache import cache

    settings.CHECKUP_RATE_LIMIT = 3
    cache.clear()
    codes = [plain.post(f"{result_url}plan/", {"done": [step]}).status_code for _ in range(5)]
    cache.clear()
    assert codes[:3] == [302, 302, 302] and codes[-1] == 429


def test_the_checklist_of_an_unknown_result_is_404_and_reading_it_is_405(client, result_url):
    assert client.post("/r/" + "b" * 22 + "/plan/", {"done": []}).status_code == 404
    assert client.get(f"{result_url}plan/").status_code == 405


# --- starting over asks first ----------------------------------------------------------------------------


def test_the_restart_button_is_a_link_to_a_confirmation_that_works_without_javascript(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    for page in ("/checkup/scam_contact/", "/"):
        html = client.get(page).content.decode()
        assert '<a href="/checkup/restart/">清空答案，重新开始</a>' in html, page
        assert 'action="/checkup/restart/"' not in html, page  # one tap no longer wipes anything
    confirm = client.get("/checkup/restart/").content.decode()
    assert 'method="post" action="/checkup/restart/"' in confirm and "是的，清空答案" in confirm
    assert 'href="/checkup/"' in confirm  # "不了，回到体检"
    assert Assessment.objects.count() == 1
    answer_all(client, kb, {"symptom": "limit_gone"})
    assert '<a href="/checkup/restart/">' in client.get("/checkup/review/").content.decode()
    assert client.post("/checkup/restart/")["Location"] == "/checkup/symptom/"
    assert Assessment.objects.count() == 0


# --- every hotline anywhere on the site is a tap-to-call link ----------------------------------------------

BARE_HOTLINE = re.compile(r"(?<![0-9A-Za-z./_-])(95188|12378|12363|110|96110|12356|12348)(?![0-9A-Za-z.%_-])")


def bare_hotlines(html):
    """The hotline numbers a reader sees that are not inside a tel: link."""
    html = re.sub(r"<(script|style|code)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<a [^>]*href="tel:[^"]+"[^>]*>.*?</a>', "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return BARE_HOTLINE.findall(text)


def test_no_page_shows_a_hotline_that_cannot_be_tapped(client, kb, content):
    from guides.models import Category, Guide

    pages = ["/", "/guides/", "/checkup/symptom/", "/tools/loan-cost/"]
    pages += [f"/guides/{category.value}/" for category in Category]
    pages += [guide.get_absolute_url() for guide in Guide.objects.published()]
    pages += [finished_result(Client(), kb, {**SCAM, "overdue": "current", "symptom": s}) for s in SYMPTOMS]
    checked = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert bare_hotlines(response.content.decode()) == [], url
        checked += 1
    assert checked > 30


def test_when_no_step_of_the_findings_fits_the_general_steps_stand_in():
    """An editor's weight makes "学生或未成年人" likely for an adult, whose steps are all for students or minors."""
    from diagnosis.content_files import read_content
    from diagnosis.engine import KnowledgeBase

    content = read_content()
    for cause in content["causes"]:
        if cause["slug"] == "age_student":
            cause["evidence"] = [{**row, "weight": 8} if row["answer"] == "life_stage=adult" else row
                                 for row in cause["evidence"]]  # fmt: skip
    kb = KnowledgeBase.from_content(**content)
    answers = full_answers(kb, {"symptom": "limit_restricted", "life_stage": "adult"})
    result = present(kb, answers, diagnose(answers, kb))
    assert result.findings[0].slug == "age_student" and result.findings[0].actions == ()
    assert {item.slug for item in result.plan} == {"check-credit-report", "contact-alipay", "keep-paying-on-time"}
    assert result.summary.first_action.slug == "check-credit-report"
