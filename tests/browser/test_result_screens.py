"""The result page on a phone (390×844), as a worried person meets it: Chromium against the production-like server.

For a scam case, an adult student and a heavy-debt case: the summary and the first action are on the first
screen, with and without JavaScript; the page is at most four screens tall with every detail folded; hotlines
are tap-to-call links; axe-core finds nothing serious; every tap target is at least 44 px. The checklist works
without JavaScript and with it; print shows what is folded.
"""

import pytest

from ..journeys import SYMPTOMS
from .conftest import PHONE, screenshot
from .test_journeys import answer_steps
from .test_quality import axe_violations, describe

pytestmark = pytest.mark.browser

CASES = {
    "scam": {"symptom": "limit_gone", "scam_contact": "yes"},
    "adult-student": {"symptom": "limit_restricted", "life_stage": "student"},
    "heavy-debt": {
        "symptom": "cannot_borrow", "overdue": "past", "applications": "many", "debt_load": "high",
        "repayment_habit": "revolving", "recent_borrows": "many",
    },
}  # fmt: skip
SCREENS = 4
MIN_TARGET = 44
# What a finger taps: a checkbox or radio is tapped through its label, which spans the row or card; a text
# field's label only points at the field.
TAP_TARGETS = "button, summary, a, label:not(.form-label), input:not([type=hidden], [type=radio], [type=checkbox])"
# A link inside a sentence is exempt (WCAG 2.5.8 "inline"); our hotline links are padded to the size anyway.
SMALL_TARGETS = """([selector, minimum]) => Array.from(document.querySelectorAll(selector))
    .filter(el => !(el.tagName === 'A' && !el.classList.contains('tel')
                    && el.parentElement.textContent.trim() !== el.textContent.trim()
                    && getComputedStyle(el).display === 'inline'))
    .filter(el => !el.classList.contains('visually-hidden-focusable'))
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1; })
    .map(el => { const r = el.getBoundingClientRect();
        return {text: el.textContent.trim().slice(0, 20), w: Math.round(r.width), h: Math.round(r.height)}; })
    .filter(t => t.w < minimum || t.h < minimum)"""


def reach_result(page, answers, name, javascript=True):
    page.goto("/checkup/")
    answer_steps(page, answers, name, javascript=javascript, shots=False)
    page.click("text=提交并查看结果")
    page.wait_for_selector("[data-result-summary]")
    return page.url


def first_screen_shows(page, selector):
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def small_targets(page):
    return page.evaluate(SMALL_TARGETS, [TAP_TARGETS, MIN_TARGET])


def folded_height(page):
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("case", list(CASES))
def test_a_worried_person_can_act_from_the_first_screen(make_page, case):
    page, _ = make_page(bypass_csp=True)  # axe is injected as an inline script
    url = reach_result(page, CASES[case], case)
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, f"result-{case}")
    assert first_screen_shows(page, "[data-result-summary] .result-summary__urgency")
    assert first_screen_shows(page, "[data-first-action]"), "the first action must be fully visible"
    assert page.locator("a[href^='tel:']").count() >= 1
    for link in page.locator("a[href^='tel:']").all():  # the number is visible on the link itself
        assert link.get_attribute("href").removeprefix("tel:") in link.text_content()

    violations = axe_violations(page)
    assert not violations, describe(violations)
    height = folded_height(page)
    assert height <= SCREENS * PHONE["height"], f"{case}: {height} px is {height / PHONE['height']:.2f} screens"

    assert not small_targets(page)

    other, _ = make_page(javascript=False)  # the same result without JavaScript
    other.goto(url)
    assert first_screen_shows(other, "[data-first-action]")
    screenshot(other, f"result-{case}-nojs")


