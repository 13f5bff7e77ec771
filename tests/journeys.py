"""Walking the questionnaire as a visitor does: the one helper every test uses, whatever drives the site.

`walk` follows the site from step to step, answering what it asks (the given answer, or the first choice);
`answer_all` / `finish` / `finished_result` drive it with Django's test client, and `tests.serving` drives
it over real HTTP against gunicorn.
"""

SYMPTOMS = ("cannot_borrow", "limit_gone", "limit_restricted", "renewal_failed", "limit_stuck")
REVIEW = "/checkup/review/"


def step_slug(url):
    """/checkup/<slug>/?from=review → slug."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def walk(url, submit, kb, answers, *, stop_at=None):
    """From step `url`, answer every step the site asks for until review; return (last URL, slugs answered).

    `submit(url, {slug: choice})` posts one step and returns the URL the site sends the visitor to next.
    `stop_at` stops before answering that question.
    """
    asked = []
    while REVIEW not in url:
        slug = step_slug(url)
        if slug == stop_at:
            break
        next_url = submit(url, {slug: answers.get(slug, kb.question(slug).choices[0].slug)})
        if next_url == url:
            raise AssertionError(f"the site stayed on {url} after an answer")
        url = next_url
        asked.append(slug)
    return url, asked


def answer_all(client, kb, answers=None, *, stop_at=None):
    """The whole questionnaire through Django's test client, from /checkup/; every step must redirect."""

    def submit(url, fields):
        response = client.post(url, fields)
        assert response.status_code == 302, (url, response.status_code)
        return response["Location"]

    return walk(client.get("/checkup/")["Location"], submit, kb, answers or {}, stop_at=stop_at)


def finish(client):
    """Submit "check your answers"; the result's permalink."""
    response = client.post(REVIEW)
    assert response.status_code == 302 and response["Location"].startswith("/r/"), response
    return response["Location"]


def finished_result(client, kb, answers=None):
    """A whole checkup, answers given or first choices; the result's permalink."""
    answer_all(client, kb, answers)
    return finish(client)
