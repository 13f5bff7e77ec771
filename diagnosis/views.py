"""The checkup's screens: home, one question per step, check your answers, results.

Views stay thin: `flow` decides where a person is, `engine` diagnoses, `presentation` shapes the result.
Each screen has one view and one template. Without JavaScript a step is a normal POST → redirect → GET;
with htmx the same view answers the POST with the next screen's `screen` partial and an HX-Push-Url
header, so the address bar, refresh and the back button always show a real, reloadable page.

Answers live server-side in an anonymous `Assessment`; the browser only holds its token, in a signed
cookie, so answers cannot be edited client-side and nothing personal is ever stored.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from config.ratelimits import limit_posts

from . import engine, feedback, flow
from .forms import FindingVoteForm, FollowUpForm, StepForm
from .knowledge import get_knowledge_base
from .models import SYMPTOM_QUESTION, Assessment, FollowUp
from .presentation import present

COOKIE = "checkup"
COOKIE_SALT = "diagnosis.checkup"


def checkup_token(request):
    """The checkup a step POST works on: this browser's, from its cookie (None before the first answer)."""
    return request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)


def result_token(request):
    """The result a vote, follow-up or delete works on: the token in its URL."""
    return request.resolver_match.kwargs.get("token")


limit_answers = limit_posts(checkup_token, group="checkup")
# A result (its page, calendar file, delete page) is one person's: no browser or proxy cache may keep a copy.
private = cache_control(private=True, no_store=True)
limit_result_forms = limit_posts(result_token, group="result")


# --- the anonymous assessment behind the cookie -------------------------------------------------


def current_assessment(request):
    """This browser's latest assessment (in progress or finished), or None."""
    token = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
    if not token:
        return None
    return Assessment.objects.current().by_token(token)


