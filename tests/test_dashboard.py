"""The editors' outcomes dashboard: numbers seeded through real checkups, votes and follow-ups."""

import csv
import io
import re
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from diagnosis import engine
from diagnosis.models import Assessment, FindingVote, FollowUp, Tally
from guides.models import Guide

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"
SECTIONS = ["checkups", "funnel", "causes", "agreement", "helpfulness", "recovery"]


# --- driving the public site like a visitor -----------------------------------------------------


def answer_steps(browser, kb, answers, stop_after=None):
    """Walk the questionnaire from /checkup/, answering each step (first choice unless given); the last URL."""
    url = browser.get("/checkup/")["Location"]
    while not url.endswith("/review/"):
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        url = browser.post(url, {slug: answers.get(slug, kb.question(slug).choices[0].slug)})["Location"]
        if slug == stop_after:
            break
    return url


def finish_checkup(browser, kb, answers):
    """A whole checkup; returns the result's permalink."""
    answer_steps(browser, kb, answers)
    response = browser.post("/checkup/review/")
    assert response.status_code == 302 and response["Location"].startswith("/r/")
    return response["Location"]


def vote(browser, result_url, cause, verdict):
    assert browser.post(f"{result_url}vote/", {"cause": cause, "verdict": verdict}).status_code == 302


def follow_up(browser, result_url, outcome):
    assert browser.post(f"{result_url}follow-up/", {"outcome": outcome}).status_code == 302


def guide_vote(browser, slug, helpful):
    response = browser.post(f"/guides/{slug}/feedback/", {"helpful": helpful, "comment": ""})
    assert response.status_code == 302


def likely_causes(assessment, kb):
    return [f.cause for f in engine.diagnose(assessment.answers, kb).findings if f.likelihood in ("high", "medium")]


# --- reading the dashboard ------------------------------------------------------------------------


def context_numbers(response):
    """{section slug: {row key: cell texts}} from the aggregates the view rendered."""
    return {s.slug: {row.key: row.texts for row in s.rows} for s in response.context["sections"]}


def table_numbers(html):
    """The same shape, read back from the page's <table> cells."""
    tables = {}
    for slug, body in re.findall(r'<table id="table-(\w+)">(.*?)</table>', html, re.S):
        rows = re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', body, re.S)
        tables[slug] = {key: tuple(re.findall(r"<td>(.*?)</td>", cells)) for key, cells in rows}
    return tables


def csv_numbers(response, sections):
    slugs = {section.title: section.slug for section in sections}
    numbers = {section.slug: {} for section in sections}
    for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))):
        if row and row[0] in slugs:
            numbers[slugs[row[0]]][row[1]] = tuple(row[3:])
    return numbers


def zeros(texts):
    return all(text in ("0", "0.0%", "—") for text in texts)


def assert_shows(numbers, expected):
    """Rows named in `expected` show exactly those texts; every other row of that section is empty."""
    for slug, rows in expected.items():
        for key, texts in numbers[slug].items():
            assert texts == rows.get(key, texts if zeros(texts) else None), (slug, key, texts)
        assert set(rows) <= set(numbers[slug]), (slug, set(rows) - set(numbers[slug]))


# --- the seeded period ------------------------------------------------------------------------------


