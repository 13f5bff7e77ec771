"""Infrastructure faults degrade, never 5xx: a dead Redis, sessions across workers, the health check.

A "dead Redis" here is a real one that cannot be reached: REDIS_URL pointing at a closed port, through the same
CACHES the settings build from REDIS_URL, not a mock. Tests that need a live Redis use REDIS_URL (CI sets it on
the PostgreSQL pass) and skip, saying so, when it is not set.
"""

import logging
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from config.settings import redis_caches
from diagnosis.models import Assessment

from .journeys import answer_all, finish
from .serving import (
    ROOT,
    Visitor,
    free_port,
    prepare_database,
    server_env,
    start_server,
    stop_server,
    walk_questionnaire,
)
from .test_concurrency import server_database  # noqa: F401  (a fixture)

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LIVE_REDIS = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not LIVE_REDIS, reason="no Redis configured: set REDIS_URL (CI does)")
PASSWORD = "a-long-test-password-9"


@pytest.fixture
def dead_redis(settings):
    """The site's own Redis cache settings, pointing at a closed port; every process starts with Redis up."""
    from config import cache as fail_open

    settings.CACHES = redis_caches(DEAD_REDIS)
    fail_open.Outage.reset()
    yield
    fail_open.Outage.reset()


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("boss", password=PASSWORD)


def test_every_page_and_every_answer_post_work_while_redis_is_down(client, kb, content, dead_redis, caplog):
    caplog.set_level(logging.WARNING)
    for url in ["/", "/guides/", "/guides/credit-repair/", "/guides/credit-report/", "/robots.txt", "/sitemap.xml"]:
        assert client.get(url).status_code == 200, url

    answer_all(client, kb, {"symptom": "cannot_borrow", "overdue": "current"})
    result_url = finish(client)
    page = client.get(result_url)
    assert page.status_code == 200 and "你的行动清单" in page.content.decode()
    assert client.get(f"{result_url}reminder.ics").status_code == 200

    response = client.post(f"{result_url}vote/", {"cause": "current_overdue", "verdict": "right"})
    assert response.status_code == 302
    Assessment.objects.update(finished_at=timezone.now() - timedelta(days=20))
    assert client.post(f"{result_url}follow-up/", {"outcome": "partly"}).status_code == 302
    response = client.post("/guides/credit-report/feedback/", {"helpful": "yes"})
    assert response.status_code == 302
    assert client.post("/checkup/restart/").status_code == 302
    assert client.post(f"{result_url}delete/").status_code == 302
    assert not Assessment.objects.exists()

    warnings = [r.getMessage() for r in caplog.records if r.name == "config.cache"]
    assert warnings and "Cache unreachable" in warnings[0]
    assert len(warnings) == 1  # one warning per outage, not one per call


def test_the_admin_login_and_logout_work_while_redis_is_down(client, staff, dead_redis):
    assert client.get("/admin/login/").status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout/").status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_healthz_reports_a_dead_cache_and_stays_200(client, db, dead_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "down"}
    assert not response.cookies


@needs_redis
def test_healthz_reports_a_live_cache(client, db, settings):
    settings.CACHES = redis_caches(LIVE_REDIS)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


@needs_redis
def test_the_rate_limit_counts_in_the_shared_redis(client, kb, content, settings):
    settings.CACHES = redis_caches(LIVE_REDIS)
    settings.CHECKUP_RATE_LIMIT = 3
    cache.clear()
    codes = [client.post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code for _ in range(5)]
    counters = cache._cache.get_client().keys("edu:*")  # the rate-limit counters, in Redis itself
    cache.clear()
    # The first answer creates the checkup; from then on its token is counted (3 a minute here).
    assert codes == [302, 302, 302, 302, 429]
    assert counters


@needs_redis
def test_a_redis_that_refuses_scripts_lets_posts_through_and_says_so(client, kb, content, settings, caplog):
    """Some managed Redis services forbid Lua. The counting script then fails: posts pass, a warning is logged."""
    import redis

    url = urllib.parse.urlparse(LIVE_REDIS)
    admin = redis.Redis.from_url(LIVE_REDIS)
    admin.acl_setuser("edu-noscript", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-@scripting"])
    try:
        settings.CACHES = redis_caches(url._replace(netloc=f"edu-noscript@{url.hostname}:{url.port or 6379}").geturl())
        settings.CHECKUP_RATE_LIMIT = 2
        with caplog.at_level(logging.WARNING, logger="config.cache"):
            codes = [client.post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code for _ in range(5)]
        assert codes == [302] * 5
        assert "Cache error" in caplog.text
    finally:
        admin.acl_deluser("edu-noscript")


# --- A logout on one worker ends the session on every worker -----------------------------------------------------


def test_a_session_ended_elsewhere_is_not_kept_alive_by_this_process(client, staff):
    """Another worker's logout deletes the session from the shared store (the database): this process must agree.

    With cached_db sessions on a per-process cache, this worker kept serving the logged-out session from its
    own memory.
    """
    client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200
    Session.objects.all().delete()  # what the logout on another worker leaves in the shared store
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- The cache comes back --------------------------------------------------------------------------------------


class ClosingServer:
    """A TCP port that accepts connections and closes them at once: a Redis that is there but broken."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.socket.close()


def test_a_broken_cache_is_left_alone_for_a_few_seconds_then_tried_again(settings, monkeypatch):
    from config import cache as fail_open

    server = ClosingServer()
    try:
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{server.port}/0")
        fail_open.Outage.reset()
        assert cache.get("k", "miss") == "miss"
        tried = server.connections
        assert tried >= 1
        for _ in range(20):
            cache.set("k", 1)
            assert cache.get("k") is None
        assert server.connections == tried  # skipped during the outage: no connect per call

        later = fail_open.time.monotonic() + fail_open.RETRY_AFTER + 1
        monkeypatch.setattr(fail_open.time, "monotonic", lambda: later)
        assert cache.get("k") is None
        assert server.connections > tried  # tried again once the pause is over
    finally:
        server.close()
        fail_open.Outage.reset()


# --- The real server with a dead Redis ---------------------------------------------------------------------------


def test_the_real_server_keeps_serving_with_a_dead_redis(server_database, kb, tmp_path):  # noqa: F811
    url, _count = server_database
    env = server_env(url, REDIS_URL=DEAD_REDIS)
    prepare_database(env)
    create_staff = "from django.contrib.auth.models import User; User.objects.create_superuser('boss', password=%r)"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", create_staff % PASSWORD],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    log = tmp_path / "server.log"
    gunicorn = [str(os.path.join(os.path.dirname(sys.executable), "gunicorn")), "config.wsgi:application"]
    with log.open("w") as log_file:
        server = start_server(
            port, env, command=[*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2"], output=log_file
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
                health = response.read().decode()
            for path in ["/guides/", "/guides/credit-report/"]:
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    assert response.status == 200
            _first, _visitor, result_url = walk_questionnaire(base, kb)
            with urllib.request.urlopen(result_url, timeout=10) as response:
                assert response.status == 200

            admin = Visitor(base)
            admin.get("/admin/login/")
            landed, _page = admin.post(base + "/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})
            assert urllib.parse.urlparse(landed).path == "/admin/", landed
        finally:
            stop_server(server)

    assert re.search(r'"database":\s*"ok"', health) and re.search(r'"cache":\s*"down"', health), health
    server_log = log.read_text()
    assert "Internal Server Error" not in server_log and "Traceback" not in server_log, server_log[-3000:]
    assert "Cache unreachable" in server_log
