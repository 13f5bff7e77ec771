"""The smaller faults from the attack-and-fault review, each reproduced through the real views and database.

Results are never cached by a browser or proxy; a double tap on "finish" is counted once; a form in another
charset gets the friendly 400 (never a 500); a Permissions-Policy header; one model's version can never be reverted
through another model's history URL; comments, login records and sessions expire with the daily purge; result
tokens never reach a log.
"""

import logging
import os
import sys
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import reversion
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from diagnosis import views
from diagnosis.models import Assessment, Cause
from guides.models import Guide
from outcomes.models import GuideVote, Tally

from .journeys import answer_all, finish
from .serving import free_port, prepare_database, server_env, start_server, stop_server, walk_questionnaire
from .test_concurrency import server_database  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def tally(kind, key):
    return sum(Tally.objects.filter(kind=kind, key=key).values_list("count", flat=True))


@pytest.fixture
def result_url(client, kb, content):
    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    return finish(client)


# --- Results are private ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "reminder.ics", "delete/"])
def test_results_and_their_calendar_file_are_never_stored_by_a_cache(client, result_url, suffix):
    response = client.get(result_url + suffix)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


# --- Finishing is counted once ---------------------------------------------------------------------------------


def test_a_double_tap_on_finish_is_counted_once(client, kb, content, monkeypatch):
    """Two taps race: both read the checkup unfinished, then the second finishes before the first writes."""
    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    other_tap = Client()
    other_tap.cookies = client.cookies  # the same browser
    loaded = views.checkup_state
    raced = []

    def read_then_lose_the_race(request):
        kb, assessment = loaded(request)
        if request.method == "POST" and not raced:
            raced.append(None)  # only the first tap waits; the other runs straight through
            raced[0] = other_tap.post("/checkup/review/")  # finishes while this request holds its stale copy
        return kb, assessment

    monkeypatch.setattr(views, "checkup_state", read_then_lose_the_race)
    response = client.post("/checkup/review/")

    assert raced[0].status_code == 302 and response.status_code == 302
    assert response["Location"] == raced[0]["Location"]
    assert Assessment.objects.filter(finished_at__isnull=False).count() == 1
    assert tally(Tally.Kind.FINISHED, "cannot_borrow") == 1
    assert tally(Tally.Kind.CAUSE, "cannot_borrow:current_overdue") == 1


def test_a_sequential_double_post_is_counted_once(client, kb, content):
    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    first, second = client.post("/checkup/review/"), client.post("/checkup/review/")
    assert first["Location"] == second["Location"]
    assert tally(Tally.Kind.FINISHED, "cannot_borrow") == 1
    assert tally(Tally.Kind.CAUSE, "cannot_borrow:current_overdue") == 1


# --- A form in another charset -----------------------------------------------------------------------------------

BAD_CHARSETS = [
    ("gbk", b"\x81\xff\xfe"),
    ("utf-16", "limit_gone".encode("utf-16")),
    ("x-no-such-charset", b"\xff\xfe"),
    ("latin-1", b"\xe9"),
]


@pytest.fixture
def post_endpoints(client, kb, content):
    """All 8 POST endpoints, with what each needs to exist (a checkup, a finished result due its follow-up)."""
    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    result = finish(client)
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=20))
    answer_all(Client(), kb, {"symptom": "limit_gone"})
    User.objects.create_user("editor", password="long-editor-password-2718", is_staff=True)
    return [
        "/checkup/symptom/",
        "/checkup/review/",
        "/checkup/restart/",
        f"{result}vote/",
        f"{result}follow-up/",
        f"{result}delete/",
        "/guides/credit-report/feedback/",
        "/admin/login/",
    ]


@pytest.mark.parametrize(("charset", "value"), BAD_CHARSETS)
def test_a_form_in_another_charset_gets_the_friendly_400(client, post_endpoints, charset, value):
    strict = Client(enforce_csrf_checks=True, raise_request_exception=True)
    strict.cookies = client.cookies
    strict.get("/checkup/symptom/")
    token = strict.cookies["csrftoken"].value
    before = list(Assessment.objects.values_list("pk", "answers", "finished_at"))
    for url in post_endpoints:
        body = f"csrfmiddlewaretoken={token}&symptom=".encode() + value
        response = strict.generic(
            "POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )
        assert response.status_code == 400, (url, response.status_code)
        html = response.content.decode()
        assert "<html" in html and "请求" in html, url
    assert list(Assessment.objects.values_list("pk", "answers", "finished_at")) == before


def test_a_broken_body_gets_a_4xx_even_where_there_is_no_page(client, post_endpoints):
    """Too many fields or a broken multipart body, with CSRF checks on as in production: never a 500."""
    strict = Client(enforce_csrf_checks=True, raise_request_exception=True)
    strict.cookies = client.cookies
    strict.get("/checkup/symptom/")
    token = strict.cookies["csrftoken"].value
    many = {"csrfmiddlewaretoken": token, **{f"f{i}": "1" for i in range(1000)}}
    for url in [*post_endpoints, "/no-such-page/", "/r/NoSuchResultTokenHere00/vote/"]:
        assert 400 <= strict.post(url, many).status_code < 500, url
        broken = strict.post(url, b"--x\r\n", content_type="multipart/form-data; boundary=")
        assert 400 <= broken.status_code < 500, url


def test_utf8_declared_or_not_still_works(client, kb, content):
    for content_type in ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8"]:
        response = Client().generic("POST", "/checkup/symptom/", b"symptom=limit_gone", content_type=content_type)
        assert response.status_code == 302, content_type


# --- Permissions-Policy --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/guides/", "/checkup/symptom/", "/healthz", "/admin/login/"])
def test_pages_switch_off_browser_features_they_never_use(client, content, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


# --- History: one model's version through another model's URL ----------------------------------------------------


@pytest.fixture
def editor_client(client, content):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="内容编辑"))
    client.force_login(user)
    return client