@pytest.fixture
def seeded(content, kb, settings):
    """Three checkups (two finished), finding votes, guide votes and follow-ups today; older counts by hand."""
    settings.CHECKUP_RATE_LIMIT = 1000
    today = timezone.localdate()
    alice, bob, carol, dan = Client(), Client(), Client(), Client()

    alice_result = finish_checkup(alice, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    carol_result = finish_checkup(carol, kb, {"symptom": "limit_gone"})
    answer_steps(dan, kb, {"symptom": "limit_gone", "overdue": "never"}, stop_after="overdue")  # leaves after two

    vote(alice, alice_result, "current_overdue", "right")
    vote(alice, alice_result, "current_overdue", "right")  # the same browser again: still one vote
    vote(bob, alice_result, "current_overdue", "right")
    vote(bob, alice_result, "current_overdue", "wrong")  # changed mind: moves bob's vote
    guide_vote(alice, "credit-report", "yes")
    guide_vote(alice, "credit-report", "yes")
    guide_vote(bob, "credit-report", "yes")
    guide_vote(bob, "credit-report", "no")

    Assessment.objects.filter(finished_at__isnull=False).update(finished_at=timezone.now() - timedelta(days=15))
    follow_up(alice, alice_result, "partly")
    follow_up(alice, alice_result, "recovered")
    follow_up(carol, carol_result, "no")

    long_ago = today - timedelta(days=60)
    Tally.add(Tally.Kind.STARTED, "cannot_borrow", 5, day=long_ago)
    Tally.add(Tally.Kind.FINISHED, "cannot_borrow", 4, day=long_ago)
    Tally.add(Tally.Kind.STARTED, "retired_symptom", 1, day=long_ago)
    Tally.add(Tally.Kind.CAUSE, "cannot_borrow:retired_cause", 3, day=long_ago)
    Tally.add(Tally.Kind.VERDICT, "current_overdue:right", 7, day=long_ago)
    Tally.add(Tally.Kind.HELPFUL, "credit-report:yes", 3, day=long_ago)
    Tally.add(Tally.Kind.OUTCOME, "current_overdue:no", 2, day=long_ago)
    Tally.add(Tally.Kind.STARTED, "limit_stuck", 1, day=today - timedelta(days=29))  # first day of the default
    Tally.add(Tally.Kind.STARTED, "limit_stuck", 10, day=today - timedelta(days=30))  # the day before it

    finished = {a.token: a for a in Assessment.objects.filter(finished_at__isnull=False)}
    alice_assessment, carol_assessment = finished[alice_result.split("/")[2]], finished[carol_result.split("/")[2]]
    return SimpleNamespace(
        today=today,
        long_ago=long_ago,
        alice=alice_assessment,
        carol=carol_assessment,
        walked={
            "alice": [q.slug for q in kb.path("cannot_borrow", {"overdue": "current"})],  # asked about pressure too
            "carol": [q.slug for q in kb.path("limit_gone")],
            "dan": ["symptom", "overdue"],
        },
    )


def expected_today(seeded, kb):
    """What the default period must show, from the visitors' actions in `seeded`."""
    answered = Counter(slug for steps in seeded.walked.values() for slug in steps)
    started = {"cannot_borrow": 1, "limit_gone": 2, "limit_stuck": 1}
    funnel, previous = {}, None
    for question in kb.questions:
        count = answered[question.slug]
        asked = sum(n for symptom, n in started.items() if question.applies_to(symptom))
        drop = "—" if previous is None else str(previous - count)
        rate = "—" if previous is None else (f"{(previous - count) / previous:.1%}" if previous else "—")
        funnel[question.slug] = (str(count), drop, rate, f"{count / asked:.1%}" if asked else "—")
        previous = count
    assert funnel["symptom"] == ("3", "—", "—", "75.0%")  # limit_stuck's hand-made start answered nothing

    causes, kb_order = {}, [cause.slug for cause in kb.causes]
    for assessment in (seeded.alice, seeded.carol):
        # One finished checkup per symptom: every count is 1, so ties go in knowledge-base order.
        for cause in sorted(likely_causes(assessment, kb), key=kb_order.index)[:5]:
            causes[f"{assessment.symptom}:{cause}"] = ("1", "100.0%")

    alice_top = engine.diagnose(seeded.alice.answers, kb).findings[0].cause
    carol_top = engine.diagnose(seeded.carol.answers, kb).findings[0].cause
    assert alice_top != carol_top
    return {
        "checkups": {
            "cannot_borrow": ("1", "1", "100.0%"),
            "limit_gone": ("2", "1", "50.0%"),
            "limit_stuck": ("1", "0", "0.0%"),
            "limit_restricted": ("0", "0", "—"),
            "renewal_failed": ("0", "0", "—"),
        },
        "funnel": funnel,
        "causes": causes,
        "agreement": {"current_overdue": ("1", "1", "0", "50.0%")},
        "helpfulness": {"credit-report": ("1", "1", "50.0%")},
        "recovery": {alice_top: ("1", "0", "0", "0", "100.0%"), carol_top: ("0", "0", "1", "0", "0.0%")},
    }


# --- behaviour ----------------------------------------------------------------------------------------


def test_dashboard_shows_exactly_what_visitors_did_in_the_last_30_days(admin_client, seeded, kb):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == (seeded.today - timedelta(days=29), seeded.today)
    numbers = context_numbers(response)
    expected = expected_today(seeded, kb)
    assert numbers["checkups"] == expected["checkups"]
    assert numbers["funnel"] == expected["funnel"]
    assert numbers["causes"] == expected["causes"]
    assert_shows(numbers, expected)
    assert table_numbers(response.content.decode()) == numbers


def test_labels_come_from_the_knowledge_base_and_guides(admin_client, seeded, kb):
    response = admin_client.get(URL)
    html = response.content.decode()
    assert "效果看板" in html
    assert kb.question("symptom").choice("cannot_borrow").label in html
    assert kb.question("overdue").short_label in html
    assert kb.cause("current_overdue").title in html
    helpfulness = response.context["sections"][4]
    assert Guide.objects.get(slug="credit-report").title in [row.label for row in helpfulness.rows]


def test_the_funnel_follows_the_knowledge_base_order(admin_client, seeded, kb):
    rows = admin_client.get(URL).context["sections"][1].rows
    assert [row.key for row in rows] == [q.slug for q in kb.questions]
    assert rows[0].texts[1:3] == ("—", "—")  # nothing before the first question to drop from


def test_a_browser_votes_once_and_a_changed_verdict_moves_its_count(admin_client, seeded):
    assert FindingVote.objects.count() == 2  # alice twice → one, bob changed his mind → one
    agreement = context_numbers(admin_client.get(URL))["agreement"]
    assert agreement["current_overdue"] == ("1", "1", "0", "50.0%")
    vote(Client(), seeded.alice.get_absolute_url(), "current_overdue", "unsure")
    agreement = context_numbers(admin_client.get(URL))["agreement"]
    assert agreement["current_overdue"] == ("1", "1", "1", "33.3%")


def test_period_filter_counts_only_days_inside_it(admin_client, seeded, kb):
    day = seeded.long_ago.isoformat()
    response = admin_client.get(URL, {"start": day, "end": day})
    numbers = context_numbers(response)
    assert_shows(
        numbers,
        {
            "checkups": {"cannot_borrow": ("5", "4", "80.0%"), "retired_symptom": ("1", "0", "0.0%")},
            "funnel": {},
            "causes": {"cannot_borrow:retired_cause": ("3", "75.0%")},
            "agreement": {"current_overdue": ("7", "0", "0", "100.0%")},
            "helpfulness": {"credit-report": ("3", "0", "100.0%")},
            "recovery": {"current_overdue": ("0", "0", "2", "0", "0.0%")},
        },
    )
    rows = {row.key: row for section in response.context["sections"] for row in section.rows}
    assert rows["retired_symptom"].label == "retired_symptom"  # unknown slugs fall back to the slug
    assert rows["cannot_borrow:retired_cause"].label == "retired_cause"
    assert table_numbers(response.content.decode()) == numbers


def test_the_default_period_is_30_days_including_today(admin_client, seeded):
    checkups = context_numbers(admin_client.get(URL))["checkups"]
    assert checkups["limit_stuck"][0] == "1"
    day_before_the_period = (seeded.today - timedelta(days=30)).isoformat()
    checkups = context_numbers(admin_client.get(URL, {"start": day_before_the_period}))["checkups"]
    assert checkups["limit_stuck"][0] == "11"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-13-45", "end": "oops"}, "有效的日期"),
        ({"start": "99999-01-01"}, "有效的日期"),
        ({"start": "2024-03-01", "end": "2024-02-01"}, "结束日期不能早于开始日期"),
    ],
)
def test_bad_dates_show_an_error_and_the_default_period(admin_client, seeded, params, message):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errornote"' in html and message in html
    assert (response.context["start"], response.context["end"]) == (seeded.today - timedelta(days=29), seeded.today)
    csv_response = admin_client.get(URL, {**params, "format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"] == "text/csv; charset=utf-8"


def test_a_very_wide_period_is_fine(admin_client, seeded):
    response = admin_client.get(URL, {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert context_numbers(response)["checkups"]["limit_stuck"][0] == "11"


def test_csv_export_has_the_same_numbers_as_the_tables(admin_client, seeded, kb):
    day = seeded.long_ago.isoformat()
    for params in ({}, {"start": day, "end": seeded.today.isoformat()}):
        page = admin_client.get(URL, params)
        response = admin_client.get(URL, {**params, "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith("\ufeff".encode())
        sections = page.context["sections"]
        assert csv_numbers(response, sections) == table_numbers(page.content.decode()) == context_numbers(page)
        header, first = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[:2]
        assert header == ["分区", "标识", "名称", "开始", "完成", "完成率"]
        assert first[:3] == [sections[0].title, "cannot_borrow", kb.question("symptom").choice("cannot_borrow").label]


def test_a_formula_in_a_title_is_not_run_by_excel(admin_client, seeded):
    Guide.objects.filter(slug="credit-report").update(title="=HYPERLINK(1)")
    rows = csv.reader(io.StringIO(admin_client.get(URL, {"format": "csv"}).content.decode("utf-8-sig")))
    cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert cells == ["'=HYPERLINK(1)"]


def test_purging_expired_results_leaves_the_numbers_unchanged(admin_client, seeded):
    wide = {"start": seeded.long_ago.isoformat(), "end": seeded.today.isoformat()}
    before = context_numbers(admin_client.get(URL, wide))
    assert Assessment.objects.exists() and FindingVote.objects.exists() and FollowUp.objects.exists()
    Assessment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_results", verbosity=0)
    assert not Assessment.objects.exists()
    assert not FindingVote.objects.exists() and not FollowUp.objects.exists()
    assert context_numbers(admin_client.get(URL, wide)) == before


def test_queries_stay_few_however_much_is_counted(admin_client, seeded):
    with CaptureQueriesContext(connection) as small:
        admin_client.get(URL)
    for number in range(40):
        Tally.add(Tally.Kind.HELPFUL, f"guide-{number}:yes")
        Tally.add(Tally.Kind.CAUSE, f"limit_gone:cause_{number}")
    with CaptureQueriesContext(connection) as large:
        admin_client.get(URL)
    assert len(large) == len(small) <= 10
    assert sum("diagnosis_tally" in query["sql"] for query in large.captured_queries) == 1


def test_anonymous_visitors_are_sent_to_the_admin_login(client, seeded):
    for params in ({}, {"format": "csv"}):
        response = client.get(URL, params)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_logged_in_non_staff_cannot_see_it(client, seeded, django_user_model):
    client.force_login(django_user_model.objects.create_user("visitor", password="x"))
    response = client.get(URL, {"format": "csv"})
    assert response.status_code in (302, 403) and b"cannot_borrow" not in response.content


def test_staff_editors_without_superuser_rights_see_it(client, seeded, django_user_model):
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))
    assert client.get(URL).status_code == 200


def test_charts_are_accessible_inline_svg_without_inline_style_or_script(admin_client, seeded):
    response = admin_client.get(URL)
    html = response.content.decode()
    content = html[html.index('id="content-main"') : html.index('class="base-svgs"')]  # the admin's own icons follow
    svgs = re.findall(r"<svg\b[^>]*>", content)
    assert len(svgs) == len(SECTIONS)
    for slug, svg in zip(SECTIONS, svgs, strict=True):
        assert 'role="img"' in svg and f'aria-labelledby="chart-{slug}-title' in svg
        assert f'<title id="chart-{slug}-title">' in content
    assert content.count("<caption>") == len(SECTIONS)
    assert 'scope="col"' in content and 'scope="row"' in content and 'scope="rowgroup"' in content
    assert not re.search(r"\sstyle=|<style\b|<script\b|\son[a-z]+=", content)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag


def test_every_bar_carries_the_number_of_its_table_cell(admin_client, seeded):
    response = admin_client.get(URL)
    html = response.content.decode()
    for section in response.context["sections"]:
        drawn = [(index, column) for index, column in enumerate(section.columns) if column.fill]
        for row in section.rows:
            for index, column in drawn:
                assert escape(f"{row.label} · {column.title}：{row.texts[index]}") in html


def test_an_empty_period_still_renders(admin_client, content):
    response = admin_client.get(URL, {"start": "2000-01-01", "end": "2000-01-31"})
    assert response.status_code == 200
    assert "这段时间没有数据" in response.content.decode()
