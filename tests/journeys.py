"""Walking the checkup as a visitor does: the one helper every test uses, whatever drives the site.

`walk` follows the site from screen to screen, answering what it asks, until the checkup stops at "check your
answers": a single question gets the given answer (or its first choice), a grouped screen ("以下哪些情况符合你？")
gets a box for each given answer that is one, or "都不符合". The adaptive checkup may stop before every question is
asked; `more=True` asks for the rest ("多回答几个问题，让结果更准") and walks on. `answer_all` / `finish` /
`finished_result` drive it with Django's test client, and `tests.serving` drives it over real HTTP against gunicorn.
"""

SYMPTOMS = ("cannot_borrow", "limit_gone", "limit_restricted", "renewal_failed", "limit_stuck")
REVIEW = "/checkup/review/"


def step_slug(url):
    """/checkup/<slug>/?from=review → slug."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def grouped_questions(kb, slug):
    """The questions a grouped screen asks (empty for a single-question screen)."""
    return [q for q in kb.questions if q.screen == slug]


def screen_fields(kb, slug, answers):
    """What a visitor with `answers` posts on screen `slug`."""
    questions = grouped_questions(kb, slug)
    if not questions:
        return {slug: answers.get(slug, kb.question(slug).choices[0].slug)}
    ticked = {}
    for question in questions:
        choice = question.choice(answers.get(question.slug, "") or "")
        if choice is not None and choice.tick:
            ticked[question.slug] = [choice.slug]
    return ticked or {"none_of_these": "1"}


def walk(url, submit, kb, answers, *, stop_at=None, more=False):
    """From screen `url`, answer every screen the site asks for until review; return (last URL, screen slugs answered).

    `submit(url, fields)` posts one screen and returns the URL the site sends the visitor to next.
    `stop_at` stops before answering that screen. `more`: at review, ask for the rest once and answer it too.
    """
    asked = []
    asked_more = not more
    while True:
        if REVIEW in url:
            if asked_more:
                break
            asked_more = True
            url = submit(REVIEW, {"action": "more"})
            continue
        slug = step_slug(url)
        if slug == stop_at:
            break
        next_url = submit(url, screen_fields(kb, slug, answers))
        if next_url == url:
            raise AssertionError(f"the site stayed on {url} after an answer")
        url = next_url
        asked.append(slug)
    return url, asked


def answer_all(client, kb, answers=None, *, stop_at=None, more=False):
    """The whole checkup through Django's test client, from /checkup/; every screen must redirect."""

    def submit(url, fields):
        response = client.post(url, fields)
        assert response.status_code == 302, (url, response.status_code)
        return response["Location"]

    return walk(client.get("/checkup/")["Location"], submit, kb, answers or {}, stop_at=stop_at, more=more)


def finish(client):
    """Submit "check your answers"; the result's permalink."""
    response = client.post(REVIEW)
    assert response.status_code == 302 and response["Location"].startswith("/r/"), response
    return response["Location"]


def finished_result(client, kb, answers=None, *, more=False):
    """A whole checkup, answers given or first choices; the result's permalink."""
    answer_all(client, kb, answers, more=more)
    return finish(client)
