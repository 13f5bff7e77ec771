"""The whole-page cache (config/pagecache.py): a cached page never shows anything that depends on who asks.

Through the real views, middleware and database with Django's test client; `response.page_cache` says what the
cache did ("stored", "hit", "miss"; absent when the request was never a candidate). Two workers are two
`PageStore`s here; test_real_workers_* runs gunicorn with two real worker processes.
"""

import dataclasses
import gzip
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config import pagecache
from diagnosis.models import Assessment
from guides.models import Guide

from .journeys import finished_result
from .serving import ROOT, free_port, prepare_database, server_env, start_server, stop_server, walk_questionnaire
from .test_concurrency import server_database  # noqa: F401 (a fresh database for the real server)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
NONCE = re.compile(r'nonce="([^"]+)"')
CACHED_PAGES = ["/", "/checkup/symptom/", "/guides/", "/guides/credit-report/", "/guides/safety/", "/sitemap.xml"]


def tokens(response):
    return set(TOKEN.findall(response.content.decode()))


def without_secrets(html):
    """The page with every visitor-specific value blanked, to compare two visitors' copies."""
    return NONCE.sub("NONCE", TOKEN.sub("TOKEN", html))


@pytest.fixture
def result_url(client, kb, content):
    """A finished result with several findings; `client` is its owner (it carries the checkup cookie)."""
    return finished_result(client, kb, {"symptom": "cannot_borrow", "overdue": "current", "scam_contact": "yes"})


def outcome(response):
    return getattr(response, "page_cache", None)


# --- stored once, then served with one query ----------------------------------------------------------------


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_page_is_stored_then_served_with_one_query(content, path, django_assert_num_queries):
    first, second = Client(), Client()
    stored = first.get(path)
    assert stored.status_code == 200 and outcome(stored) == "stored"
    with django_assert_num_queries(1):  # the content revision, read fresh
        hit = second.get(path)
    assert hit.status_code == 200 and outcome(hit) == "hit"
    assert without_secrets(hit.content.decode()) == without_secrets(stored.content.decode())
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Referrer-Policy"):
        assert hit[header].split("'nonce-")[0] == stored[header].split("'nonce-")[0]


def test_a_result_seen_before_is_served_with_one_query(result_url, django_assert_num_queries):
    assert outcome(Client().get(result_url)) == "stored"
    with django_assert_num_queries(1):  # the revision and the result's state, in one query
        hit = Client().get(result_url)
    assert outcome(hit) == "hit" and "你的行动清单" in hit.content.decode()


# --- CSRF: every visitor their own token, valid only for them ------------------------------------------------


def test_two_visitors_get_their_own_token_and_can_post_only_with_it(content):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_a, page_b = first.get("/checkup/symptom/"), second.get("/checkup/symptom/")
    assert (outcome(page_a), outcome(page_b)) == ("stored", "hit")
    (token_a,), (token_b,) = tokens(page_a), tokens(page_b)
    secret_a, secret_b = first.cookies["csrftoken"].value, second.cookies["csrftoken"].value
    assert token_a != token_b and secret_a != secret_b
    assert _unmask_cipher_token(token_a) == secret_a and _unmask_cipher_token(token_b) == secret_b

    stolen = second.post("/checkup/symptom/", {"symptom": "limit_gone", "csrfmiddlewaretoken": token_a})
    assert stolen.status_code == 403
    assert not Assessment.objects.exists()
    own = second.post("/checkup/symptom/", {"symptom": "limit_gone", "csrfmiddlewaretoken": token_b})
    assert own.status_code == 302
    assert first.post("/checkup/symptom/", {"symptom": "limit_gone", "csrfmiddlewaretoken": token_a}).status_code == 302
    assert Assessment.objects.count() == 2


def test_a_hit_gives_a_new_visitor_a_csrf_cookie_as_django_does(content):
    stored, hit = Client().get("/guides/credit-report/"), Client().get("/guides/credit-report/")
    assert outcome(hit) == "hit"
    cookie_a, cookie_b = stored.cookies["csrftoken"], hit.cookies["csrftoken"]
    assert cookie_a.value != cookie_b.value
    for attribute in ("max-age", "path", "samesite", "secure", "httponly", "domain"):
        assert cookie_a[attribute] == cookie_b[attribute], attribute
    assert "Cookie" in hit["Vary"]


