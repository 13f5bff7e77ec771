"""Real-browser fixtures: Debian's Chromium driven by Playwright against the production-like server.

The server is gunicorn + whitenoise with DEBUG off (as in production), on a fresh SQLite file, so what
the browser measures (CSP, compressed static files, page weight) is what visitors get. Locally the
tests skip with a message when Chromium is missing; CI sets REQUIRE_BROWSER=1 and fails instead.
"""

import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from ..serving import ROOT, free_port, start_server, stop_server

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


def chromium_path():
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt install chromium): browser tests need it"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The base URL of a running production-like server with the default content."""
    database = tmp_path_factory.mktemp("browser") / "site.sqlite3"
    env = {
        **os.environ,
        "SECRET_KEY": "browser-test-only",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "CHECKUP_RATE_LIMIT": "100000",
        "PAGE_CACHE_HEADER": "1",  # X-Page-Cache, so tests can tell a page came from the page cache
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for command in (["migrate", "--noinput"], ["load_content"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"]
    log = (tmp_path_factory.getbasetemp() / "browser-server.log").open("w")
    server = start_server(port, env, command=[*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2"], output=log)
    yield f"http://127.0.0.1:{port}"
    stop_server(server)
    log.close()


class Recorder:
    """Every request the page makes, so a test can fail on any third-party host."""

    def __init__(self, page):
        self.urls = []
        page.on("request", lambda request: self.urls.append(request.url))

    def foreign(self, base):
        host = urllib.parse.urlparse(base).netloc
        return [u for u in self.urls if u.startswith("http") and urllib.parse.urlparse(u).netloc != host]


@pytest.fixture
def make_page(chromium, site):
    """make_page(javascript=True, **context options) → (page, recorder) at a phone's viewport."""
    contexts = []

    def make(javascript=True, **options):
        context = chromium.new_context(
            viewport=PHONE, java_script_enabled=javascript, locale="zh-CN", base_url=site, **options
        )
        contexts.append(context)
        page = context.new_page()
        return page, Recorder(page)

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
