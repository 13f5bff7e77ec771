"""The feedback boxes other apps' pages show: votes under each finding, the follow-up, "这篇有帮助吗？".

The result page (diagnosis) and the guide page (guides) load these tags instead of importing outcomes, so
Python imports keep running one way (outcomes → diagnosis → guides) while the pages still compose.
"""

from django import template
from django.template.loader import render_to_string

from ..forms import GuideFeedbackForm
from ..models import FollowUp
from ..recording import THANKS_TAG, voter_id

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing): this browser's vote on one finding."""
    return (mapping or {}).get(key)


@register.simple_tag(takes_context=True)
def browser_votes(context, assessment):
    """{cause: verdict} this browser gave on the result's findings (one query)."""
    voter, _new = voter_id(context["request"])
    return dict(assessment.votes.filter(voter=voter).values_list("cause", "verdict"))


@register.simple_tag(takes_context=True)
def vote_thanks(context):
    """The finding this browser just voted on without JavaScript (its thank-you goes in that box), or ""."""
    for message in context.get("messages") or ():
        if message.extra_tags.startswith(THANKS_TAG):
            return message.extra_tags.removeprefix(THANKS_TAG)
    return ""


@register.simple_tag(takes_context=True)
def follow_up_box(context, assessment):
    """ "你的额度恢复了吗？" once the result is old enough, with the answer given so far; nothing before."""
    if not FollowUp.is_due(assessment):
        return ""
    return render_to_string(
        "outcomes/_follow_up.html",
        {
            "assessment": assessment,
            "follow_up": FollowUp.objects.filter(assessment=assessment).first(),
            "outcomes": FollowUp.Outcome.choices,
        },
        request=context["request"],
    )


@register.simple_tag(takes_context=True)
def guide_feedback_box(context, guide):
    """ "这篇有帮助吗？" under a published guide."""
    return render_to_string(
        "outcomes/_guide_feedback.html", {"guide": guide, "form": GuideFeedbackForm()}, request=context["request"]
    )