def test_a_returning_visitor_keeps_their_secret_with_a_fresh_mask(content):
    visitor = Client()
    visitor.get("/guides/credit-report/")
    secret = visitor.cookies["csrftoken"].value
    again = [visitor.get("/guides/credit-report/") for _ in range(2)]
    assert [outcome(r) for r in again] == ["hit", "hit"]
    masked = [tokens(r).pop() for r in again]
    assert masked[0] != masked[1] and {_unmask_cipher_token(t) for t in masked} == {secret}
    assert visitor.cookies["csrftoken"].value == secret


def test_a_cached_page_carries_nothing_of_another_visitor(result_url):
    first, second = Client(), Client()
    page_a, page_b = first.get(result_url), second.get(result_url)
    assert (outcome(page_a), outcome(page_b)) == ("stored", "hit")
    secret_a = first.cookies["csrftoken"].value
    html_b = page_b.content.decode()
    assert secret_a not in html_b
    assert not any(_unmask_cipher_token(t) == secret_a for t in re.findall(r"[A-Za-z0-9]{64}", html_b))
    assert len(tokens(page_b)) == 1 and html_b.count(tokens(page_b).pop()) == html_b.count("csrfmiddlewaretoken") >= 2
    assert set(page_b.cookies) == {"csrftoken"} and page_b.cookies["csrftoken"].value != secret_a
    nonce_a, nonce_b = (NONCE.search(p.content.decode()).group(1) for p in (page_a, page_b))
    assert nonce_a != nonce_b and f"'nonce-{nonce_b}'" in page_b["Content-Security-Policy"]


def test_a_hit_keeps_the_strict_csp_with_its_own_nonce_on_every_script(content):
    Client().get("/")
    hit = Client().get("/")
    assert outcome(hit) == "hit"
    csp = hit["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script\b[^>]*>", hit.content.decode())
    assert scripts and all("src=" in tag and f'nonce="{nonce}"' in tag for tag in scripts)
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp


# --- never served to, or stored from, a request whose page may differ ---------------------------------------


@pytest.mark.parametrize("cookie", ["checkup", "voter", "sessionid", "messages", "something-new"])
def test_a_request_with_any_other_cookie_is_never_served_from_the_cache(content, cookie):
    assert outcome(Client().get("/guides/credit-report/")) == "stored"
    visitor = Client()
    visitor.cookies[cookie] = "x"
    assert outcome(visitor.get("/guides/credit-report/")) is None


@pytest.mark.parametrize(
    "request_kwargs",
    [{"headers": {"HX-Request": "true"}}, {"data": {"page": "1"}}, {"headers": {"Authorization": "Basic eDp4"}}],
    ids=["htmx", "query-string", "authorization"],
)
def test_htmx_query_strings_and_credentials_are_never_served_from_the_cache(content, request_kwargs):
    assert outcome(Client().get("/guides/")) == "stored"
    assert outcome(Client().get("/guides/", **request_kwargs)) is None
    assert outcome(Client().head("/guides/")) is None


def test_a_checkup_in_progress_is_never_stored_for_others(client, content):
    client.post("/checkup/symptom/", {"symptom": "limit_gone"})
    mine = client.get("/")
    assert outcome(mine) is None and "继续上次的体检" in mine.content.decode()
    anyone = Client().get("/")
    assert outcome(anyone) == "stored" and "继续上次的体检" not in anyone.content.decode()
    assert outcome(client.get("/")) is None


def test_staff_never_get_or_leave_a_cached_page(client, content):
    Guide.objects.filter(slug="credit-report").update(status=Guide.Status.DRAFT)
    assert Client().get("/guides/credit-report/").status_code == 404
    staff = User.objects.create_user("editor", password="x-long-password-1", is_staff=True)
    client.force_login(staff)
    preview = client.get("/guides/credit-report/")
    assert preview.status_code == 200 and outcome(preview) is None and "草稿预览" in preview.content.decode()
    assert Client().get("/guides/credit-report/").status_code == 404


def test_only_a_200_from_a_listed_view_is_stored(content):
    assert outcome(Client().get("/checkup/")) is None  # /checkup/ is not a listed page
    response = Client().get("/checkup/overdue/")  # listed, but without answers it redirects to the first question
    assert response.status_code == 302 and outcome(response) == "miss"
    assert outcome(Client().get("/guides/no-such-guide/")) == "miss"


@pytest.mark.parametrize("change", ["cookie", "session"])
def test_a_response_that_sets_a_cookie_or_changes_the_session_is_not_stored(rf, content, change):
    def view(request):
        response = HttpResponse("<p>每个人都一样的页面</p>" * 40)
        if change == "cookie":
            response.set_cookie("voter", "someone")
        else:
            request.session["seen"] = True
        return response

    request = rf.get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    response = pagecache.PageCacheMiddleware(view)(request)
    assert outcome(response) == "miss" and not pagecache.store.entries


