"""The feedback forms' POSTs: "这个判断对吗？" and "你的额度恢复了吗？" on a result, "这篇有帮助吗？" on a guide.

Each works as a plain form POST (redirect back with a thank-you message) and, with htmx, swaps itself for
its thank-you in place. Bad input is a friendly 400 and changes nothing.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.ratelimits import limit_posts, limit_result_forms
from diagnosis.results import result_for
from guides.models import Guide

from .forms import FindingVoteForm, FollowUpForm, GuideFeedbackForm
from .models import FollowUp
from .recording import (
    THANKS_TAG,
    VOTER_COOKIE,
    VOTER_SALT,
    record_finding_vote,
    record_follow_up,
    record_guide_vote,
    remember_voter,
    voter_id,
)


def voter(request):
    """The browser a guide vote comes from (its voter cookie; None on its first vote)."""
    return request.get_signed_cookie(VOTER_COOKIE, default=None, salt=VOTER_SALT)


# Many people share one address: the tight limit follows the browser here, the address only has a ceiling.
limit_guide_feedback = limit_posts(voter, group="guide-feedback")


@limit_result_forms
@require_POST
def finding_vote(request, token):
    """ "这个判断对吗？": one click with htmx (the form swaps to a thank-you), a normal POST without."""
    result = result_for(token)
    form = FindingVoteForm(request.POST, causes=[f.cause for f in result.diagnosis.findings])
    if not form.is_valid():
        return render(request, "400.html", status=400)
    voter, is_new = voter_id(request)
    cause, verdict = form.cleaned_data["cause"], form.cleaned_data["verdict"]
    record_finding_vote(result.assessment, cause, verdict, voter)
    if request.htmx:
        vote_url = reverse("outcomes:finding_vote", args=[token])
        title = next(f.title for f in result.diagnosis.findings if f.cause == cause)
        context = {"vote_url": vote_url, "cause": cause, "title": title, "vote": verdict, "thanked": True}
        response = render(request, "outcomes/_finding_vote.html", context)
    else:
        # Shown in that finding's vote box (not at the page top), which the redirect scrolls into view.
        messages.success(request, _("谢谢你的反馈！"), extra_tags=f"{THANKS_TAG}{cause}")
        response = redirect(f"{result.assessment.result_url()}#vote-{cause}")
    return remember_voter(response, voter, is_new)


@limit_result_forms
@require_POST
def follow_up(request, token):
    """ "你的额度恢复了吗？", answered on the permalink once the follow-up is due."""
    result = result_for(token)
    form = FollowUpForm(request.POST)
    if not FollowUp.is_due(result.assessment) or not form.is_valid():
        return render(request, "400.html", status=400)
    top_cause = result.diagnosis.findings[0].cause if result.diagnosis.findings else ""
    record_follow_up(result.assessment, form.cleaned_data["outcome"], top_cause)
    if request.htmx:
        return render(request, "outcomes/_follow_up.html", {"assessment": result.assessment, "thanked": True})
    messages.success(request, _("谢谢你告诉我们结果。"))
    return redirect(f"{result.assessment.result_url()}#follow-up")


@limit_guide_feedback
@require_POST
def guide_feedback(request, slug):
    """ "这篇有帮助吗？": one click with htmx (the form swaps to a thank-you), a normal POST without."""
    guide = get_object_or_404(Guide.objects.published(), slug=slug)
    form = GuideFeedbackForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(request, "outcomes/_guide_feedback.html", {"guide": guide, "form": form}, status=200)
        return render(request, "outcomes/guide_feedback_error.html", {"guide": guide, "form": form}, status=400)
    voter, is_new = voter_id(request)
    record_guide_vote(guide, form.cleaned_data["helpful"], form.cleaned_data["comment"], voter)
    if request.htmx:
        response = render(request, "outcomes/_guide_feedback.html", {"guide": guide, "thanked": True})
    else:
        messages.success(request, _("谢谢你的反馈！"))
        response = redirect(f"{guide.get_absolute_url()}#feedback")
    return remember_voter(response, voter, is_new)
