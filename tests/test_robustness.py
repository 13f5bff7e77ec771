"""Malformed requests to every public URL and the admin login: always a 4xx page, never a 500, nothing saved lost.

The test client raises on any exception in a view, so every request here would fail loudly on a 500.
"""

import pytest
from django.test import Client

from diagnosis.models import Assessment

LONG = "q" * 20_000
FINISHED_ANSWERS = {"symptom": "limit_gone", "overdue": "never", "scam_contact": "no"}


@pytest.fixture
def saved(content):
    """A finished result that must survive every bad request untouched."""
    from django.utils import timezone

    assessment = Assessment.objects.create(answers=dict(FINISHED_ANSWERS), finished_at=timezone.now())
    return assessment


def public_urls(token):
    return [
        "/",
        "/checkup/",
        "/checkup/symptom/",
        "/checkup/review/",
        f"/r/{token}/",
        "/guides/",
        "/guides/credit-report/",
        "/guides/safety/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/admin/login/",
    ]


def assert_unchanged(assessment):
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.answers == FINISHED_ANSWERS
    assert fresh.finished_at == assessment.finished_at


def assert_friendly_4xx(response):
    assert 400 <= response.status_code < 500, response.status_code
    if response.get("Content-Type", "").startswith("text/html"):
        assert "<html" in response.content.decode().lower()


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "trace"])
def test_wrong_methods_are_refused(client, saved, method):
    for url in public_urls(saved.token):
        response = getattr(client, method)(url)
        assert response.status_code in (400, 403, 404, 405), (url, method, response.status_code)
    assert_unchanged(saved)


def test_huge_query_strings(client, saved):
    for url in public_urls(saved.token):
        response = client.get(url, {"q": LONG, "next": LONG, "x" * 500: "y"})
        assert response.status_code < 500, url
    assert_unchanged(saved)


def test_invalid_utf8_in_path_and_query(client, saved):
    for url in ["/checkup/%FF%FE/", "/guides/%C3%28/", "/r/%FF/", "/guides/?q=%FF%FE", "/checkup/?next=%C0%AF"]:
        response = client.get(url)
        assert response.status_code < 500, url
    assert_unchanged(saved)


@pytest.mark.parametrize(
    "path",
    ["/r/nope/", "/r/" + "A" * 300 + "/", "/r/../../etc/passwd/", "/r/%00/", "/guides/no-such-guide/",
     "/guides/<script>/", "/checkup/no_such_question/", "/checkup/../admin/", "/r/ /"],
)  # fmt: skip
def test_unknown_and_malformed_slugs_and_tokens_are_friendly_404s(client, saved, path):
    response = client.get(path)
    assert response.status_code in (404, 400, 301, 302), path
    if response.status_code == 404:
        assert "<html" in response.content.decode().lower()
    assert_unchanged(saved)


def test_body_over_the_upload_limit(client, saved):
    big = {"symptom": "x" * 300_000}
    for url in ["/checkup/symptom/", "/admin/login/", f"/r/{saved.token}/delete/"]:
        response = client.post(url, big)
        assert_friendly_4xx(response)
    many_fields = {f"f{i}": "1" for i in range(1000)}
    response = client.post("/checkup/symptom/", many_fields)
    assert_friendly_4xx(response)
    assert_unchanged(saved)


def test_tampered_choice_and_hidden_fields(client, saved):
    for value in ["", "limit_gone' OR 1=1", "<script>", "a" * 5000, "\x00"]:
        response = client.post("/checkup/symptom/", {"symptom": value, "next": "https://evil.example/"})
        assert response.status_code in (200, 400), value
        assert "evil.example" not in response.get("Location", "")
    assert_unchanged(saved)


def test_missing_csrf_gets_a_friendly_403(saved):
    strict = Client(enforce_csrf_checks=True)
    for url in ["/checkup/symptom/", f"/r/{saved.token}/delete/", "/admin/login/"]:
        response = strict.post(url, {"symptom": "limit_gone"})
        assert response.status_code == 403, url
        assert "<html" in response.content.decode().lower()
    assert Assessment.objects.filter(pk=saved.pk).exists()
    assert_unchanged(saved)


def test_admin_login_with_garbage(client, saved):
    for data in [{}, {"username": LONG[:5000], "password": "x"}, {"username": "\x00", "password": "\x00"}]:
        response = client.post("/admin/login/", data)
        assert response.status_code in (200, 400, 403, 429)
    assert_unchanged(saved)