# --- freshness: the next request after a change shows it, in every worker -----------------------------------


@pytest.fixture
def two_workers(monkeypatch):
    """Switch the page cache between two stores, as two gunicorn workers each have their own."""
    stores = [pagecache.store, pagecache.PageStore(pagecache.store.max_bytes)]

    def use(number):
        monkeypatch.setattr(pagecache, "store", stores[number])

    return use


def test_an_editors_change_shows_on_the_next_request_in_every_worker(content, two_workers):
    path = "/guides/credit-report/"
    for worker in (0, 1):
        two_workers(worker)
        assert [outcome(Client().get(path)) for _ in range(2)] == ["stored", "hit"]
    guide = Guide.objects.get(slug="credit-report")
    guide.title = "改过的标题：怎样查自己的征信"
    guide.save()  # as the admin does; the signal moves the content revision
    for worker in (0, 1):
        two_workers(worker)
        fresh = Client().get(path)
        assert outcome(fresh) == "stored" and "改过的标题：怎样查自己的征信" in fresh.content.decode()
    index = Client().get("/guides/")
    assert "改过的标题：怎样查自己的征信" in index.content.decode()


def test_a_deleted_result_is_404_at_once_in_every_worker(client, result_url, two_workers):
    for worker in (0, 1):
        two_workers(worker)
        assert [outcome(Client().get(result_url)) for _ in range(2)] == ["stored", "hit"]
    assert client.post(f"{result_url}delete/").status_code == 302
    for worker in (0, 1):
        two_workers(worker)
        gone = Client().get(result_url)
        assert gone.status_code == 404 and "找不到这个页面" in gone.content.decode()


def test_an_expired_result_is_404_at_once(result_url):
    assert [outcome(Client().get(result_url)) for _ in range(2)] == ["stored", "hit"]
    Assessment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(result_url).status_code == 404


def test_a_result_shows_its_follow_up_question_once_due_and_the_answer_given(client, result_url):
    assert "你的额度恢复了吗？" not in Client().get(result_url).content.decode()
    assert outcome(Client().get(result_url)) == "hit"
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=15))  # no write to the result itself
    due = Client().get(result_url)
    assert outcome(due) == "stored" and "你的额度恢复了吗？" in due.content.decode()
    assert client.post(f"{result_url}follow-up/", {"outcome": "partly"}).status_code == 302
    answered = Client().get(result_url).content.decode()
    assert 'value="partly" class="btn btn-outline-primary me-2 mb-2" aria-pressed="true"' in answered


def test_a_vote_refreshes_the_result_in_the_cache(client, result_url):
    assert [outcome(Client().get(result_url)) for _ in range(2)] == ["stored", "hit"]
    before = Assessment.objects.get().updated_at
    client.post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": "right"})
    assert Assessment.objects.get().updated_at > before
    assert outcome(Client().get(result_url)) == "stored"


def test_an_old_copy_is_rendered_again_and_the_store_keeps_to_its_size(content, settings):
    settings.PAGE_CACHE_SECONDS = 0  # read when a client's middleware is built
    assert [outcome(Client().get("/guides/")) for _ in range(2)] == ["stored", "stored"]

    settings.PAGE_CACHE_SECONDS = 600
    paths = ("/", "/guides/", "/guides/credit-report/", "/guides/safety/", "/checkup/symptom/")
    for path in paths:
        Client().get(path)
    entries = {key[2]: entry for key, entry in pagecache.store.entries.items()}
    store = pagecache.PageStore(max_bytes=sum(entries[p].size for p in paths[1:]))
    for path in paths:
        store.put(path, entries[path])
    assert list(store.entries) == list(paths[1:])  # the oldest went first
    assert store.size == sum(e.size for e in store.entries.values()) <= store.max_bytes
    store.clear()
    store.put("/guides/", dataclasses.replace(entries["/guides/"], expires=time.monotonic() - 1))
    store.put("/", entries["/"])  # an expired copy at the old end goes when anything is stored
    assert list(store.entries) == ["/"]


# --- no JavaScript: every form on a cached page still posts --------------------------------------------------