def test_a_guide_version_cannot_be_reverted_through_a_causes_history(editor_client):
    cause = Cause.objects.order_by("pk").first()
    guide = Guide.objects.filter(pk=cause.pk).first() or Guide.objects.first()
    if guide.pk != cause.pk:  # give the cause the guide's id so only the model tells them apart
        cause = Cause.objects.get(pk=guide.pk)
    title = guide.title
    with reversion.create_revision():
        guide.title = "被改过的标题"
        guide.save()
    version = Version.objects.get_for_object(guide).first()
    assert version.object_id == str(cause.pk)

    cause_history = f"/admin/diagnosis/cause/{cause.pk}/history/{version.pk}/"
    assert editor_client.get(cause_history).status_code == 404
    assert editor_client.post(cause_history, {}).status_code == 404
    assert editor_client.get(f"{cause_history}changes/").status_code == 404
    assert editor_client.get(f"/admin/diagnosis/cause/recover/{version.pk}/").status_code == 404
    guide.refresh_from_db()
    assert guide.title == "被改过的标题" != title
    # Through its own model's URL the version opens as before.
    assert editor_client.get(f"/admin/guides/guide/{guide.pk}/history/{version.pk}/").status_code == 200


# --- The daily purge ---------------------------------------------------------------------------------------------


def test_the_daily_purge_expires_comments_login_records_and_sessions(content, settings):
    now = timezone.now()
    guide = Guide.objects.published().first()
    old_comment = GuideVote.objects.create(guide=guide, helpful=False, comment="我的手机号是……", voter="old")
    recent = GuideVote.objects.create(guide=guide, helpful=True, comment="有用", voter="recent")
    ancient = GuideVote.objects.create(guide=guide, helpful=True, comment="", voter="ancient")
    GuideVote.objects.filter(pk=old_comment.pk).update(
        created_at=now - timedelta(days=settings.COMMENT_RETENTION_DAYS + 1)
    )
    GuideVote.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=400))
    stale = now - timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS + 1)
    for model, extra in [(AccessAttempt, {"failures_since_start": 3}), (AccessLog, {})]:
        old = model.objects.create(username="x", ip_address="198.51.100.7", user_agent="ua", **extra)
        model.objects.filter(pk=old.pk).update(attempt_time=stale)  # attempt_time is set on create
        model.objects.create(username="y", ip_address="198.51.100.8", user_agent="ua", **extra)
    Session.objects.create(session_key="a" * 32, session_data="x", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="b" * 32, session_data="x", expire_date=now + timedelta(days=1))
    helpful_before = tally(Tally.Kind.HELPFUL, f"{guide.slug}:no")

    call_command("purge_results", verbosity=0)

    old_comment.refresh_from_db()
    assert old_comment.comment == "" and old_comment.helpful is False  # the vote still counts, the words are gone
    assert GuideVote.objects.get(pk=recent.pk).comment == "有用"
    assert not GuideVote.objects.filter(pk=ancient.pk).exists()  # its voter cookie expired long ago
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["y"]
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["y"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert tally(Tally.Kind.HELPFUL, f"{guide.slug}:no") == helpful_before


# --- Tokens never reach a log --------------------------------------------------------------------------------------


def test_redaction_hides_result_tokens_and_nothing_else():
    from config.redact import redact

    token = "AbCdEfGhIjKlMnOpQrStUv"
    line = f'1.2.3.4 - - "GET /r/{token}/vote/ HTTP/1.1" 302 0 "https://e.cn/r/{token}/" "UA" /guides/credit-report/'
    redacted = redact(line)
    assert token not in redacted
    assert redacted.count("/r/…/") == 2 and "/guides/credit-report/" in redacted


def test_a_log_record_loses_its_token():
    from config.redact import RedactResultTokens

    path = "/r/AbCdEfGhIjKlMnOpQrStUv/"
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    assert RedactResultTokens().filter(record)
    assert record.getMessage() == "Not Found: /r/…/"


def test_the_real_servers_logs_never_carry_a_token(server_database, kb, tmp_path):  # noqa: F811
    """gunicorn's access log (request line and referrer) and Django's own 404 warning, from the real server."""
    url, _count = server_database
    env = server_env(url)
    prepare_database(env)
    port = free_port()
    log = tmp_path / "server.log"
    gunicorn = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "config/gunicorn.conf.py"]
    with log.open("w") as log_file:
        server = start_server(
            port, env, command=[*gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}"], output=log_file
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _first, visitor, result = walk_questionnaire(base, kb)
            token = result.rstrip("/").rsplit("/", 1)[-1]
            visitor.get(result.replace(base, ""))
            request = urllib.request.Request(base + "/guides/", headers={"Referer": result})
            urllib.request.urlopen(request, timeout=10).read()
            missing = "Nobody-Has-This-Token-000"
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"{base}/r/{missing}/", timeout=10)
        finally:
            stop_server(server)
    server_log = log.read_text()
    assert '"GET /r/…/ HTTP/1.1" 200' in server_log  # the access log is on, and redacted
    assert "Not Found: /r/…/" in server_log
    assert token not in server_log and missing not in server_log
