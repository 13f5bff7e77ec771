"""The adaptive checkup's own screens through the real views (Django's test client): the grouped screen with and
without JavaScript, its slips and forged boxes, the urgent notice, skipping ahead and questions off the path."""

import re

import pytest

from diagnosis import interview
from diagnosis.models import Assessment

from .journeys import answer_all

pytestmark = pytest.mark.django_db

QUIET = {"symptom": "cannot_borrow", "scam_contact": "no", "overdue": "never", "debt_load": "low"}


def reach(client, kb, slug, answers=QUIET):
    """Walk to screen `slug` (asking for more questions at review if the checkup stopped before it)."""
    url, _ = answer_all(client, kb, answers, stop_at=slug, more=True)
    assert url.startswith(f"/checkup/{slug}/"), url
    return Assessment.objects.get().answers


def signals_screen(kb, answers):
    return interview.find_screen(answers, kb, "signals")


def test_the_grouped_screen_is_one_fieldset_of_large_boxes(client, kb, content):
    answers = reach(client, kb, "signals")
    html = client.get("/checkup/signals/").content.decode()
    assert html.count("<fieldset") == 1 and "以下哪些情况符合你？（可多选）" in html
    screen = signals_screen(kb, answers)
    for tick in screen.ticks:
        assert f'type="checkbox" name="{tick.question}" value="{tick.choice}"' in html
        assert tick.label in html
    assert 'name="none_of_these" value="1"' in html and "都不符合" in html
    assert html.count('class="choice-card__label"') == len(screen.ticks) + 1


def test_grouped_screen_without_javascript_records_ticks_and_unticked_answers(client, kb, content):
    before = reach(client, kb, "signals")
    response = client.post("/checkup/signals/", {"security_event": ["new_device", "risk_notice"], "timing": "peak"})
    assert response.status_code == 302
    saved = Assessment.objects.get().answers
    screen = signals_screen(kb, before)
    assert saved["security_event"] == "risk_notice"  # the more serious of two boxes
    assert saved["timing"] == "peak"
    for question in screen.questions:
        if question.slug not in ("security_event", "timing"):
            assert saved[question.slug] == question.unticked
    assert {k: v for k, v in saved.items() if k in before} == before
    # Shown again, the boxes are ticked as saved.
    html = client.get("/checkup/signals/").content.decode()
    assert re.search(r'name="timing" value="peak" id="[^"]+" checked', html)
    assert not re.search(r'name="none_of_these" value="1" id="[^"]+" checked', html)


