"""The questionnaire and results through the real views, database and templates (Django's test client).

Journeys for every symptom, back and change-from-review, start over, permalinks, delete, expiry, htmx
partials, and every bad input the issue lists: each must end on a friendly page or the right step.
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from diagnosis import flow
from diagnosis.models import Assessment
from diagnosis.views import COOKIE

from .journeys import SYMPTOMS, answer_all, finish

pytestmark = pytest.mark.django_db

MARKERS = re.compile(r'data-cause="([^"]+)" data-likelihood="(high|medium|low)" data-urgent="(true|false)"')


def markers(html):
    return MARKERS.findall(html)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_each_symptom_from_home_to_results(client, kb, content, symptom):
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/checkup/"' in home.content.decode()

    url, asked = answer_all(client, kb, {"symptom": symptom})
    assert asked == [q.slug for q in kb.path(symptom)]  # skip logic: exactly this symptom's path

    review = client.get(url).content.decode()
    assert review.count('class="summary-list__row"') == len(asked)

    result_url = finish(client)
    page = client.get(result_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "给客服的情况说明" in html and "你的行动清单" in html
    assessment = Assessment.objects.current().by_token(result_url.split("/")[2])
    assert assessment.is_finished and assessment.answers["symptom"] == symptom


def test_questions_not_asked_for_the_symptom_never_appear(client, kb, content):
    _, asked = answer_all(client, kb, {"symptom": "cannot_borrow"})
    assert "limit_level" not in asked and "usage" not in asked
    response = client.get("/checkup/limit_level/")  # reached by URL anyway
    assert response.status_code == 302 and response["Location"] == "/checkup/review/"


def test_progress_counts_the_persons_path_and_follows_a_changed_symptom(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_stuck"})
    total_stuck = len(kb.path("limit_stuck"))
    html = client.get("/checkup/overdue/").content.decode()
    assert f"第 2 步，共 {total_stuck} 步" in html
    client.post("/checkup/symptom/", {"symptom": "limit_restricted"})
    total_restricted = len(kb.path("limit_restricted"))
    assert total_restricted != total_stuck
    html = client.get("/checkup/overdue/").content.decode()
    assert f"第 2 步，共 {total_restricted} 步" in html


def test_back_keeps_every_answer(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "renewal_failed"})
    client.post("/checkup/overdue/", {"overdue": "past"})
    page = client.get("/checkup/overdue/").content.decode()
    assert re.search(r'value="past" id="[^"]+" checked', page)
    assert 'href="/checkup/symptom/"' in page  # the back link
    page = client.get("/checkup/symptom/").content.decode()
    assert re.search(r'value="renewal_failed" id="[^"]+" checked', page)
    # Continuing from an earlier step walks forward through the saved answers, not past them.
    response = client.post("/checkup/symptom/", {"symptom": "renewal_failed"})
    assert response["Location"] == "/checkup/overdue/"


def test_change_from_review_returns_to_review_and_drops_answers_that_no_longer_apply(client, kb, content):
    url, _ = answer_all(client, kb, {"symptom": "cannot_borrow", "recent_borrows": "many", "timing": "peak"})
    page = client.get(url).content.decode()
    assert 'data-question="recent_borrows"' in page
    assert 'href="/checkup/overdue/?from=review"' in page

    response = client.post("/checkup/overdue/", {"overdue": "past", "from": "review"})
    assert response["Location"] == "/checkup/review/"

    # limit_restricted asks a subset of the questions: straight back to review, without the others.
    assert {q.slug for q in kb.path("limit_restricted")} < {q.slug for q in kb.path("cannot_borrow")}
    response = client.post("/checkup/symptom/", {"symptom": "limit_restricted", "from": "review"})
    assert response["Location"] == "/checkup/review/"
    page = client.get("/checkup/review/").content.decode()
    assert 'data-question="recent_borrows"' not in page and 'data-question="timing"' not in page
    result_url = finish(client)
    saved = Assessment.objects.current().by_token(result_url.split("/")[2]).answers
    assert set(saved) == {q.slug for q in kb.path("limit_restricted")}
    assert saved["overdue"] == "past"


def test_change_to_a_symptom_with_unanswered_questions_asks_them_then_returns_to_review(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    response = client.post("/checkup/symptom/", {"symptom": "cannot_borrow", "from": "review"})
    missing = flow.first_unanswered(kb, Assessment.objects.get().answers)
    assert missing is not flow.REVIEW
    assert response["Location"] == f"/checkup/{missing.slug}/?from=review"
    assert client.get("/checkup/review/")["Location"] == f"/checkup/{missing.slug}/"
    asked = []
    while missing is not flow.REVIEW:
        response = client.post(f"/checkup/{missing.slug}/", {missing.slug: missing.choices[0].slug, "from": "review"})
        asked.append(missing.slug)
        missing = flow.first_unanswered(kb, Assessment.objects.get().answers)
    assert response["Location"] == "/checkup/review/"
    assert set(asked) == {q.slug for q in kb.path("cannot_borrow")} - {q.slug for q in kb.path("limit_gone")}


def test_start_over_clears_unfinished_answers(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    assert Assessment.objects.count() == 1
    assert client.get("/checkup/restart/").status_code == 200  # a confirmation page, never a state change
    assert Assessment.objects.count() == 1
    response = client.post("/checkup/restart/")
    assert response["Location"] == "/checkup/symptom/"
    assert Assessment.objects.count() == 0
    assert client.get("/checkup/")["Location"] == "/checkup/symptom/"


def test_start_over_keeps_finished_results(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    result_url = finish(client)
    client.post("/checkup/restart/")
    assert Client().get(result_url).status_code == 200


def test_refresh_and_resubmit_never_lose_answers(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    for _ in range(2):  # a refresh after POST, or a double tap
        response = client.post("/checkup/symptom/", {"symptom": "limit_gone"})
        assert response.status_code == 302
    assert Assessment.objects.count() == 1
    assert client.get("/checkup/symptom/").status_code == 200


def test_result_permalink_in_a_fresh_session_and_double_finish(client, kb, content):
    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    result_url = finish(client)
    again = client.post("/checkup/review/")  # double submit
    assert again.status_code == 302 and again["Location"] == result_url
    assert Assessment.objects.count() == 1

    stranger = Client()
    html = stranger.get(result_url).content.decode()
    assert markers(html)[0] == ("current_overdue", "high", "true")


def test_token_is_random_and_not_sequential(client, kb, content):
    tokens = set()
    for _ in range(3):
        browser = Client()
        answer_all(browser, kb, {"symptom": "limit_gone"})
        tokens.add(finish(browser).split("/")[2])
    assert len(tokens) == 3
    assert all(len(t) >= 20 and not t.isdigit() for t in tokens)


def test_finished_result_is_read_only_and_a_change_starts_a_new_checkup(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    result_url = finish(client)
    original = Assessment.objects.get()
    client.post("/checkup/overdue/", {"overdue": "current"})
    original.refresh_from_db()
    assert original.answers["overdue"] != "current"
    assert Assessment.objects.count() == 2
    assert Client().get(result_url).status_code == 200


def test_delete_my_result(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    result_url = finish(client)
    token = result_url.split("/")[2]
    confirm = client.get(f"/r/{token}/delete/")
    assert confirm.status_code == 200 and "确认删除" in confirm.content.decode()
    response = client.post(f"/r/{token}/delete/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert Assessment.objects.by_token(token) is None
    assert "已经删除" in client.get("/").content.decode()
    gone = client.get(result_url)
    assert gone.status_code == 404 and "找不到这个页面" in gone.content.decode()
    assert client.post(f"/r/{token}/delete/").status_code == 404


def test_results_expire_and_purge_removes_them(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    result_url = finish(client)
    assessment = Assessment.objects.get()
    assert timedelta(days=29) < assessment.expires_at - timezone.now() <= timedelta(days=30)
    Assessment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(result_url).status_code == 404  # expired is gone at once, purge or not
    fresh = Assessment.objects.create(answers={"symptom": "limit_gone"})
    call_command("purge_results", verbosity=0)
    assert list(Assessment.objects.all()) == [fresh]


def test_result_page_shows_why_what_would_change_actions_and_guides_by_category(client, kb, content):
    answers = {"symptom": "cannot_borrow", "overdue": "past", "applications": "many", "debt_load": "high"}
    answer_all(client, kb, answers)
    html = client.get(finish(client)).content.decode()
    found = markers(html)
    assert found, "no findings"
    assert "为什么这样判断" in html and "什么会改变这个结果" in html
    applications = kb.question("applications")
    reason = f"你的回答“{applications.short_label}：{applications.choice('many').label}”让这个原因更可能"
    finding = re.search(r'data-cause="multiple_borrowing".*?</section>', html, re.S).group(0)
    assert escape(reason) in finding  # the person's own answer, in their words, under the cause it raised
    assert "征信与还款：" in html
    assert html.count('data-action="') == len(set(re.findall(r'data-action="([^"]+)"', html)))  # no repeats


def test_urgent_findings_come_first_as_alerts(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_stuck", "overdue": "current", "scam_contact": "yes"})
    html = client.get(finish(client)).content.decode()
    assert html.index('data-urgency="urgent"') < html.index("data-cause=")  # "紧急" is the first thing said
    urgent = [m for m in markers(html) if m[2] == "true"]
    assert {m[0] for m in urgent} == {"current_overdue", "scam_risk"}
    assert markers(html)[: len(urgent)] == urgent
    assert html.count('class="urgent-alert"') == len(urgent)  # each urgent finding says what to do today
    assert '<a href="tel:110" class="tel">110</a>' in html and "验证码" in html


def test_no_clear_cause_says_so_and_gives_general_steps(client, kb, content):
    quiet = {}
    for question in kb.questions:  # the answers that point at nothing in particular
        for choice in question.choices:
            if all(r.weight <= 0 for r in kb.rules_for(question.slug, choice.slug)):
                quiet[question.slug] = choice.slug
                break
    quiet["symptom"] = "limit_stuck" if "limit_stuck" in quiet.values() else "cannot_borrow"
    answer_all(client, kb, quiet)
    html = client.get(finish(client)).content.decode()
    assert not [m for m in markers(html) if m[1] in ("high", "medium")]
    assert "没有找到明确的原因" in html
    assert 'data-action="check-credit-report"' in html and 'data-action="contact-alipay"' in html


def test_service_summary_is_factual_and_has_nothing_personal(client, kb, content):
    answer_all(client, kb, {"symptom": "renewal_failed", "overdue": "never", "debt_load": "unsure"})
    html = client.get(finish(client)).content.decode()
    summary = re.search(r'<pre class="service-summary__text"[^>]*>(.*?)</pre>', html, re.S).group(1)
    assert "按时还清上一笔后" in summary
    assert "近 5 年没有逾期记录" in summary
    assert "我不确定" not in summary
    assert "身份证" not in summary and "手机号" not in summary


def test_htmx_step_swaps_the_next_screen_and_pushes_its_url(client, kb, content):
    response = client.post("/checkup/symptom/", {"symptom": "limit_gone"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/checkup/overdue/"
    html = response.content.decode()
    assert html.lstrip().startswith("<title>") and 'data-step="overdue"' in html
    assert "<html" not in html and "site-footer" not in html
    assert "HX-Request" in response["Vary"]
    # A history restore (back button after the cache is gone) gets the whole page.
    full = client.get("/checkup/overdue/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in full.content.decode()


def test_htmx_validation_error_stays_on_the_step_with_an_announced_error(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    response = client.post("/checkup/overdue/", {"overdue": "nope"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Push-Url" not in response
    assert 'role="alert"' in html and "这个选项不在列表里" in html
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


@pytest.mark.parametrize("value", ["", "bogus", "limit_gone' OR 1=1", "<script>alert(1)</script>", "x" * 5000])
def test_tampered_choice_reshows_the_step_and_keeps_saved_answers(client, kb, content, value):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    response = client.post("/checkup/overdue/", {"overdue": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请先回答这个问题" in html and "<script>alert" not in html
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


def test_skipped_step_reached_by_url_goes_to_the_step_that_is_due(client, kb, content):
    assert client.get("/checkup/income/")["Location"] == "/checkup/symptom/"
    assert client.post("/checkup/income/", {"income": "stable"})["Location"] == "/checkup/symptom/"
    assert Assessment.objects.count() == 0
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    assert client.get("/checkup/life_stage/")["Location"] == "/checkup/overdue/"
    assert client.get("/checkup/review/")["Location"] == "/checkup/overdue/"


@pytest.mark.parametrize("path", ["/checkup/nope/", "/r/short/", "/r/" + "a" * 22 + "/", "/r/!!!!!!!!!!!!!!!!!!!!!!/"])
def test_unknown_steps_and_tokens_are_friendly_404s(client, content, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()


def test_a_tampered_cookie_is_ignored(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    client.cookies[COOKIE] = "forged-token-value"
    assert client.get("/checkup/")["Location"] == "/checkup/symptom/"
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


def test_missing_csrf_token_gets_a_friendly_403_and_keeps_answers(kb, content):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/checkup/symptom/")
    token = browser.cookies["csrftoken"].value
    assert page.status_code == 200
    browser.post("/checkup/symptom/", {"symptom": "limit_gone", "csrfmiddlewaretoken": token})
    response = browser.post("/checkup/overdue/", {"overdue": "never"})
    assert response.status_code == 403
    assert "请再提交一次" in response.content.decode()
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


def test_too_many_submissions_get_a_429_page(client, kb, content, settings):
    settings.CHECKUP_RATE_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    codes = [client.post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code for _ in range(5)]
    cache.clear()
    assert codes[:3] == [302, 302, 302] and codes[-1] == 429
    response = client.get("/checkup/symptom/")
    assert response.status_code == 200  # reading is never limited


def test_home_is_honest_about_what_the_site_is(client, content):
    html = client.get("/").content.decode()
    for words in ["2 分钟", "不问姓名、手机号、身份证号", "和支付宝、蚂蚁集团没有任何关系", "不是金融建议"]:
        assert words in html
    assert 'href="/guides/"' in html


def test_no_personal_questions_anywhere(kb):
    text = " ".join(q.text + q.help_text for q in kb.questions)
    for personal in ["姓名", "身份证号", "手机号码", "电话号码"]:
        assert f"你的{personal}" not in text


def test_page_query_counts_stay_small_and_constant_with_ten_times_the_content(client, kb, content):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from diagnosis.models import Cause
    from guides.models import Category, Guide

    answer_all(client, kb, {"symptom": "limit_stuck"})
    result_url = finish(client)
    urls = ["/", "/checkup/symptom/", "/checkup/review/", result_url]

    def count(url):
        client.get(url)  # warm the knowledge base memo and the page's cached fragments
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def count_step_post():
        client.post("/checkup/overdue/", {"overdue": "past"})  # an unfinished checkup, as for a real visitor
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/checkup/overdue/", {"overdue": "never"}, headers={"HX-Request": "true"})
            assert response.status_code == 200
        return len(queries)

    before = {url: count(url) for url in urls} | {"step POST": count_step_post()}
    causes = list(Cause.objects.all())
    for n in range(10 * Guide.objects.count()):
        guide = Guide.objects.create(
            slug=f"extra-{n}", title=f"额外指南 {n}", summary="摘要", category=Category.values[n % 4],
            body="## 一\n\n正文", status=Guide.Status.PUBLISHED, last_reviewed=date(2026, 1, 1),
        )  # fmt: skip
        guide.causes.add(causes[n % len(causes)])
    after = {url: count(url) for url in urls} | {"step POST": count_step_post()}
    assert after == before
    assert max(after.values()) <= 8, after


def test_deleting_a_result_leaves_no_rendered_fragment_in_the_cache(client, kb, content):
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    from guides.revision import current_revision

    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    result_url = finish(client)
    token = result_url.split("/")[2]
    client.get(result_url)
    key = make_template_fragment_key("result_finding", [token, current_revision(), "current_overdue"])
    assert cache.get(key) is not None
    client.post(f"/r/{token}/delete/")
    assert cache.get(key) is None
