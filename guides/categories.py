"""The four kinds of help a guide gives, in the order the site lists them.

Kept apart from the models so the pure result presentation (`diagnosis.presentation`) can group guides the
same way the guide pages do, with the same one function, without touching the ORM.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The four kinds of help a finding can lead to; their slugs are a public contract."""

    CREDIT_REPAIR = "credit-repair", _("征信与还款")  # not "信用修复": the words scammers sell
    PLATFORM_CONTACT = "platform-contact", _("联系平台与投诉")
    ALTERNATIVE_FINANCING = "alternative-financing", _("其他融资渠道")
    SAFETY = "safety", _("防骗与安全")


CATEGORY_DESCRIPTIONS = {
    Category.CREDIT_REPAIR: _("查征信、纠正错误记录、处理逾期、降低负债：一步步把信用养回来。"),
    Category.PLATFORM_CONTACT: _("怎样联系平台客服、排查技术问题、在需要时向监管部门投诉。"),
    Category.ALTERNATIVE_FINANCING: _("借呗之外的正规渠道，以及什么时候不借反而更好。"),
    Category.SAFETY: _("识别“提额、解冻、洗征信”骗局，避免以贷养贷，知道去哪里求助。"),
}


def by_category(guides):
    """[(Category, [guides])] in the site's category order (征信与还款, 联系平台与投诉, 其他融资渠道, 防骗与安全).

    Anything with a `category` slug works (a Guide row, the engine's GuideLink); empty categories are left out.
    """
    grouped = []
    for category in Category:
        members = [guide for guide in guides if guide.category == category.value]
        if members:
            grouped.append((category, members))
    return grouped