def test_grouped_screen_with_htmx_swaps_the_next_screen(client, kb, content):
    reach(client, kb, "signals")
    response = client.post("/checkup/signals/", {"none_of_these": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith("<title>")
    step = re.search(r'data-step="([^"]+)"', html).group(1)
    assert response["HX-Push-Url"] == ("/checkup/review/" if step == "review" else f"/checkup/{step}/")
    saved = Assessment.objects.get().answers
    for question in signals_screen(kb, saved).questions:
        assert saved[question.slug] == question.unticked  # "都不符合": every unticked answer


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "请勾选符合你的情况"),
        ({"none_of_these": "1", "industry": "yes"}, "又勾选了其他情况"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_grouped_screen_slips_show_the_screen_again_with_an_error_summary(client, kb, content, fields, message, htmx):
    before = reach(client, kb, "signals")
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post("/checkup/signals/", fields, headers=headers)
    assert response.status_code == 200 and "HX-Push-Url" not in response
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html and message in html
    assert "错误：" in html
    if "industry" in fields:  # what the person ticked stays ticked
        assert re.search(r'name="industry" value="yes" id="[^"]+" checked', html)
    assert Assessment.objects.get().answers == before


@pytest.mark.parametrize(
    "fields",
    [
        {"industry": "bogus"},
        {"industry": "no"},  # a real choice, but not a box on the screen
        {"income": "stable"},  # a question of another screen
        {"security_event": "<script>"},
    ],
)
def test_a_forged_box_is_a_friendly_400_and_saves_nothing(client, kb, content, fields):
    before = reach(client, kb, "signals")
    response = client.post("/checkup/signals/", fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>" not in html and "<html" in html
    assert Assessment.objects.get().answers == before


def test_a_question_of_a_grouped_screen_by_its_own_address_goes_to_its_screen(client, kb, content):
    reach(client, kb, "signals")
    assert client.get("/checkup/industry/")["Location"] == "/checkup/signals/"


def test_a_question_no_longer_on_the_path_changes_nothing(client, kb, content):
    reach(client, kb, "signals")
    before = Assessment.objects.get().answers
    response = client.post("/checkup/limit_level/", {"limit_level": kb.question("limit_level").choices[0].slug})
    assert response.status_code == 302 and response["Location"] == "/checkup/signals/"
    response = client.post("/checkup/pressure/", {"none_of_these": "1"})  # not asked when nothing is pressing
    assert response.status_code == 302 and response["Location"] == "/checkup/signals/"
    assert Assessment.objects.get().answers == before


def test_an_urgent_answer_shows_a_calm_notice_on_the_next_screen_only(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    assert "data-urgent-notice" not in client.get("/checkup/scam_contact/").content.decode()
    response = client.post("/checkup/scam_contact/", {"scam_contact": "yes"})
    html = client.get(response["Location"]).content.decode()
    notice = re.search(r"<div class=\"urgent-notice\".*?</div>", html, re.S).group(0)
    assert 'data-cause="scam_risk"' in notice
    assert '<a href="tel:110">110</a>' in notice and '<a href="tel:95188">95188</a>' in notice
    assert "接着回答" in notice  # the person may go on
    assert html.index("urgent-notice") < html.index("<form")  # at the top
    # The screen after the next no longer repeats it...
    response = client.post(response["Location"], {"overdue": "never"})
    assert "data-urgent-notice" not in client.get(response["Location"]).content.decode()
    # ... but going back to the screen after the urgent answer shows it again: it follows the answers.
    assert 'data-cause="scam_risk"' in client.get("/checkup/overdue/").content.decode()


def test_being_overdue_and_harassed_opens_the_pressure_screen_with_its_notice(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "cannot_borrow"})
    client.post("/checkup/scam_contact/", {"scam_contact": "no"})
    response = client.post("/checkup/overdue/", {"overdue": "current"})
    html = client.get(response["Location"]).content.decode()
    assert 'data-cause="current_overdue"' in html
    # The pressure screen comes before the checkup may stop.
    while "/pressure/" not in response["Location"]:
        slug = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        response = client.post(response["Location"], {slug: kb.question(slug).choices[-1].slug})
    response = client.post("/checkup/pressure/", {"collection": "threatened", "coping": "overwhelmed"})
    html = client.get(response["Location"]).content.decode()
    assert 'data-cause="collection_harassment"' in html and 'data-cause="feeling_overwhelmed"' in html
    assert '<a href="tel:12356">12356</a>' in html


def test_review_shows_the_urgent_notice_and_the_grouped_answers(client, kb, content):
    answer_all(client, kb, {"symptom": "cannot_borrow", "scam_contact": "yes", "timing": "peak"}, more=True)
    html = client.get("/checkup/review/").content.decode()
    assert 'data-cause="scam_risk"' in html and '<a href="tel:110">110</a>' in html
    row = re.search(r'data-question="signals".*?</div>', html, re.S).group(0)
    assert kb.question("timing").choice("peak").tick in row
    assert 'href="/checkup/signals/?from=review"' in row


def test_the_review_page_is_not_reachable_before_the_checkup_stops(client, kb, content):
    client.post("/checkup/symptom/", {"symptom": "cannot_borrow"})
    assert client.get("/checkup/review/")["Location"] == "/checkup/scam_contact/"
    assert client.post("/checkup/review/")["Location"] == "/checkup/scam_contact/"
    assert Assessment.objects.get().finished_at is None


def test_answering_more_is_a_post_and_never_puts_anything_in_the_answers(client, kb, content):
    answer_all(client, kb, QUIET)
    before = dict(Assessment.objects.get().answers)
    assert client.get("/checkup/review/").status_code == 200
    response = client.post("/checkup/review/", {"action": "more"})
    assessment = Assessment.objects.get()
    assert assessment.more and assessment.answers == before and assessment.finished_at is None
    assert response["Location"].startswith("/checkup/") and "/review/" not in response["Location"]


def test_home_tells_the_truth_about_time_and_has_a_way_in_for_scam_contacts(client, content):
    html = client.get("/").content.decode()
    assert f"通常 {interview.TYPICAL_SCREENS} 步，约 {interview.TYPICAL_MINUTES} 分钟" in html
    assert "十几个" not in html
    assert "有人找你要钱、验证码或远程操作？" in html
    assert 'href="/guides/credit-repair-scams/"' in html
    assert 'href="tel:110"' in html and 'href="tel:96110"' in html
    assert client.get("/guides/credit-repair-scams/").status_code == 200


def test_the_dashboard_counts_a_grouped_screen_once(client, kb, content):
    from outcomes.models import Tally

    reach(client, kb, "signals")
    client.post("/checkup/signals/", {"industry": "yes", "timing": "peak"})
    client.post("/checkup/signals/", {"none_of_these": "1"})  # changed: not a second answer
    answered = dict(Tally.objects.filter(kind=Tally.Kind.ANSWERED).values_list("key", "count"))
    assert answered["signals"] == 1
    assert not {q.slug for q in kb.questions if q.screen == "signals"} & set(answered)
