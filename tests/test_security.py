"""Production settings: deploy check, security headers with a strict CSP, static caching, health check."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

PUBLIC_PAGES = ["/", "/guides/", "/healthz"]


def run_python(code, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**base, **env}, cwd=settings.BASE_DIR
    )


def test_check_deploy_reports_no_issues_with_production_environment():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS"}},
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
            "ALLOWED_HOSTS": "example.cn",
            "BEHIND_TLS_PROXY": "1",
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_missing_secret_key_is_a_clear_error():
    done = run_python("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
                      SECRET_KEY="")  # fmt: skip
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_on_every_response(client, content, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("path", ["/", "/guides/"])
def test_pages_have_no_inline_script_or_style_and_the_htmx_tag_has_the_nonce(client, content, path):
    response = client.get(path)
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag and f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"<style\b", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)[^\"' ]+\.(?:css|js)", html)


def test_hashed_static_files_are_cached_for_a_year(client):
    url = staticfiles_storage.url("css/site.css")
    assert re.search(r"site\.[0-9a-f]{12}\.css$", url)
    response = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200
    assert "max-age=315360000" in response["Cache-Control"] or "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] in ("br", "gzip")


def test_healthz_is_ok_and_sets_no_cookie(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_down():
    """A real unreachable database (nothing listens on port 9), not a mock."""
    done = run_python(
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.json()['database'])",
        SECRET_KEY="x",
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none?connect_timeout=2",
    )
    assert done.stdout.split() == ["503", "down"], done.stderr[-2000:]


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


def test_checks_run_without_a_secret_key_but_serving_does_not(tmp_path):
    """`manage.py check` works on a fresh clone with no SECRET_KEY; anything that serves still stops and names it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    check = subprocess.run([sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    serve = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=root, env=env, capture_output=True, text=True
    )
    assert serve.returncode != 0 and "SECRET_KEY is not set" in serve.stderr
