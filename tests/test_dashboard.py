"""The editors' outcomes dashboard.

The arithmetic is tested on hand-made daily counts with the numbers written out; the page, its period, the
CSV and access rules on counts seeded straight into `Tally`; and one journey checks that what real visitors
do reaches the page.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from diagnosis import engine
from diagnosis.models import Assessment
from guides.models import Guide
from outcomes.dashboard import build_sections
from outcomes.models import FindingVote, FollowUp, Tally

from .journeys import answer_all, finished_result

URL = "/admin/dashboard/"
SECTIONS = ["checkups", "funnel", "causes", "agreement", "helpfulness", "recovery"]
STARTED, ANSWERED, FINISHED, CAUSE = Tally.Kind.STARTED, Tally.Kind.ANSWERED, Tally.Kind.FINISHED, Tally.Kind.CAUSE
REACHED = Tally.Kind.REACHED
VERDICT, HELPFUL, OUTCOME = Tally.Kind.VERDICT, Tally.Kind.HELPFUL, Tally.Kind.OUTCOME


# --- reading the dashboard ------------------------------------------------------------------------


def numbers(sections):
    """{section slug: {row key: cell texts}}."""
    return {s.slug: {row.key: row.texts for row in s.rows} for s in sections}


def context_numbers(response):
    return numbers(response.context["sections"])


def table_numbers(html):
    """The same shape, read back from the page's <table> cells."""
    tables = {}
    for slug, body in re.findall(r'<table id="table-(\w+)">(.*?)</table>', html, re.S):
        rows = re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', body, re.S)
        tables[slug] = {key: tuple(re.findall(r"<td>(.*?)</td>", cells)) for key, cells in rows}
    return tables


def csv_numbers(response, sections):
    slugs = {section.title: section.slug for section in sections}
    found = {section.slug: {} for section in sections}
    for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))):
        if row and row[0] in slugs:
            found[slugs[row[0]]][row[1]] = tuple(row[3:])
    return found


# --- the arithmetic, on a small knowledge base and counts written by hand -------------------------------------


def small_kb():
    def question(slug, order, asked_for=(), choices=("yes",), screen=""):
        return {
            "slug": slug, "text": slug, "short_label": f"{slug} 的简称", "help_text": "", "order": order,
            "asked_for": list(asked_for), "in_service_summary": True, "screen": screen,
            "unticked": "no" if screen else "",
            "choices": [{"slug": c, "label": f"{c} 的说法", "help_text": "", "summary_text": "",
                         "tick": f"{c} 的勾选" if screen and c != "no" else ""} for c in choices],
        }  # fmt: skip

    def cause(number):
        return {
            "slug": f"c{number}", "title": f"原因{number}", "urgent": False, "urgent_message": "", "explanation": "",
            "what_would_change": "", "order": number, "actions": [], "guides": [], "evidence": [],
        }  # fmt: skip

    return engine.KnowledgeBase.from_content(
        questions=[
            question("symptom", 10, choices=("cannot_borrow", "limit_gone")),
            question("overdue", 20),
            question("usage", 30, asked_for=["limit_gone"]),
            question("industry", 40, choices=("no", "yes"), screen="signals"),
            question("region", 50, choices=("no", "yes"), screen="signals"),
        ],
        actions=[],
        causes=[cause(number) for number in range(1, 7)],
        guides=[],
    )


GUIDE_TITLES = {"credit-report": "查征信", "lower-debt": "降负债"}
COUNTS = {
    (STARTED, "cannot_borrow"): 4, (STARTED, "limit_gone"): 2, (STARTED, "retired"): 1,
    (FINISHED, "cannot_borrow"): 3,
    (ANSWERED, "symptom"): 6, (ANSWERED, "overdue"): 5, (ANSWERED, "usage"): 1, (ANSWERED, "signals"): 2,
    (REACHED, "overdue"): 6, (REACHED, "usage"): 2, (REACHED, "signals"): 4,
    (CAUSE, "cannot_borrow:c1"): 2, (CAUSE, "cannot_borrow:c2"): 5, (CAUSE, "cannot_borrow:c3"): 2,
    (CAUSE, "cannot_borrow:c4"): 1, (CAUSE, "cannot_borrow:c5"): 1, (CAUSE, "cannot_borrow:c6"): 3,
    (CAUSE, "cannot_borrow:retired_cause"): 4, (CAUSE, "limit_gone:c1"): 1,
    (VERDICT, "c1:right"): 3, (VERDICT, "c1:wrong"): 1, (VERDICT, "c2:unsure"): 2,
    (HELPFUL, "credit-report:yes"): 3, (HELPFUL, "credit-report:no"): 1, (HELPFUL, "gone-guide:no"): 2,
    (OUTCOME, "c1:recovered"): 2, (OUTCOME, "c1:partly"): 1, (OUTCOME, "c1:no"): 1, (OUTCOME, "c1:not_tried"): 5,
    (OUTCOME, ":no"): 1,
}  # fmt: skip
NOTHING_YET = ("0", "0", "0", "—")


