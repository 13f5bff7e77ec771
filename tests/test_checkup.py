"""The questionnaire and results through the real views, database and templates (Django's test client).

Journeys for every symptom, back and change-from-review, start over, permalinks, delete, expiry, htmx
partials, and every bad input the issue lists: each must end on a friendly page or the right step.
"""

import itertools
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from diagnosis import interview
from diagnosis.models import Assessment
from diagnosis.views import COOKIE

from .journeys import SYMPTOMS, answer_all, finish, screen_fields
from .personas import personas

pytestmark = pytest.mark.django_db

MARKERS = re.compile(r'data-cause="([^"]+)" data-likelihood="(high|medium|low)" data-urgent="(true|false)"')


def markers(html):
    return MARKERS.findall(html)


def early_stopper(kb, symptom):
    """A persona of this symptom whose checkup stops before every screen, with the answers the checkup records."""
    for person in personas():
        if person.answers["symptom"] != symptom:
            continue
        adaptive, full = interview.walk(person.answers, kb), interview.walk(person.answers, kb, more=True)
        if adaptive.screens < full.screens:
            return adaptive, full, full.answers
    raise AssertionError(f"no persona of {symptom} stops early")


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_each_symptom_stops_early_from_home_to_results(client, kb, content, symptom):
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/checkup/"' in home.content.decode()

    adaptive, full, answers = early_stopper(kb, symptom)
    url, asked = answer_all(client, kb, answers)
    assert url == "/checkup/review/"
    assert asked == [step.screen.slug for step in adaptive.steps]  # the site walks the pure interview
    assert len(asked) < full.screens and len(asked) <= interview.MAX_SCREENS  # fewer screens than the full path

    review = client.get(url).content.decode()
    assert review.count('class="summary-list__row"') == len(asked)
    assert "多回答几个问题，让结果更准" in review

    result_url = finish(client)
    page = client.get(result_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "给客服的情况说明" in html and "你的行动清单" in html
    assessment = Assessment.objects.current().by_token(result_url.split("/")[2])
    assert assessment.is_finished and assessment.answers["symptom"] == symptom
    assert markers(html)[0][0] == interview.top_causes(adaptive.answers, kb)[0]


def test_answering_more_walks_every_remaining_screen(client, kb, content):
    adaptive, full, answers = early_stopper(kb, "cannot_borrow")
    url, asked = answer_all(client, kb, answers, more=True)
    assert url == "/checkup/review/"
    assert set(asked) == {step.screen.slug for step in full.steps}
    assert asked[: adaptive.screens] == [step.screen.slug for step in adaptive.steps]
    assert Assessment.objects.get().more is True
    assert "多回答几个问题" not in client.get(url).content.decode()
    assert set(Assessment.objects.get().answers) == set(full.answers)


def test_questions_not_asked_for_the_symptom_never_appear(client, kb, content):
    _, asked = answer_all(client, kb, {"symptom": "cannot_borrow"}, more=True)
    assert "limit_level" not in asked and "usage" not in asked
    response = client.get("/checkup/limit_level/")  # reached by URL anyway
    assert response.status_code == 302 and response["Location"] == "/checkup/review/"


REMAINING = re.compile(r'data-remaining="(\d+)">大约还有 (\d+) 步')
BAR = re.compile(r'<progress class="step-progress__bar" value="(\d+)" max="(\d+)"')


@pytest.mark.parametrize("person", personas()[::6], ids=lambda p: p.slug)
def test_progress_is_honest_and_never_rises_by_more_than_one(client, kb, content, person):
    url, shown, bars = client.get("/checkup/")["Location"], [], []
    answers = interview.walk(person.answers, kb, more=True).answers
    while "/review/" not in url:
        html = client.get(url).content.decode()
        remaining, words = REMAINING.search(html).groups()
        assert remaining == words
        shown.append(int(remaining))
        bars.append(tuple(int(x) for x in BAR.search(html).groups()))
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        url = client.post(url, screen_fields(kb, slug, answers))["Location"]
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(shown)), shown
    assert [value for value, _ in bars] == list(range(len(bars)))  # the bar counts the screens done
    assert all(value < maximum for value, maximum in bars)
    assert "第 " not in html and "共 " not in html  # no promise of a fixed number of steps


