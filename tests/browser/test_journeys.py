"""Whole journeys in a real browser on a phone-sized screen, with JavaScript on and off."""

import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

ANSWERS = {"symptom": "cannot_borrow", "overdue": "current", "scam_contact": "yes", "app_version": "outdated"}


def current_step(page):
    return page.get_attribute("#screen", "data-step")


def answer_steps(page, answers, name, javascript=True, shots=True, more=False):
    """Answer every screen until "check your answers" (asking for the rest once when `more`); returns the screens
    seen, in order. A grouped screen gets a box for each answer that is one, else "都不符合"."""
    seen = []
    for _ in range(40):
        step = current_step(page)
        if step == "review":
            if not more:
                return seen
            more = False
            page.click("button.answer-more__button")
            page.wait_for_selector("#screen:not([data-step='review'])")
            continue
        seen.append(step)
        if page.locator("input[name=none_of_these]").count():
            boxes = [f"input[name='{q}'][value='{c}']" for q, c in answers.items()]
            boxes = [box for box in boxes if page.locator(box).count()] or ["input[name=none_of_these]"]
            for box in boxes:
                page.check(box)
        else:
            value = answers.get(step)
            radio = page.locator(f"input[name='{step}'][value='{value}']" if value else "input[type=radio] >> nth=0")
            radio.check()
        if shots and (len(seen) <= 2 or page.locator("input[name=none_of_these]").count()):
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
    screenshot(page, f"{name}-symptom")
    assert re.fullmatch(r"大约还有 \d+ 步", page.inner_text(".step-progress__text").strip())

    # An empty answer: the same step, with an error the screen reader announces.
    page.click("button.step-submit")
    page.wait_for_selector(".error-summary[role=alert]")
    screenshot(page, f"{name}-error")
    assert current_step(page) == "symptom"

    page.check("input[value=cannot_borrow]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=scam_contact]")
    page.check("input[name=scam_contact][value=yes]")
    page.click("button.step-submit")
    # The urgent answer: a calm notice at the top of the next screen, with the hotlines to tap; then go on.
    page.wait_for_selector("#screen[data-step=overdue] .urgent-notice")
    screenshot(page, f"{name}-urgent-notice")
    assert page.locator(".urgent-notice a[href='tel:110']").count() == 1

    seen = answer_steps(page, ANSWERS, name, javascript=javascript, more=True)
    assert seen[0] == "overdue" and "limit_level" not in seen
    assert "signals" in seen and "pressure" in seen  # both grouped screens, through the "answer more" link
    seen = ["symptom", "scam_contact", *seen]
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


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_grouped_screen_slips_and_boxes(make_page, site, javascript):
    page, recorder = make_page(javascript=javascript)
    name = "js" if javascript else "nojs"
    page.goto("/checkup/")
    quiet = {"symptom": "cannot_borrow", "scam_contact": "no", "overdue": "never", "debt_load": "low"}
    for _ in range(20):
        step = current_step(page)
        if step == "signals":
            break
        if step == "review":
            page.click("button.answer-more__button")  # the checkup stopped early: ask for the rest
            page.wait_for_selector("#screen:not([data-step='review'])")
            continue
        if step in quiet:
            page.check(f"input[name={step}][value={quiet[step]}]")
            page.click("button.step-submit")
            page.wait_for_selector(f"#screen:not([data-step='{step}'])")
        else:
            answer_steps_once(page)
    assert current_step(page) == "signals"
    box = page.locator("label[for=tick-none]").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a large tap target
    page.click("button.step-submit")  # nothing ticked
    page.wait_for_selector(".error-summary[role=alert]")
    assert "请勾选符合你的情况" in page.inner_text(".error-summary")
    page.check("#tick-none")
    page.check("input[name=security_event][value=risk_notice]")
    page.click("button.step-submit")  # "都不符合" and a box
    page.wait_for_selector(".error-summary >> text=又勾选了其他情况")
    assert page.is_checked("input[name=security_event][value=risk_notice]")
    screenshot(page, f"{name}-grouped-error")
    page.uncheck("#tick-none")
    page.click("button.step-submit")
    page.wait_for_selector("#screen:not([data-step='signals'])")
    page.goto("/checkup/signals/")
    assert page.is_checked("input[name=security_event][value=risk_notice]") and not page.is_checked("#tick-none")
    assert recorder.foreign(site) == []


def answer_steps_once(page):
    step = current_step(page)
    if page.locator("input[name=none_of_these]").count():
        page.check("input[name=none_of_these]")
    else:
        page.check("input[type=radio] >> nth=0")
    page.click("button.step-submit")
    page.wait_for_selector(f"#screen:not([data-step='{step}'])")


def test_browser_back_button_mid_questionnaire_keeps_answers(make_page, site):
    page, recorder = make_page()
    page.goto("/checkup/")
    page.check("input[value=limit_gone]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=scam_contact]")
    page.check("input[name=scam_contact][value=no]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=overdue]")
    page.check("input[value=past]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen:not([data-step=overdue])")

    page.go_back()
    page.wait_for_selector("#screen[data-step=overdue]")
    assert page.url.endswith("/checkup/overdue/")
    assert page.is_checked("input[value=past]")
    page.go_back()
    page.wait_for_selector("#screen[data-step=scam_contact]")
    page.go_back()
    page.wait_for_selector("#screen[data-step=symptom]")
    assert page.is_checked("input[value=limit_gone]")

    page.reload()  # refresh never loses answers or errors
    assert page.is_checked("input[value=limit_gone]")
    page.go_forward()
    page.wait_for_selector("#screen[data-step=scam_contact]")
    page.click("button.step-submit")
    page.wait_for_selector("#screen[data-step=overdue]")
    assert page.is_checked("input[value=past]")
    assert re.fullmatch(r"大约还有 \d+ 步", page.inner_text(".step-progress__text").strip())
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