@pytest.fixture(scope="module")
def sections():
    return {s.slug: s for s in build_sections(COUNTS, kb=small_kb(), guide_titles=GUIDE_TITLES)}


def test_checkups_and_completion_per_symptom(sections):
    section = sections["checkups"]
    assert numbers([section])["checkups"] == {
        "cannot_borrow": ("4", "3", "75.0%"),
        "limit_gone": ("2", "0", "0.0%"),
        "retired": ("1", "0", "0.0%"),  # a symptom the knowledge base no longer has
    }
    assert [row.label for row in section.rows] == ["cannot_borrow 的说法", "limit_gone 的说法", "retired"]


def test_funnel_counts_who_reached_and_left_each_screen_whatever_the_path(sections):
    section = sections["funnel"]
    assert numbers([section])["funnel"] == {
        "symptom": ("—", "6", "—", "—", "85.7%"),  # 6 of the 7 checkups started answered the first question
        "overdue": ("6", "5", "1", "16.7%", "71.4%"),
        "usage": ("2", "1", "1", "50.0%", "50.0%"),  # asked only for limit_gone: 2 started
        "signals": ("4", "2", "2", "50.0%", "28.6%"),  # a grouped screen: one row, counted once
    }
    assert section.rows[2].note == "只问：limit_gone 的说法"
    assert [row.label for row in section.rows] == [
        "symptom 的简称", "overdue 的简称", "usage 的简称", "多选：industry 的简称、region 的简称",
    ]  # fmt: skip


def test_top_five_causes_per_symptom_ties_in_knowledge_base_order(sections):
    section = sections["causes"]
    assert [(row.group, row.key, row.texts) for row in section.rows] == [
        ("cannot_borrow 的说法", "cannot_borrow:c2", ("5", "166.7%")),  # finished counts by day: can pass 100%
        ("cannot_borrow 的说法", "cannot_borrow:retired_cause", ("4", "133.3%")),
        ("cannot_borrow 的说法", "cannot_borrow:c6", ("3", "100.0%")),
        ("cannot_borrow 的说法", "cannot_borrow:c1", ("2", "66.7%")),
        ("cannot_borrow 的说法", "cannot_borrow:c3", ("2", "66.7%")),
        ("limit_gone 的说法", "limit_gone:c1", ("1", "—")),  # nothing finished to divide by
    ]
    assert section.rows[1].label == "retired_cause"


def test_agreement_per_cause(sections):
    assert numbers([sections["agreement"]])["agreement"] == {
        "c1": ("3", "1", "0", "75.0%"),
        "c2": ("0", "0", "2", "0.0%"),
        **{f"c{n}": NOTHING_YET for n in range(3, 7)},
    }


def test_helpfulness_per_guide_with_removed_guides_by_slug(sections):
    section = sections["helpfulness"]
    assert numbers([section])["helpfulness"] == {
        "credit-report": ("3", "1", "75.0%"),
        "lower-debt": ("0", "0", "—"),
        "gone-guide": ("0", "2", "0.0%"),
    }
    assert [row.label for row in section.rows] == ["查征信", "降负债", "gone-guide"]


def test_recovery_leaves_not_tried_out_of_the_rate(sections):
    section = sections["recovery"]
    rows = numbers([section])["recovery"]
    assert rows["c1"] == ("2", "1", "1", "5", "75.0%")
    assert rows[""] == ("0", "0", "1", "0", "0.0%")
    assert all(rows[f"c{n}"] == ("0", "0", "0", "0", "—") for n in range(2, 7))
    assert section.rows[-1].label == "（没有明确原因）"


# --- the page, on counts seeded straight into Tally -------------------------------------------------------