def test_back_keeps_every_answer(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "renewal_failed"})
    client.post("/checkup/scam_contact/", {"scam_contact": "no"})
    client.post("/checkup/overdue/", {"overdue": "past"})
    page = client.get("/checkup/overdue/").content.decode()
    assert re.search(r'value="past" id="[^"]+" checked', page)
    assert 'href="/checkup/scam_contact/"' in page  # the back link: the screen before on this person's path
    page = client.get("/checkup/symptom/").content.decode()
    assert re.search(r'value="renewal_failed" id="[^"]+" checked', page)
    # Continuing from an earlier screen walks forward through the saved answers, not past them.
    response = client.post("/checkup/symptom/", {"symptom": "renewal_failed"})
    assert response["Location"] == "/checkup/scam_contact/"
    assert client.post("/checkup/scam_contact/", {"scam_contact": "no"})["Location"] == "/checkup/overdue/"


def back_to_review(client, kb, response, answers):
    """Answer whatever a change from review makes due (each with ?from=review) until the site is back at review."""
    asked = []
    while response["Location"] != "/checkup/review/":
        url = response["Location"]
        assert url.endswith("?from=review"), url
        slug = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        response = client.post(url.split("?")[0], {**screen_fields(kb, slug, answers), "from": "review"})
        asked.append(slug)
    return asked


def test_change_from_review_returns_to_review_and_drops_answers_that_no_longer_apply(client, kb, content):
    given = {"symptom": "cannot_borrow", "recent_borrows": "many", "timing": "peak"}
    url, _ = answer_all(client, kb, given, more=True)
    page = client.get(url).content.decode()
    assert 'data-question="recent_borrows"' in page and 'data-question="signals"' in page
    assert 'href="/checkup/overdue/?from=review"' in page and 'href="/checkup/signals/?from=review"' in page

    back_to_review(client, kb, client.post("/checkup/overdue/", {"overdue": "past", "from": "review"}), given)
    assert Assessment.objects.get().answers["overdue"] == "past"

    # limit_restricted asks a subset of the questions: back to review without the others.
    assert {q.slug for q in kb.path("limit_restricted")} < {q.slug for q in kb.path("cannot_borrow")}
    response = client.post("/checkup/symptom/", {"symptom": "limit_restricted", "from": "review"})
    back_to_review(client, kb, response, given)
    page = client.get("/checkup/review/").content.decode()
    assert 'data-question="recent_borrows"' not in page
    assert "recent_borrows" in Assessment.objects.get().answers  # kept until finishing, in case of a change back
    result_url = finish(client)
    saved = Assessment.objects.current().by_token(result_url.split("/")[2]).answers
    assert set(saved) <= {q.slug for q in kb.path("limit_restricted")} and "recent_borrows" not in saved
    assert saved["overdue"] == "past"


