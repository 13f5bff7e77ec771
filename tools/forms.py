"""The loan-cost form: forgiving about how people type numbers, plain about what is wrong."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .loan_cost import LoanCostError, loan_cost, payment_for_fee_rate

# Full-width digits and the units people type after a number ("1,100 元", "０.６％") are accepted.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_NOISE = (",", " ", "\u3000", "元", "%", "％", "个月", "月", "期")

NUMBER_ONLY = _("请只填数字，比如 12000。")


def _plain_number(value):
    if not isinstance(value, str):
        return value
    value = value.translate(_FULL_WIDTH)
    for noise in _NOISE:
        value = value.replace(noise, "")
    return value


class PlainDecimalField(forms.DecimalField):
    def to_python(self, value):
        return super().to_python(_plain_number(value))


class PlainIntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(_plain_number(value))


def _messages(**extra):
    return {"invalid": NUMBER_ONLY, "max_digits": _("这个数字太长了，请检查一下。"),
            "max_decimal_places": _("小数点后最多填两位。"), **extra}  # fmt: skip


class LoanCostForm(forms.Form):
    amount = PlainDecimalField(
        label=_("实际到手的钱（元）"),
        help_text=_("填真正打到你卡上的金额。先被扣掉的“服务费”“砍头息”不算到手。"),
        min_value=Decimal("1"),
        max_value=Decimal("10000000"),
        max_digits=12,
        decimal_places=2,
        error_messages=_messages(
            required=_("请填借款金额，也就是实际到手的钱。"),
            min_value=_("借款金额要大于 0 元。"),
            max_value=_("借款金额最多填 1000 万元。"),
        ),
    )
    months = PlainIntegerField(
        label=_("分几个月还"),
        help_text=_("一共还多少期，每月一期。"),
        min_value=1,
        max_value=360,
        error_messages={
            "required": _("请填分几个月还，比如 12。"),
            "invalid": _("月数请填整数，比如 12。"),
            "min_value": _("至少要分 1 个月还。"),
            "max_value": _("最多填 360 个月（30 年）。"),
        },
    )
    monthly_payment = PlainDecimalField(
        label=_("每月还款（元）"),
        help_text=_("每期要还的钱，本金、利息和各种费用都算上。"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("10000000"),
        max_digits=12,
        decimal_places=2,
        error_messages=_messages(min_value=_("每月还款要大于 0 元。"), max_value=_("每月还款最多填 1000 万元。")),
    )
    monthly_fee_rate = PlainDecimalField(
        label=_("或者：每月手续费率（%）"),
        help_text=_("分期常写“每期手续费 0.6%”：就填 0.6。只知道这个、不知道每月还款时填这一项。"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("50"),
        max_digits=6,
        decimal_places=3,
        error_messages=_messages(
            min_value=_("手续费率不能是负数。"),
            max_value=_("每月手续费率最多填 50（%）。"),
            max_decimal_places=_("手续费率小数点后最多填三位。"),
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payment, fee_rate = cleaned.get("monthly_payment"), cleaned.get("monthly_fee_rate")
        if payment is None and fee_rate is None:
            raise forms.ValidationError(_("“每月还款”和“每月手续费率”请填其中一项。"), code="neither")
        if payment is not None and fee_rate is not None:
            raise forms.ValidationError(
                _("“每月还款”和“每月手续费率”只填一项就够了，请清空其中一项再算。"), code="both"
            )
        principal, months = float(cleaned["amount"]), cleaned["months"]
        if payment is None:
            payment = payment_for_fee_rate(principal, months, float(fee_rate) / 100)
        try:
            cleaned["result"] = loan_cost(principal, months, float(payment))
        except LoanCostError as error:
            raise forms.ValidationError(self.cost_messages[error.code], code=error.code) from error
        return cleaned

    cost_messages = {
        "not_positive": _("金额、月数和每月还款都要大于 0。"),
        "repays_less": _("按你填的数字，每月还款加起来比到手的钱还少。请核对一下每月还款和月数。"),
        "too_costly": _(
            "按这些数字算，每月的成本超过了 100%，超出了这个工具能算的范围。这样的借款成本极高，"
            "请先不要借，并核实对方是不是持牌机构。"
        ),
    }