@pytest.fixture
def seeded(content):
    """Counts on a few days around the default period (the last 30 days, today included)."""
    today = timezone.localdate()
    long_ago = today - timedelta(days=60)
    rows = [
        (today, STARTED, "cannot_borrow", 2), (today, FINISHED, "cannot_borrow", 1), (today, ANSWERED, "symptom", 2),
        (today - timedelta(days=3), STARTED, "limit_gone", 3),
        (today, CAUSE, "cannot_borrow:current_overdue", 1), (today, VERDICT, "current_overdue:right", 1),
        (today, HELPFUL, "credit-report:yes", 1), (today, OUTCOME, "current_overdue:partly", 1),
        (today - timedelta(days=29), STARTED, "limit_stuck", 1),  # the first day of the default period
        (today - timedelta(days=30), STARTED, "limit_stuck", 10),  # the day before it
        (long_ago, STARTED, "cannot_borrow", 5), (long_ago, FINISHED, "cannot_borrow", 4),
        (long_ago, STARTED, "retired_symptom", 1), (long_ago, CAUSE, "cannot_borrow:retired_cause", 3),
        (long_ago, VERDICT, "current_overdue:right", 7), (long_ago, HELPFUL, "credit-report:yes", 3),
        (long_ago, OUTCOME, "current_overdue:no", 2),
    ]  # fmt: skip
    Tally.objects.bulk_create(Tally(day=day, kind=kind, key=key, count=count) for day, kind, key, count in rows)
    return today, long_ago


def test_default_period_is_the_last_30_days_including_today(admin_client, seeded):
    today, _long_ago = seeded
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == (today - timedelta(days=29), today)
    checkups = context_numbers(response)["checkups"]
    assert checkups["cannot_borrow"] == ("2", "1", "50.0%")
    assert checkups["limit_gone"] == ("3", "0", "0.0%")
    assert checkups["limit_stuck"] == ("1", "0", "0.0%")
    assert "retired_symptom" not in checkups
    day_before = (today - timedelta(days=30)).isoformat()
    assert context_numbers(admin_client.get(URL, {"start": day_before}))["checkups"]["limit_stuck"][0] == "11"


