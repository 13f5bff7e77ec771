"""Pages served from the whole-page cache, in a real browser without JavaScript: every form still posts.

Each page is opened in new browsers until one is served the stored copy (X-Page-Cache: hit) with its own
CSRF token filled in; a stale or foreign token would end on the 403 page instead of a thank-you.
"""

import pytest

from .conftest import screenshot
from .test_journeys import answer_steps

pytestmark = pytest.mark.browser


def fresh_browser(make_page):
    page, _ = make_page(javascript=False)
    return page


def open_from_cache(make_page, path):
    """A new browser without JavaScript whose copy of `path` came from the page cache (X-Page-Cache: hit)."""
    for _ in range(12):
        page = fresh_browser(make_page)
        if page.goto(path).headers.get("x-page-cache") == "hit":
            return page
    raise AssertionError(f"{path} was never served from the page cache")


def test_forms_on_cached_pages_post_without_javascript(make_page, site):
    owner = fresh_browser(make_page)
    owner.goto("/checkup/")
    answer_steps(owner, {"symptom": "cannot_borrow", "overdue": "current"}, "cached", javascript=False, shots=False)
    owner.click("text=提交并查看结果")
    owner.wait_for_selector(".result")
    permalink = owner.url

    reader = open_from_cache(make_page, permalink)
    box = reader.locator(".finding-vote").first
    cause = box.get_attribute("id")
    box.locator("button[value=right]").click()
    reader.wait_for_selector(f"#{cause} .finding-vote__status")  # the thank-you is shown beside that finding
    assert "谢谢" in reader.inner_text(f"#{cause} .finding-vote__status")
    screenshot(reader, "cached-result-voted-nojs")

    guide_reader = open_from_cache(make_page, "/guides/credit-report/")
    guide_reader.click(".guide-feedback button[value=yes]")
    guide_reader.wait_for_selector(".site-messages")
    assert "谢谢你的反馈" in guide_reader.inner_text(".site-messages")

    newcomer = open_from_cache(make_page, "/checkup/symptom/")
    newcomer.check("input[value=limit_gone]")
    newcomer.click("button.step-submit")
    newcomer.wait_for_selector("#screen[data-step=scam_contact]")
    assert "403" not in newcomer.title()
