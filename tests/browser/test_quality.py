"""Accessibility (axe-core) and page weight, measured in the real browser against the real server."""

import json
from pathlib import Path

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PAGE_WEIGHT_LIMIT = 60 * 1024  # bytes transferred, compressed, for a first visit


def axe_violations(page):
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations):
    return json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in violations],
        ensure_ascii=False,
        indent=1,
    )


def reach_review(page, checked):
    """Walk to "check your answers", checking the first urgent notice and the first grouped screen on the way."""
    page.goto("/checkup/")
    for _ in range(40):
        step = page.get_attribute("#screen", "data-step")
        if step == "review":
            return
        if page.locator(".urgent-notice").count() and "urgent-notice" not in checked:
            checked["urgent-notice"] = axe_violations(page)
        if page.locator("input[name=none_of_these]").count():
            if "grouped" not in checked:
                page.click("button.step-submit")  # nothing ticked: the error summary
                page.wait_for_selector(".error-summary")
                checked["grouped"] = axe_violations(page)
            page.check("input[name=none_of_these]")
        else:
            value = {"symptom": "renewal_failed", "overdue": "current"}.get(step)
            radio = page.locator(f"input[value='{value}']") if value else page.locator("input[type=radio]").first
            radio.check()
        page.click("button.step-submit")
        page.wait_for_selector(f"#screen:not([data-step='{step}'])")


def test_no_serious_accessibility_violations(make_page):
    # axe is injected as an inline script, which the site's CSP rightly forbids; this context bypasses CSP.
    page, _ = make_page(bypass_csp=True)
    checked = {}
    page.goto("/")
    checked["home"] = axe_violations(page)
    page.goto("/checkup/")
    checked["question"] = axe_violations(page)
    page.click("button.step-submit")
    page.wait_for_selector(".error-summary")
    checked["question-with-error"] = axe_violations(page)
    reach_review(page, checked)
    assert "urgent-notice" in checked and "grouped" in checked
    checked["review"] = axe_violations(page)
    page.click("text=提交并查看结果")
    page.wait_for_selector(".result")
    checked["results"] = axe_violations(page)
    page.goto("/guides/")
    checked["guide-index"] = axe_violations(page)
    page.goto("/guides/credit-report/")
    checked["guide"] = axe_violations(page)
    page.goto("/guides/debt-collection-rights/")
    checked["new-guide"] = axe_violations(page)
    page.goto("/tools/loan-cost/?amount=12000&months=12&monthly_payment=1100")
    checked["loan-cost-result"] = axe_violations(page)
    page.goto("/tools/loan-cost/?amount=abc&months=12&monthly_payment=1100")
    checked["loan-cost-error"] = axe_violations(page)
    page.goto("/guides/no-such-guide/")
    checked["not-found"] = axe_violations(page)
    bad = {name: describe(v) for name, v in checked.items() if v}
    assert not bad, bad


def transferred_bytes(page, path):
    """Sum of every response's headers + encoded body for a first visit (empty cache)."""
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(path, wait_until="networkidle")
    total = 0
    for request in responses:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total, [r.url for r in responses]


@pytest.mark.parametrize("path", ["/", "/checkup/symptom/"])
def test_first_visit_page_weight(make_page, path):
    page, _ = make_page()
    total, urls = transferred_bytes(page, path)
    screenshot(page, "weight" + path.replace("/", "-").rstrip("-"))
    assert any(u.endswith(".css") for u in urls) and any(u.endswith(".js") for u in urls)
    assert total <= PAGE_WEIGHT_LIMIT, f"{path}: {total} bytes over {len(urls)} requests"
