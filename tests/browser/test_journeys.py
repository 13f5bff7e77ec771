"""Whole journeys in a real browser on a phone-sized screen, with JavaScript on and off."""

import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

ANSWERS = {"symptom": "cannot_borrow", "overdue": "current", "scam_contact": "yes"}


def current_step(page):
    return page.get_attribute("#screen", "data-step")


def answer_steps(page, answers, name, javascript=True, shots=True):
    """Answer every step until "check your answers"; returns the steps seen, in order."""
    seen = []
    for _ in range(40):
        step = current_step(page)
        if step == "review":
            return seen
        seen.append(step)
        value = answers.get(step)
        radio = page.locator(f"input[name='{step}'][value='{value}']" if value else "input[type=radio] >> nth=0")
        radio.check()
        if shots and len(seen) <= 2:
            screenshot(page, f"{name}-step-{len(seen)}-{step}")
        page.click("button.step-submit")
        page.wait_for_selector(f"#screen:not([data-step='{step}'])")
        if javascript:
            assert page.url.endswith("/checkup/review/") or f"/checkup/{current_step(page)}/" in page.url
    raise AssertionError("never reached the review page")


def check_results(page):
    cards = page.locator("[data-cause]")
    assert cards.count() >= 2
    assert cards.nth(0).get_attribute("data-urgent") == "true"
    assert page.locator(".urgent-alert").count() == 2
    assert page.locator(".action-plan__list li").count() >= 3
    page.click("text=看这段话")  # folded, and opens with a tap, JavaScript or not
    assert "借呗页面显示有可用额度" in page.inner_text("#service-summary")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_full_journey_on_a_phone(make_page, site, javascript):
    page, recorder = make_page(javascript=javascript)
    name = "js" if javascript else "nojs"
    page.goto("/")
    screenshot(page, f"{name}-home")
    page.click("a.start-button")
    page.wait_for_selector("#step-heading")
    assert page.inner_text(".step-progress__text").startswith("第 1 步")

    # An empty answer: the same step, with an error the screen reader announces.
    page.click("button.step-submit")
    page.wait_for_selector(".error-summary[role=alert]")
    screenshot(page, f"{name}-error")
    assert current_step(page) == "symptom"

    seen = answer_steps(page, ANSWERS, name, javascript=javascript)
    assert seen[0] == "symptom" and "limit_level" not in seen
    assert page.url.endswith("/checkup/review/")
    screenshot(page, f"{name}-review")
    assert page.locator(".summary-list__row").count() == len(seen)

    page.click("text=提交并查看结果")
    page.wait_for_selector(".result")
    assert re.search(r"/r/[A-Za-z0-9_-]{20,}/$", page.url)
    screenshot(page, f"{name}-result")
    check_results(page)
    for copy in page.locator("[data-copy]").all():  # the service summary and the permalink
        assert copy.is_visible() == javascript  # the copy buttons need JavaScript; the texts are selectable anyway

    assert recorder.foreign(site) == []


def test_browser_back_button_mid_questionnaire_keeps_answers(make_page, site):
    page, recorder = make_page()
    page.goto("/checkup/")
    page.check("input[value=limit_gone]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=overdue]")
    page.check("input[value=past]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=applications]")

    page.go_back()
    page.wait_for_selector("#screen[data-step=overdue]")
    assert page.url.endswith("/checkup/overdue/")
    assert page.is_checked("input[value=past]")
    page.go_back()
    page.wait_for_selector("#screen[data-step=symptom]")
    assert page.is_checked("input[value=limit_gone]")

    page.reload()  # refresh never loses answers or errors
    assert page.is_checked("input[value=limit_gone]")
    page.go_forward()
    page.wait_for_selector("#screen[data-step=overdue]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=applications]")
    assert "第 3 步" in page.inner_text(".step-progress__text")
    assert recorder.foreign(site) == []


def test_guides_and_permalink_in_a_new_browser(make_page, site):
    page, recorder = make_page()
    page.goto("/checkup/")
    answer_steps(page, {"symptom": "limit_stuck"}, "permalink", shots=False)
    page.click("text=提交并查看结果")
    page.wait_for_selector(".result")
    permalink = page.url

    other, _ = make_page(javascript=False)
    other.goto(permalink)
    assert other.locator("[data-cause]").count() == page.locator("[data-cause]").count()

    page.goto("/guides/")
    screenshot(page, "guides-index")
    page.click("a.guide-list__title >> nth=0")
    page.wait_for_selector("article.guide")
    screenshot(page, "guide-detail")
    assert page.locator(".guide__body h2").count() >= 3
    assert recorder.foreign(site) == []
