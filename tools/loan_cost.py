"""The real yearly cost of a loan repaid in equal monthly instalments.

PBOC 公告〔2021〕第3号 makes lenders state the annualised rate by the internal-rate-of-return (IRR) method:
the monthly rate at which the instalments are worth exactly the money received, times 12. Fees quoted
"per month on the whole amount" look cheaper, because the borrower pays them on money already repaid.
Pure Python (no Django), so the page, its form and the tests share one piece of arithmetic.
"""

from dataclasses import dataclass

# Above 100% a month the figure no longer helps anyone decide; the page says the cost is out of range.
MAX_MONTHLY_RATE = 1.0
_TOLERANCE = 1e-13


class LoanCostError(ValueError):
    """The numbers do not describe a loan whose cost can be worked out (the page explains which case)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class LoanCost:
    principal: float  # the money actually received
    months: int
    monthly_payment: float
    monthly_rate: float  # the IRR of the instalments, per month

    @property
    def total_repaid(self):
        return self.monthly_payment * self.months

    @property
    def total_cost(self):
        return self.total_repaid - self.principal

    @property
    def annual_rate(self):
        """The annualised rate as lenders must state it: the monthly IRR times 12."""
        return self.monthly_rate * 12

    @property
    def flat_annual_rate(self):
        """ "Monthly fee × 12": the whole cost spread over the full amount, as if none of it were repaid early."""
        return self.total_cost / self.principal / self.months * 12


def present_value(monthly_payment, months, monthly_rate):
    """What `months` equal instalments are worth today at `monthly_rate`."""
    if monthly_rate == 0:
        return monthly_payment * months
    return monthly_payment * (1 - (1 + monthly_rate) ** -months) / monthly_rate


def payment_for_fee_rate(principal, months, monthly_fee_rate):
    """The instalment when a fee of `monthly_fee_rate` (0.006 for 0.6%) is charged each month on the whole amount."""
    return principal / months + principal * monthly_fee_rate


def loan_cost(principal, months, monthly_payment):
    """Solve for the monthly IRR by bisection: present value falls as the rate rises, so it always converges."""
    if principal <= 0 or months < 1 or monthly_payment <= 0:
        raise LoanCostError("not_positive")
    total = monthly_payment * months
    if total < principal * (1 - 1e-12):
        raise LoanCostError("repays_less")
    if total <= principal * (1 + 1e-12):
        return LoanCost(principal, months, monthly_payment, 0.0)
    if present_value(monthly_payment, months, MAX_MONTHLY_RATE) > principal:
        raise LoanCostError("too_costly")
    low, high = 0.0, MAX_MONTHLY_RATE
    while high - low > _TOLERANCE:
        middle = (low + high) / 2
        if present_value(monthly_payment, months, middle) > principal:
            low = middle
        else:
            high = middle
    return LoanCost(principal, months, monthly_payment, (low + high) / 2)