def test_a_changed_answer_re_decides_what_comes_next_and_keeps_every_answer_on_the_path(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"}, more=True)
    before = dict(Assessment.objects.get().answers)
    response = client.post("/checkup/symptom/", {"symptom": "cannot_borrow", "from": "review"})
    asked = back_to_review(client, kb, response, {})
    after = Assessment.objects.get().answers
    assert {slug: after[slug] for slug in before if slug != "symptom"} == {
        slug: choice for slug, choice in before.items() if slug != "symptom"
    }  # nothing answered before was lost or asked again
    for screen in interview.screens(after, kb):  # only screens with a question not answered before were asked
        assert (screen.slug in asked) == any(q.slug not in before for q in screen.questions), screen.slug
    assert client.get("/checkup/review/").status_code == 200


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
    answer_all(client, kb, answers, more=True)
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
    assert response["HX-Push-Url"] == "/checkup/scam_contact/"
    html = response.content.decode()
    assert html.lstrip().startswith("<title>") and 'data-step="scam_contact"' in html
    assert "<html" not in html and "site-footer" not in html
    assert "HX-Request" in response["Vary"]
    # A history restore (back button after the cache is gone) gets the whole page.
    full = client.get("/checkup/scam_contact/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in full.content.decode()


def test_htmx_validation_error_stays_on_the_step_with_an_announced_error(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    response = client.post("/checkup/scam_contact/", {"scam_contact": "nope"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Push-Url" not in response
    assert 'role="alert"' in html and "这个选项不在列表里" in html
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


@pytest.mark.parametrize("value", ["", "bogus", "limit_gone' OR 1=1", "<script>alert(1)</script>", "x" * 5000])
def test_tampered_choice_reshows_the_step_and_keeps_saved_answers(client, kb, content, value):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    response = client.post("/checkup/scam_contact/", {"scam_contact": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请先回答这个问题" in html and "<script>alert" not in html
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


def test_skipped_step_reached_by_url_goes_to_the_step_that_is_due(client, kb, content):
    assert client.get("/checkup/income/")["Location"] == "/checkup/symptom/"
    assert client.post("/checkup/income/", {"income": "stable"})["Location"] == "/checkup/symptom/"
    assert Assessment.objects.count() == 0
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    assert client.get("/checkup/life_stage/")["Location"] == "/checkup/scam_contact/"
    assert client.get("/checkup/overdue/")["Location"] == "/checkup/scam_contact/"  # triage keeps its order
    assert client.get("/checkup/signals/")["Location"] == "/checkup/scam_contact/"  # a grouped screen too
    assert client.get("/checkup/review/")["Location"] == "/checkup/scam_contact/"
    assert Assessment.objects.get().answers == {"symptom": "limit_gone"}


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
    for words in [
        f"约 {interview.TYPICAL_MINUTES} 分钟",
        "不问姓名、手机号、身份证号",
        "和支付宝、蚂蚁集团没有任何关系",
        "不是金融建议",
    ]:
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


def test_a_steps_plain_sql_read_finds_what_the_orm_finds(kb, content):
    """Assessment.objects.checkup (one plain-SQL query) against the ORM it stands in for, row by row."""
    from guides.revision import bump_revision, current_revision

    bump_revision()
    live = Assessment.objects.create(answers={"symptom": "limit_gone", "overdue": "never"}, more=True)
    done = Assessment.objects.create(answers={"symptom": "cannot_borrow"}, finished_at=timezone.now(), plan_done=["a"])
    gone = Assessment.objects.create(answers={"symptom": "limit_gone"}, expires_at=timezone.now() - timedelta(1))
    fields = ["pk", "token", "answers", "more", "plan_done", "finished_at", "expires_at", "created_at", "updated_at"]
    for assessment in (live, done):
        read, expected = (
            Assessment.objects.checkup(assessment.token),
            Assessment.objects.current().by_token(assessment.token),
        )
        assert [getattr(read, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert read.content_revision == current_revision() > 0
    assert Assessment.objects.checkup(gone.token) is None  # expired: as if it never existed
    assert Assessment.objects.checkup("not-a-token") is None and Assessment.objects.checkup(None) is None


def test_saving_answers_in_plain_sql_stores_what_the_orm_would(kb, content):
    from django.db.models.signals import post_save, pre_save

    assert not pre_save.has_listeners(Assessment) and not post_save.has_listeners(Assessment)  # none skipped
    assessment = Assessment.objects.create(answers={"symptom": "limit_gone"})
    before = assessment.updated_at
    assessment.answers = {"symptom": "limit_gone", "overdue": "never", "note": "引号\"和'撇号"}
    assessment.save_answers()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers == assessment.answers and stored.updated_at == assessment.updated_at > before
    assert stored.finished_at is None and stored.token_hash == assessment.token_hash


def test_an_answer_reads_in_one_query_and_writes_in_one(client, kb, content, django_assert_num_queries):
    """The busiest write (docs/performance.md): the checkup and the content revision in one query, the save in
    another; a screen answered for the first time adds its two dashboard counts."""
    client.post("/checkup/symptom/", {"symptom": "cannot_borrow"})
    client.post("/checkup/scam_contact/", {"scam_contact": "no"})  # today's tally rows exist from here on
    person = Client()
    person.post("/checkup/symptom/", {"symptom": "cannot_borrow"})
    with django_assert_num_queries(4):  # read, save, the "answered" and "reached" counts
        assert person.post("/checkup/scam_contact/", {"scam_contact": "no"}).status_code == 302
    with django_assert_num_queries(2):  # the same answer again (a double tap, the back button): read and save
        assert person.post("/checkup/scam_contact/", {"scam_contact": "no"}).status_code == 302


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
