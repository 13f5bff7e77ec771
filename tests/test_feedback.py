"""Anonymous feedback on findings and guides, the follow-up question and the calendar reminder."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from diagnosis.models import Assessment
from guides.models import Guide
from outcomes.models import FindingVote, FollowUp, GuideVote, Tally

from .journeys import answer_all, finish, finished_result

pytestmark = pytest.mark.django_db


def tally(kind, key):
    return sum(Tally.objects.filter(kind=kind, key=key).values_list("count", flat=True))


@pytest.fixture
def result_url(client, kb, content):
    return finished_result(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})


def test_every_finding_has_a_vote_form_that_works_without_js(client, result_url):
    html = client.get(result_url).content.decode()
    assert html.count("这个判断对吗？") == html.count("data-cause=")
    response = client.post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": "right"})
    assert response.status_code == 302 and response["Location"].endswith("#vote-current_overdue")
    html = client.get(result_url).content.decode()
    box = re.search(r'<form class="finding-vote[^"]*" id="vote-current_overdue".*?</form>', html, re.S).group(0)
    assert "谢谢！你的反馈会帮我们改进判断" in box  # the thank-you sits in that finding's box, where the page lands
    assert "你已经反馈过" not in box  # and does not read as an old vote
    assert "谢谢你的反馈" not in html.split('<article class="result">')[0]  # not (only) at the page top
    assert tally(Tally.Kind.VERDICT, "current_overdue:right") == 1
    again = client.get(result_url).content.decode()  # a reload later reads as the vote it is
    box = re.search(r'id="vote-current_overdue".*?</form>', again, re.S).group(0)
    assert "你已经反馈过" in box and "谢谢！" not in box


def test_one_vote_per_browser_and_a_changed_mind_moves_the_count(client, result_url):
    vote = {"cause": "current_overdue", "verdict": "right"}
    client.post(f"{result_url}vote/", vote, headers={"HX-Request": "true"})
    response = client.post(f"{result_url}vote/", vote, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "谢谢" in response.content.decode()
    assert 'value="right" class="btn btn-sm btn-outline-secondary" aria-pressed="true"' in response.content.decode()
    assert FindingVote.objects.count() == 1 and tally(Tally.Kind.VERDICT, "current_overdue:right") == 1

    client.post(f"{result_url}vote/", {**vote, "verdict": "wrong"})
    assert FindingVote.objects.get().verdict == "wrong"
    assert tally(Tally.Kind.VERDICT, "current_overdue:right") == 0
    assert tally(Tally.Kind.VERDICT, "current_overdue:wrong") == 1

    other_browser = Client()
    other_browser.post(f"{result_url}vote/", vote)
    assert FindingVote.objects.count() == 2 and tally(Tally.Kind.VERDICT, "current_overdue:right") == 1


@pytest.mark.parametrize(
    "data", [{"cause": "not_a_finding", "verdict": "right"}, {"cause": "current_overdue", "verdict": "maybe"}, {}]
)
def test_bad_votes_are_400_and_count_nothing(client, result_url, data):
    response = client.post(f"{result_url}vote/", data)
    assert response.status_code == 400
    assert FindingVote.objects.count() == 0
    assert client.get(f"{result_url}vote/").status_code == 405


def test_follow_up_appears_after_14_days_and_is_stored_without_personal_data(client, result_url):
    assert "你的额度恢复了吗？" not in client.get(result_url).content.decode()
    assert client.post(f"{result_url}follow-up/", {"outcome": "recovered"}).status_code == 400  # not due yet
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=15))
    assert "你的额度恢复了吗？" in client.get(result_url).content.decode()
    response = client.post(f"{result_url}follow-up/", {"outcome": "partly"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "谢谢你告诉我们" in response.content.decode()
    follow_up = FollowUp.objects.get()
    assert (follow_up.outcome, follow_up.top_cause) == ("partly", "current_overdue")
    assert tally(Tally.Kind.OUTCOME, "current_overdue:partly") == 1
    client.post(f"{result_url}follow-up/", {"outcome": "recovered"})
    assert FollowUp.objects.get().outcome == "recovered"
    assert tally(Tally.Kind.OUTCOME, "current_overdue:partly") == 0
    assert tally(Tally.Kind.OUTCOME, "current_overdue:recovered") == 1


def test_reminder_calendar_file_links_to_the_permalink_before_it_expires(client, result_url):
    response = client.get(f"{result_url}reminder.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "\r\n" in text and "BEGIN:VEVENT" in text and "BEGIN:VALARM" in text
    assert f"URL:http://testserver{result_url}" in text
    start = re.search(r"DTSTART:(\d{8}T\d{6}Z)", text).group(1)
    expires = Assessment.objects.get().expires_at
    assert start < expires.astimezone(timezone.UTC).strftime("%Y%m%dT%H%M%SZ")


def test_purge_removes_answers_votes_and_follow_ups_but_keeps_the_counts(client, result_url):
    client.post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": "right"})
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=15))
    client.post(f"{result_url}follow-up/", {"outcome": "no"})
    before = list(Tally.objects.order_by("day", "kind", "key").values_list("kind", "key", "count"))
    Assessment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_results", verbosity=0)
    assert not Assessment.objects.exists() and not FindingVote.objects.exists() and not FollowUp.objects.exists()
    after = list(Tally.objects.order_by("day", "kind", "key").values_list("kind", "key", "count"))
    assert after == before and tally(Tally.Kind.FINISHED, "cannot_borrow") == 1


def test_guide_feedback_once_per_browser_with_a_sanitised_comment(client, content):
    url = "/guides/credit-report/feedback/"
    comment = '<script>alert(1)</script><b onclick="x()">很有用</b> 谢谢 & <a href="javascript:x">链接</a>'
    response = client.post(url, {"helpful": "yes", "comment": comment}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "谢谢" in response.content.decode()
    vote = GuideVote.objects.get()
    assert vote.helpful and vote.comment == "很有用 谢谢 & 链接"
    client.post(url, {"helpful": "yes"})
    assert GuideVote.objects.count() == 1
    assert tally(Tally.Kind.HELPFUL, "credit-report:yes") == 1
    client.post(url, {"helpful": "no"})
    assert tally(Tally.Kind.HELPFUL, "credit-report:yes") == 0
    assert tally(Tally.Kind.HELPFUL, "credit-report:no") == 1
    assert GuideVote.objects.get().comment == "很有用 谢谢 & 链接"  # a later vote without a comment keeps it


def test_guide_feedback_rejects_long_comments_and_bad_values(client, content):
    url = "/guides/credit-report/feedback/"
    response = client.post(url, {"helpful": "yes", "comment": "长" * 501})
    assert response.status_code == 400 and "最多 500 字" in response.content.decode()
    assert client.post(url, {"helpful": "maybe"}).status_code == 400
    assert client.post("/guides/no-such-guide/feedback/", {"helpful": "yes"}).status_code == 404
    assert GuideVote.objects.count() == 0


def test_drafts_take_no_feedback(client, content):
    Guide.objects.filter(slug="credit-report").update(status=Guide.Status.DRAFT)
    assert client.post("/guides/credit-report/feedback/", {"helpful": "yes"}).status_code == 404


def test_checkup_events_are_counted(client, kb, content):
    _url, asked = answer_all(client, kb, {"symptom": "limit_gone"})
    finish(client)
    assert tally(Tally.Kind.STARTED, "limit_gone") == 1
    assert tally(Tally.Kind.FINISHED, "limit_gone") == 1
    for screen in asked:  # each screen once, a grouped screen by its own slug; every one but the first was reached
        assert tally(Tally.Kind.ANSWERED, screen) == 1
        assert tally(Tally.Kind.REACHED, screen) == (0 if screen == "symptom" else 1)
    assert sum(tally(Tally.Kind.ANSWERED, q.slug) for q in kb.questions if q.screen) == 0
    client.post("/checkup/overdue/", {"overdue": "past"})  # changing an answer after finishing starts a new checkup
    assert tally(Tally.Kind.STARTED, "limit_gone") == 2
