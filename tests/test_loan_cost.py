"""The loan-cost tool: the IRR arithmetic against examples worked out another way, and the page for any input."""

import pytest

from tools.loan_cost import LoanCostError, loan_cost, payment_for_fee_rate, present_value


def newton_monthly_rate(principal, months, payment):
    """An independent solver (Newton's method on the annuity equation), to check the page's bisection."""
    rate = 0.01
    for _ in range(100):
        growth = (1 + rate) ** -months
        value = payment * (1 - growth) / rate - principal
        slope = payment * (months * (1 + rate) ** (-months - 1) * rate - (1 - growth)) / rate**2
        rate -= value / slope
    return rate


@pytest.mark.parametrize(
    ("principal", "months", "payment"),
    [(12000, 12, 1100), (5000, 6, 900), (30000, 36, 1100), (1000, 1, 1050), (200000, 360, 1200), (800, 3, 300)],
)
def test_bisection_agrees_with_newton(principal, months, payment):
    assert loan_cost(principal, months, payment).monthly_rate == pytest.approx(
        newton_monthly_rate(principal, months, payment), abs=1e-9
    )


def test_the_issue_example_is_17_97_percent():
    cost = loan_cost(12000, 12, 1100)
    assert round(cost.annual_rate * 100, 2) == 17.97
    assert cost.total_repaid == 13200 and cost.total_cost == 1200
    assert cost.flat_annual_rate == pytest.approx(0.10)  # what "monthly fee × 12" would suggest


def test_a_published_amortisation_table_gives_back_its_rate():
    """10,000 at 1% a month over 12 months is repaid with 888.49 a month (standard annuity tables)."""
    assert loan_cost(10000, 12, 888.49).annual_rate == pytest.approx(0.12, abs=1e-4)


def test_a_one_month_loan_costs_its_fee_times_twelve():
    # One instalment: the IRR is simply the fee over the principal, worked out by hand.
    assert loan_cost(1000, 1, 1010).annual_rate == pytest.approx(0.12, abs=1e-12)


def test_fee_rate_instalments_cost_nearly_twice_the_flat_rate():
    payment = payment_for_fee_rate(12000, 12, 0.006)
    assert payment == pytest.approx(1072)
    cost = loan_cost(12000, 12, payment)
    assert cost.flat_annual_rate == pytest.approx(0.072)
    assert cost.annual_rate == pytest.approx(12 * newton_monthly_rate(12000, 12, 1072), abs=1e-9)
    assert 0.13 < cost.annual_rate < 0.14


def test_interest_free_loan_is_zero_percent():
    cost = loan_cost(1200, 12, 100)
    assert cost.annual_rate == 0 and cost.total_cost == 0


def test_present_value_at_the_solved_rate_is_the_principal():
    cost = loan_cost(30000, 24, 1500)
    assert present_value(1500, 24, cost.monthly_rate) == pytest.approx(30000, rel=1e-9)


@pytest.mark.parametrize(
    ("principal", "months", "payment", "code"),
    [(1000, 12, 50, "repays_less"), (1000, 12, 0, "not_positive"), (0, 12, 100, "not_positive"),
     (-5, 12, 100, "not_positive"), (1000, 0, 100, "not_positive"), (100, 12, 1000, "too_costly")],
)  # fmt: skip
def test_impossible_loans_raise_a_named_error(principal, months, payment, code):
    with pytest.raises(LoanCostError) as error:
        loan_cost(principal, months, payment)
    assert error.value.code == code


# --- the page ---------------------------------------------------------------------------------------


def test_the_empty_form_works_without_javascript(client):
    response = client.get("/tools/loan-cost/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<form method="get" action="/tools/loan-cost/"' in html
    assert 'name="amount"' in html and 'name="months"' in html
    assert 'name="monthly_payment"' in html and 'name="monthly_fee_rate"' in html
    assert "算出来的结果" not in html


def test_the_example_shows_the_rate_the_cost_and_why_it_differs(client):
    response = client.get("/tools/loan-cost/", {"amount": "12000", "months": "12", "monthly_payment": "1100"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "17.97%" in html and "13,200.00" in html and "1,200.00" in html
    assert "10.00%" in html and "每月费率 × 12" in html
    assert "公告〔2021〕第3号" in html


def test_a_fee_rate_alone_is_enough(client):
    response = client.get("/tools/loan-cost/", {"amount": "12000", "months": "12", "monthly_fee_rate": "0.6"})
    assert response.status_code == 200
    assert "1,072.00" in response.content.decode()


def test_numbers_typed_the_way_people_type_them_are_understood(client):
    query = {"amount": "１２，０００元", "months": "12个月", "monthly_payment": " 1,100 元"}
    response = client.get("/tools/loan-cost/", query)
    assert response.status_code == 200 and "17.97%" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"amount": "abc", "months": "12", "monthly_payment": "1100"}, "请只填数字"),
        ({"amount": "-12000", "months": "12", "monthly_payment": "1100"}, "借款金额要大于 0 元"),
        ({"amount": "0", "months": "12", "monthly_payment": "1100"}, "借款金额要大于 0 元"),
        ({"amount": "1e308", "months": "12", "monthly_payment": "1100"}, "1000 万"),
        ({"amount": "9" * 40, "months": "12", "monthly_payment": "1100"}, "太长"),
        ({"amount": "NaN", "months": "12", "monthly_payment": "1100"}, "请只填数字"),
        ({"amount": "Infinity", "months": "12", "monthly_payment": "1100"}, "请只填数字"),
        ({"amount": "12000", "months": "12.5", "monthly_payment": "1100"}, "整数"),
        ({"amount": "12000", "months": "0", "monthly_payment": "1100"}, "至少"),
        ({"amount": "12000", "months": "99999999999", "monthly_payment": "1100"}, "360"),
        ({"amount": "12000", "months": "12", "monthly_payment": "-1"}, "大于 0"),
        ({"amount": "12000", "months": "12"}, "请填其中一项"),
        ({"amount": "12000", "months": "12", "monthly_payment": "1100", "monthly_fee_rate": "0.6"}, "只填一项"),
        ({"amount": "12000", "months": "12", "monthly_payment": "100"}, "比到手的钱还少"),
        ({"amount": "100", "months": "12", "monthly_payment": "5000"}, "超出了这个工具能算的范围"),
        ({"amount": "12000", "months": "12", "monthly_fee_rate": "-0.6"}, "不能是负数"),
        ({"amount": "", "months": "", "monthly_payment": ""}, "请填借款金额"),
        ({"amount": "12000", "months": "12", "monthly_payment": "<script>alert(1)</script>"}, "请只填数字"),
    ],
)
def test_nonsense_gets_a_friendly_message_on_the_same_page(client, query, message):
    response = client.get("/tools/loan-cost/", query)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'class="error-summary"' in html and '<form method="get"' in html
    assert "算出来的结果" not in html and "<script>alert(1)" not in html


def test_unrelated_query_parameters_show_the_empty_form(client):
    assert client.get("/tools/loan-cost/", {"utm_source": "x"}).status_code == 200


def test_only_get_is_allowed(client):
    assert client.post("/tools/loan-cost/", {"amount": "1"}).status_code in (403, 405)


def test_tools_does_not_import_diagnosis():
    import ast
    from pathlib import Path

    for path in Path("tools").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in ("diagnosis", "guides") for n in names), path