def test_without_javascript_every_form_on_a_cached_page_posts(result_url):
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=15))
    Client().get(result_url)
    Client().get("/guides/credit-report/")
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(result_url)
    assert outcome(page) == "hit"
    token = tokens(page).pop()
    vote = {"cause": "current_overdue", "verdict": "right", "csrfmiddlewaretoken": token}
    assert visitor.post(f"{result_url}vote/", vote).status_code == 302
    answer = {"outcome": "no", "csrfmiddlewaretoken": token}
    assert visitor.post(f"{result_url}follow-up/", answer).status_code == 302

    reader = Client(enforce_csrf_checks=True)
    guide = reader.get("/guides/credit-report/")
    assert outcome(guide) == "hit"
    feedback = {"helpful": "yes", "comment": "", "csrfmiddlewaretoken": tokens(guide).pop()}
    assert reader.post("/guides/credit-report/feedback/", feedback).status_code == 302


# --- bytes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_cached_page_is_sent_gzipped_and_unpacks_to_the_same_page(content, path):
    plain = Client().get(path)
    packed = Client().get(path, headers={"Accept-Encoding": "br, gzip"})
    assert outcome(packed) == "hit" and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert without_secrets(html) == without_secrets(plain.content.decode())
    if "csrfmiddlewaretoken" in html:
        assert _unmask_cipher_token(TOKEN.search(html).group(1)) == packed.cookies["csrftoken"].value


def test_result_and_guide_pages_weigh_about_6_kb_compressed(result_url):
    """About 14 KB before compression; ~6 KB after (the one-screen result with its plan, a guide with its sources)."""
    weights = {}
    for path in (result_url, "/guides/credit-report/", "/guides/"):
        for attempt in ("stored", "hit"):
            response = Client().get(path, headers={"Accept-Encoding": "gzip"})
            assert outcome(response) == attempt and response["Content-Encoding"] == "gzip"
            weights[(path, attempt)] = len(response.content)
    assert all(size <= 7 * 1024 for size in weights.values()), weights
    uncompressed = len(Client().get(result_url).content)
    assert uncompressed > 2.5 * weights[(result_url, "hit")], (uncompressed, weights)


def test_pages_that_are_not_cached_are_compressed_too(client, result_url):
    mine = client.get(result_url, headers={"Accept-Encoding": "gzip"})  # the owner: never cached
    assert outcome(mine) is None and mine["Content-Encoding"] == "gzip"
    assert "你的行动清单" in gzip.decompress(mine.content).decode()


# --- the guide page loads only what it shows ----------------------------------------------------------------


def test_the_guide_page_loads_only_what_it_renders(content):
    reader = Client()
    reader.cookies["voter"] = "not-cached"  # the view itself, with its article fragment already cached
    reader.get("/guides/credit-report/")
    with CaptureQueriesContext(connection) as queries:
        page = reader.get("/guides/credit-report/")
    assert page.status_code == 200 and "本文目录" in page.content.decode()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "body_html" not in sql and '"toc"' not in sql and "guide_related" not in sql
    assert len(queries.captured_queries) <= 3


# --- the real server: two gunicorn workers, each with its own memory -------------------------------------------


def test_real_workers_show_an_edit_and_a_deletion_on_the_next_request(server_database, kb, tmp_path):  # noqa: F811
    url, _count = server_database
    env = server_env(url, PAGE_CACHE_HEADER="1", CHECKUP_RATE_LIMIT="1000000")
    prepare_database(env)
    port = free_port()
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"]
    with (tmp_path / "server.log").open("w") as log:
        server = start_server(
            port, env, command=[*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2"], output=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _first_step, visitor, result = walk_questionnaire(base, kb)
            guide = f"{base}/guides/credit-report/"
            for page in (guide, result):
                assert fetch_until_both_workers_stored(page), page

            edit = "g = Guide.objects.get(slug='credit-report'); g.title = '编辑刚改的标题'; g.save()"
            shell = [sys.executable, "manage.py", "shell", "-c", f"from guides.models import Guide; {edit}"]
            subprocess.run(shell, cwd=ROOT, env=env, check=True, capture_output=True)
            after_edit = fetch_many(guide, 16)
            assert all(status == 200 and "编辑刚改的标题" in body for status, body, _ in after_edit)
            assert [cache for _, _, cache in after_edit].count("stored") == 2  # each worker rendered it once

            visitor.get(result.removeprefix(base) + "delete/")
            visitor.post(result + "delete/", {})
            assert all(status == 404 for status, _, _ in fetch_many(result, 16))
        finally:
            stop_server(server)


def fetch(url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return response.status, body.decode(), response.headers.get("X-Page-Cache")
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers.get("X-Page-Cache")


def fetch_many(url, count):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, [url] * count))


def fetch_until_both_workers_stored(url):
    seen = []
    for _ in range(10):
        seen += [cache for status, _, cache in fetch_many(url, 16) if status == 200]
        if seen.count("stored") >= 2 and "hit" in seen:
            return True
    return False