def remember(response, assessment):
    response.set_signed_cookie(
        COOKIE,
        assessment.token,
        salt=COOKIE_SALT,
        max_age=settings.RESULT_RETENTION_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def save_answers(assessment, answers, question_slug):
    """Store the answers. A finished result is read-only: changing an answer after it starts a new checkup."""
    first_time = assessment is None or assessment.is_finished or question_slug not in assessment.answers
    if assessment is None or assessment.is_finished:
        assessment = Assessment.objects.create(answers=answers)
        feedback.record_started(answers.get(SYMPTOM_QUESTION))
    else:
        assessment.answers = answers
        assessment.save(update_fields=["answers", "updated_at"])
    if first_time:
        feedback.record_answered(question_slug)
    return assessment


def finish(assessment, answers):
    """Finish the checkup with `answers`; False when another request (a double tap) finished it first.

    One conditional UPDATE, so of two taps racing past the "already finished?" check only one is counted.
    """
    now = timezone.now()
    expires_at = now + timedelta(days=settings.RESULT_RETENTION_DAYS)
    finished = Assessment.objects.filter(pk=assessment.pk, finished_at__isnull=True).update(
        answers=answers, finished_at=now, expires_at=expires_at, updated_at=now
    )
    if finished:
        assessment.answers, assessment.finished_at, assessment.expires_at = answers, now, expires_at
    return bool(finished)


# --- rendering helpers --------------------------------------------------------------------------


def screen(request, template, context, status=200):
    """The whole page, or only its `screen` partial when htmx swaps it in place."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#screen"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def step_url(question, returning=False):
    if question is flow.REVIEW:
        return reverse("diagnosis:review")
    url = reverse("diagnosis:step", kwargs={"slug": question.slug})
    return f"{url}?from=review" if returning else url


def step_context(kb, answers, question, form, returning):
    steps = flow.path(kb, answers)
    position = steps.index(question) if question in steps else 0
    previous = steps[position - 1] if position > 0 else None
    return {
        "question": question,
        "form": form,
        "progress": flow.progress(kb, answers, question),
        "returning": returning,
        "back_url": reverse("diagnosis:review")
        if returning
        else (step_url(previous) if previous else reverse("diagnosis:home")),
        "has_answers": bool(answers),
    }


def review_context(kb, answers, assessment):
    return {
        "rows": flow.answered_path(kb, answers),
        "finished": assessment is not None and assessment.is_finished,
        "assessment": assessment,
    }


def go(request, kb, answers, assessment, target, returning=False):
    """Move to `target` (a question or flow.REVIEW): a redirect, or for htmx the next screen itself."""
    url = step_url(target, returning)
    if not request.htmx:
        return redirect(url)
    if target is flow.REVIEW:
        response = screen(request, "diagnosis/review.html", review_context(kb, answers, assessment))
    else:
        form = StepForm(target, initial={target.slug: answers.get(target.slug)})
        response = screen(request, "diagnosis/step.html", step_context(kb, answers, target, form, returning))
    return push_url(response, url)


# --- screens ------------------------------------------------------------------------------------


@require_GET
def home(request):
    assessment = current_assessment(request)
    return render(
        request,
        "diagnosis/home.html",
        {"in_progress": assessment is not None and not assessment.is_finished, "latest": assessment},
    )


@require_GET
def start(request):
    """/checkup/: continue where this browser left off, or begin at the first question."""
    kb = get_knowledge_base()
    assessment = current_assessment(request)
    answers = assessment.answers if assessment and not assessment.is_finished else {}
    return redirect(step_url(flow.first_unanswered(kb, answers)))


@limit_answers
@require_http_methods(["GET", "POST"])
def step(request, slug):
    kb = get_knowledge_base()
    question = kb.question(slug)
    if question is None:
        raise Http404(_("没有这个问题。"))
    assessment = current_assessment(request)
    answers = dict(assessment.answers) if assessment else {}
    if not flow.can_show(kb, answers, question):
        # Reached by URL before its turn, or not asked for this symptom: go to the step that is due.
        return go(request, kb, answers, assessment, flow.first_unanswered(kb, answers))
    returning = (request.POST if request.method == "POST" else request.GET).get("from") == "review"

    if request.method == "POST":
        form = StepForm(question, request.POST)
        if form.is_valid():
            answers[question.slug] = form.choice
            assessment = save_answers(assessment, answers, question.slug)
            # From "check your answers" go back there, asking a new symptom's unanswered questions on the way.
            target = flow.first_unanswered(kb, answers) if returning else flow.next_step(kb, answers, question)
            return remember(go(request, kb, answers, assessment, target, returning), assessment)
    else:
        form = StepForm(question, initial={question.slug: answers.get(question.slug)})
    return screen(request, "diagnosis/step.html", step_context(kb, answers, question, form, returning))


@limit_answers
@require_http_methods(["GET", "POST"])
def review(request):
    """Check your answers; its POST finishes the checkup and shows the result."""
    kb = get_knowledge_base()
    assessment = current_assessment(request)
    answers = dict(assessment.answers) if assessment else {}
    if request.method == "POST" and assessment is not None and assessment.is_finished:
        return redirect(assessment.result_url())  # a double submit: the result already exists
    if not flow.is_complete(kb, answers):
        return go(request, kb, answers, assessment, flow.first_unanswered(kb, answers))
    if request.method == "POST":
        if finish(assessment, engine.applicable_answers(engine.known_answers(answers, kb), kb)):
            feedback.record_finished(assessment.symptom, engine.diagnose(assessment.answers, kb))
        return redirect(assessment.result_url())
    return screen(request, "diagnosis/review.html", review_context(kb, answers, assessment))


@require_http_methods(["GET", "POST"])
def restart(request):
    """Start over: forget this browser's unfinished answers (finished results stay at their link)."""
    if request.method == "GET":
        return render(request, "diagnosis/restart.html")
    assessment = current_assessment(request)
    if assessment is not None and not assessment.is_finished:
        assessment.delete()
    response = redirect("diagnosis:step", slug=SYMPTOM_QUESTION)
    response.delete_cookie(COOKIE, samesite="Lax")
    return response


def forget_rendered(assessment):
    """Drop the result's cached page fragments, so a deleted result leaves nothing behind in the cache."""
    kb = get_knowledge_base()
    revision = kb.revision
    answers = engine.known_answers(assessment.answers, kb)
    keys = [make_template_fragment_key("result_plan", [assessment.token, revision])]
    keys += [
        make_template_fragment_key("result_finding", [assessment.token, revision, finding.cause])
        for finding in engine.diagnose(answers, kb).findings
    ]
    cache.delete_many(keys)


def finished_or_404(token):
    assessment = Assessment.objects.current().filter(finished_at__isnull=False).by_token(token)
    if assessment is None:
        raise Http404(_("这个结果不存在，可能已经删除或过期。"))
    return assessment


@require_GET
@private
def result(request, token):
    assessment = finished_or_404(token)
    # Answers are re-checked against today's knowledge base: content may have changed since they were saved.
    kb, answers, diagnosis, votes = _result_state(request, assessment)
    mine = current_assessment(request)
    due = follow_up_due(assessment)
    return render(
        request,
        "diagnosis/result.html",
        {
            "assessment": assessment,
            "result": present(kb, answers, diagnosis),
            "is_mine": mine is not None and mine.pk == assessment.pk,
            "permalink": request.build_absolute_uri(assessment.result_url()),
            "votes": votes,
            "vote_url": reverse("diagnosis:vote", args=[assessment.token]),
            # Findings and the plan are cached fragments per result and content revision; votes stay live.
            "revision": kb.revision,
            "follow_up_due": due,
            "follow_up": FollowUp.objects.filter(assessment=assessment).first() if due else None,
            "outcomes": FollowUp.Outcome.choices,
        },
    )


@limit_result_forms
@require_http_methods(["GET", "POST"])
@private
def delete_result(request, token):
    assessment = finished_or_404(token)
    if request.method == "GET":
        return render(request, "diagnosis/result_delete.html", {"assessment": assessment})
    mine = current_assessment(request)
    was_mine = mine is not None and mine.pk == assessment.pk
    forget_rendered(assessment)
    assessment.delete()
    messages.success(request, _("你的体检结果已经删除，无法再打开。"))
    response = redirect("diagnosis:home")
    if was_mine:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response


# --- feedback on a result -------------------------------------------------------------------------


def _result_state(request, assessment):
    """The diagnosis and this browser's earlier votes, shared by the result page and its feedback forms."""
    kb = get_knowledge_base()
    answers = engine.known_answers(assessment.answers, kb)
    diagnosis = engine.diagnose(answers, kb)
    voter, _new = feedback.voter_id(request)
    votes = dict(assessment.votes.filter(voter=voter).values_list("cause", "verdict"))
    return kb, answers, diagnosis, votes


def follow_up_due(assessment):
    return timezone.now() - assessment.finished_at >= timedelta(days=settings.FOLLOW_UP_AFTER_DAYS)


@limit_result_forms
@require_POST
def vote(request, token):
    """ "这个判断对吗？": one click with htmx (the form swaps to a thank-you), a normal POST without."""
    assessment = finished_or_404(token)
    _kb, _answers, diagnosis, _votes = _result_state(request, assessment)
    form = FindingVoteForm(request.POST, causes=[f.cause for f in diagnosis.findings])
    if not form.is_valid():
        return render(request, "400.html", status=400)
    voter, is_new = feedback.voter_id(request)
    cause, verdict = form.cleaned_data["cause"], form.cleaned_data["verdict"]
    feedback.record_finding_vote(assessment, cause, verdict, voter)
    if request.htmx:
        vote_url = reverse("diagnosis:vote", args=[assessment.token])
        context = {"vote_url": vote_url, "cause": cause, "vote": verdict, "thanked": True}
        response = render(request, "diagnosis/_finding_vote.html", context)
    else:
        messages.success(request, _("谢谢你的反馈！"))
        response = redirect(f"{assessment.result_url()}#finding-{cause}")
    return feedback.remember_voter(response, request, voter, is_new)


@limit_result_forms
@require_POST
def follow_up(request, token):
    """ "你的额度恢复了吗？", answered on the permalink once the follow-up is due."""
    assessment = finished_or_404(token)
    form = FollowUpForm(request.POST)
    if not follow_up_due(assessment) or not form.is_valid():
        return render(request, "400.html", status=400)
    _kb, _answers, diagnosis, _votes = _result_state(request, assessment)
    top_cause = diagnosis.findings[0].cause if diagnosis.findings else ""
    feedback.record_follow_up(assessment, form.cleaned_data["outcome"], top_cause)
    if request.htmx:
        return render(request, "diagnosis/_follow_up.html", {"assessment": assessment, "thanked": True})
    messages.success(request, _("谢谢你告诉我们结果。"))
    return redirect(f"{assessment.result_url()}#follow-up")


@require_GET
@private
def reminder(request, token):
    """A calendar file reminding the person to come back before the result is deleted."""
    assessment = finished_or_404(token)
    remind_at = max(assessment.expires_at - timedelta(days=2), timezone.now() + timedelta(hours=1))
    response = render(
        request,
        "diagnosis/reminder.ics",
        {
            "assessment": assessment,
            "uid": f"{assessment.token}@edu-tijian",
            "stamp": timezone.now(),
            "start": remind_at,
            "end": remind_at + timedelta(minutes=15),
            "permalink": request.build_absolute_uri(assessment.result_url()),
        },
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="edu-tijian-reminder.ics"'
    # iCalendar wants CRLF line ends; templates are written with LF.
    response.content = response.content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return response