def test_the_checklist_without_javascript(make_page):
    page, _ = make_page(javascript=False)
    url = reach_result(page, CASES["heavy-debt"], "checklist", javascript=False)
    assert page.locator(".action-plan__save").is_visible()
    boxes = page.locator(".plan-item__check")
    first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
    page.locator(f"label[for='plan-check-{first}']").click()  # a tap on the words ticks the box
    page.check(f"#plan-check-{second}")
    page.click(".action-plan__save")
    page.wait_for_selector(".action-plan__status")
    assert page.url == f"{url}#plan"
    assert page.is_checked(f"#plan-check-{first}") and page.is_checked(f"#plan-check-{second}")
    page.uncheck(f"#plan-check-{first}")
    page.click(".action-plan__save")
    page.wait_for_selector(".action-plan__status")
    assert not page.is_checked(f"#plan-check-{first}") and page.is_checked(f"#plan-check-{second}")
    screenshot(page, "checklist-nojs")

    again, _ = make_page(javascript=False)  # kept with the result, for whoever opens the link
    again.goto(url)
    assert again.is_checked(f"#plan-check-{second}") and not again.is_checked(f"#plan-check-{first}")


def test_the_checklist_with_javascript_saves_each_tick_in_place(make_page):
    page, _ = make_page()
    url = reach_result(page, CASES["scam"], "checklist-js")
    assert page.locator(".action-plan__save").is_hidden()  # each tick saves itself
    step = page.locator(".plan-item__check").first.get_attribute("value")
    with page.expect_response(lambda response: response.url.endswith("/plan/")) as response:
        page.check(f"#plan-check-{step}")
    assert response.value.status == 200
    page.wait_for_selector(f"#plan-item-{step}.plan-item--done")
    assert page.evaluate("document.activeElement.id") == f"plan-check-{step}"  # focus stays on the box
    page.goto(url)
    assert page.is_checked(f"#plan-check-{step}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_voting_without_a_reload_or_with_one_keeps_the_thank_you_next_to_the_finding(make_page, javascript):
    page, _ = make_page(javascript=javascript)
    reach_result(page, CASES["heavy-debt"], "vote", javascript=javascript)
    box = page.locator(".finding-vote").nth(1)
    cause = box.get_attribute("id")
    box.locator("button[value=right]").click()
    status = page.locator(f"#{cause} .finding-vote__status")
    status.wait_for()
    for _ in range(50):  # the page glides to the box (smooth scrolling), then rests with it in view
        box = page.locator(f"#{cause}").bounding_box()
        if box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the vote box stayed out of view: {box}")
    assert "谢谢" in status.inner_text()
    assert page.locator(f"#{cause} button[value=right]").get_attribute("aria-pressed") == "true"


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_print_shows_every_folded_detail(make_page, javascript):
    page, _ = make_page(javascript=javascript)
    reach_result(page, CASES["heavy-debt"], "print", javascript=javascript)
    folded = page.locator("details:not([open]) .finding__explanation").first
    assert not folded.is_visible()
    page.emulate_media(media="print")
    assert folded.is_visible()
    assert page.locator(".plan-later .plan-item").first.is_visible()
    assert page.locator("#service-summary").is_visible()
    assert not page.locator(".finding-vote").first.is_visible()


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_the_first_action_is_on_the_first_screen_for_every_symptom(make_page, symptom):
    page, _ = make_page()
    url = reach_result(page, {"symptom": symptom}, symptom)
    assert first_screen_shows(page, "[data-first-action]")
    other, _ = make_page(javascript=False)
    other.goto(url)
    assert first_screen_shows(other, "[data-first-action]")


def test_tap_targets_are_at_least_44_px_on_the_other_screens(make_page):
    page, _ = make_page()
    small = {}
    page.goto("/checkup/")
    page.check("input[value=limit_gone]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=scam_contact]")
    for path in ["/", "/checkup/scam_contact/", "/checkup/restart/", "/guides/", "/guides/credit-report/",
                 "/guides/safety/", "/tools/loan-cost/?amount=12000&months=12&monthly_payment=1100"]:  # fmt: skip
        page.goto(path)
        small[path] = small_targets(page)
    assert not any(small.values()), small