def test_period_filter_counts_only_days_inside_it(admin_client, seeded):
    day = seeded[1].isoformat()
    response = admin_client.get(URL, {"start": day, "end": day})
    found = context_numbers(response)
    assert found["checkups"]["cannot_borrow"] == ("5", "4", "80.0%")
    assert found["checkups"]["retired_symptom"] == ("1", "0", "0.0%")
    assert found["causes"] == {"cannot_borrow:retired_cause": ("3", "75.0%")}
    assert found["agreement"]["current_overdue"] == ("7", "0", "0", "100.0%")
    assert found["helpfulness"]["credit-report"] == ("3", "0", "100.0%")
    assert found["recovery"]["current_overdue"] == ("0", "0", "2", "0", "0.0%")
    assert all(texts[1] == "0" and texts[0] in ("0", "—") for texts in found["funnel"].values())
    rows = {row.key: row for section in response.context["sections"] for row in section.rows}
    assert rows["retired_symptom"].label == "retired_symptom"  # unknown slugs fall back to the slug
    assert rows["cannot_borrow:retired_cause"].label == "retired_cause"
    assert table_numbers(response.content.decode()) == found


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
    screens = list(dict.fromkeys(q.screen or q.slug for q in kb.questions))
    assert [row.key for row in rows] == screens  # a grouped screen once, where its first question is
    assert "signals" in screens and "industry" not in screens
    assert rows[0].texts[0] == "—"  # opening the checkup is not counted


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-13-45", "end": "oops"}, "有效的日期"),
        ({"start": "99999-01-01"}, "有效的日期"),
        ({"start": "2024-03-01", "end": "2024-02-01"}, "结束日期不能早于开始日期"),
    ],
)
def test_bad_dates_show_an_error_and_the_default_period(admin_client, seeded, params, message):
    today = seeded[0]
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errornote"' in html and message in html
    assert (response.context["start"], response.context["end"]) == (today - timedelta(days=29), today)
    csv_response = admin_client.get(URL, {**params, "format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"] == "text/csv; charset=utf-8"


def test_a_very_wide_period_is_fine(admin_client, seeded):
    response = admin_client.get(URL, {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert context_numbers(response)["checkups"]["limit_stuck"][0] == "11"


def test_csv_export_has_the_same_numbers_as_the_tables(admin_client, seeded, kb):
    today, long_ago = seeded
    for params in ({}, {"start": long_ago.isoformat(), "end": today.isoformat()}):
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


def test_queries_stay_few_however_much_is_counted(admin_client, seeded):
    admin_client.get(URL)  # the first request builds this process's knowledge base
    with CaptureQueriesContext(connection) as small:
        admin_client.get(URL)
    for number in range(40):
        Tally.add(Tally.Kind.HELPFUL, f"guide-{number}:yes")
        Tally.add(Tally.Kind.CAUSE, f"limit_gone:cause_{number}")
    with CaptureQueriesContext(connection) as large:
        admin_client.get(URL)
    assert len(large) == len(small) <= 10
    assert sum(Tally._meta.db_table in query["sql"] for query in large.captured_queries) == 1


def test_anonymous_visitors_are_sent_to_the_admin_login(client, seeded):
    for params in ({}, {"format": "csv"}):
        response = client.get(URL, params)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_logged_in_non_staff_cannot_see_it(client, seeded, django_user_model):
    client.force_login(django_user_model.objects.create_user("visitor", password="x"))
    response = client.get(URL, {"format": "csv"})
    assert response.status_code in (302, 403) and b"cannot_borrow" not in response.content


def test_staff_editors_without_superuser_rights_see_it(client, seeded, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="内容编辑"))  # the group has the dashboard's own permission
    client.force_login(editor)
    assert client.get(URL).status_code == 200


def test_it_is_a_page_of_the_admin_site(admin_client, seeded):
    from django.urls import reverse

    assert reverse("admin:dashboard") == URL
    assert f'href="{URL}"' in admin_client.get("/admin/").content.decode()


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


# --- what real visitors do reaches the page, and a purge does not take it away ---------------------------------


def test_visitors_checkups_votes_and_follow_ups_show_on_the_dashboard(admin_client, content, kb, settings):
    settings.CHECKUP_RATE_LIMIT = 1000
    alice, bob, dan = Client(), Client(), Client()
    result_url = finished_result(alice, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    answer_all(dan, kb, {"symptom": "limit_gone"}, stop_at="overdue")  # leaves after two screens
    for browser, verdict in ((alice, "right"), (alice, "right"), (bob, "right"), (bob, "wrong")):
        browser.post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": verdict})
    for browser, helpful in ((alice, "yes"), (bob, "yes"), (bob, "no")):
        browser.post("/guides/credit-report/feedback/", {"helpful": helpful, "comment": ""})
    Assessment.objects.filter(finished_at__isnull=False).update(finished_at=timezone.now() - timedelta(days=15))
    alice.post(f"{result_url}follow-up/", {"outcome": "partly"})
    alice.post(f"{result_url}follow-up/", {"outcome": "recovered"})

    found = context_numbers(admin_client.get(URL))
    assert found["checkups"]["cannot_borrow"] == ("1", "1", "100.0%")
    assert found["checkups"]["limit_gone"] == ("1", "0", "0.0%")
    assert found["funnel"]["symptom"][1] == "2" and found["funnel"]["scam_contact"][1] == "2"
    assert found["funnel"]["overdue"][:4] == ("2", "1", "1", "50.0%")  # dan saw it and left there
    assert found["causes"]["cannot_borrow:current_overdue"] == ("1", "100.0%")
    assert found["agreement"]["current_overdue"] == ("1", "1", "0", "50.0%")  # one vote per browser
    assert found["helpfulness"]["credit-report"] == ("1", "1", "50.0%")
    assert found["recovery"]["current_overdue"] == ("1", "0", "0", "0", "100.0%")


def test_purging_expired_results_leaves_the_numbers_unchanged(admin_client, content, kb):
    result_url = finished_result(Client(), kb, {"symptom": "cannot_borrow", "overdue": "current"})
    assessment = Assessment.objects.by_token(result_url.split("/")[2])
    Client().post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": "right"})
    FollowUp.objects.create(assessment=assessment, outcome=FollowUp.Outcome.NO, top_cause="current_overdue")
    before = context_numbers(admin_client.get(URL))
    assert FindingVote.objects.exists()
    Assessment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_results", verbosity=0)
    assert not Assessment.objects.exists()
    assert not FindingVote.objects.exists() and not FollowUp.objects.exists()
    assert context_numbers(admin_client.get(URL)) == before
    assert before["checkups"]["cannot_borrow"] == ("1", "1", "100.0%")
