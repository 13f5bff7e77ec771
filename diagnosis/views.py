"""The checkup's screens: home, one question per step, check your answers, results.

Views stay thin: `flow` decides where a person is, `engine` diagnoses, `presentation` shapes the result.
Each screen has one view and one template. Without JavaScript a step is a normal POST → redirect → GET;
with htmx the same view answers the POST with the next screen's `screen` partial and an HX-Push-Url
header, so the address bar, refresh and the back button always show a real, reloadable page.

Answers live server-side in an anonymous `Assessment`; the browser only holds its token, in a signed
cookie, so answers cannot be edited client-side and nothing personal is ever stored. Starting, answering
and finishing are sent as signals (diagnosis.signals) for `outcomes` to count; the result page's feedback
boxes come from outcomes' template tags.
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

from config import cookies
from config.ratelimits import limit_posts

from . import engine, flow, signals
from .forms import PlanForm, StepForm
from .knowledge import get_knowledge_base
from .models import Assessment
from .presentation import present
from .results import finished_or_404, mark_done, result_for

COOKIE = "checkup"
COOKIE_SALT = "diagnosis.checkup"


def checkup_token(request):
    """The checkup a step POST works on: this browser's, from its cookie (None before the first answer)."""
    return cookies.read_signed(request, COOKIE, salt=COOKIE_SALT)


def result_token(request):
    """The result a form posts to: the token in its URL."""
    return request.resolver_match.kwargs.get("token")


# Many people share one address (carrier NAT, campus networks): the tight limit follows the checkup or result.
limit_answers = limit_posts(checkup_token, group="checkup")
limit_result_forms = limit_posts(result_token, group="result")
# A result (its page, calendar file, delete page) is one person's: no browser or proxy cache may keep a copy.
private = cache_control(private=True, no_store=True)


# --- the anonymous assessment behind the cookie -------------------------------------------------


def current_assessment(request):
    """This browser's latest assessment (in progress or finished), or None."""
    token = checkup_token(request)
    if not token:
        return None
    return Assessment.objects.current().by_token(token)


def remember(response, assessment):
    max_age = settings.RESULT_RETENTION_DAYS * 24 * 3600
    return cookies.set_signed(response, COOKIE, assessment.token, salt=COOKIE_SALT, max_age=max_age)


def save_answers(assessment, answers, question_slug):
    """Store the answers. A finished result is read-only: changing an answer after it starts a new checkup."""
    first_time = assessment is None or assessment.is_finished or question_slug not in assessment.answers
    if assessment is None or assessment.is_finished:
        assessment = Assessment.objects.create(answers=answers)
        signals.checkup_started.send(sender=assessment, symptom=answers.get(engine.SYMPTOM))
    else:
        assessment.answers = answers
        assessment.save(update_fields=["answers", "updated_at"])
    if first_time:
        signals.question_answered.send(sender=assessment, question=question_slug)
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
            signals.checkup_finished.send(sender=assessment, diagnosis=engine.diagnose(assessment.answers, kb))
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
    return cookies.forget(redirect("diagnosis:step", slug=engine.SYMPTOM), COOKIE)


def forget_rendered(assessment):
    """Drop the result's cached page fragments, so a deleted result leaves nothing behind in the cache."""
    result = result_for(assessment.token)
    cache.delete_many(
        [
            make_template_fragment_key("result_finding", [assessment.token, result.kb.revision, finding.cause])
            for finding in result.diagnosis.findings
        ]
    )


@require_GET
@private
def result(request, token):
    result = result_for(token)
    return render(
        request,
        "diagnosis/result.html",
        {
            "assessment": result.assessment,
            "result": present(result.kb, result.answers, result.diagnosis),
            "done": set(result.assessment.plan_done),
            "permalink": request.build_absolute_uri(result.assessment.result_url()),
            # Findings are cached fragments per result and content revision; votes and plan ticks stay live.
            "revision": result.kb.revision,
        },
    )


@limit_result_forms
@require_POST
@private
def plan(request, token):
    """Tick plan items: without JavaScript the whole list is one form (POST → redirect to the plan); with htmx
    each checkbox posts on change and its item is swapped in place. Anything not on this plan is a 400."""
    result = result_for(token)
    items = present(result.kb, result.answers, result.diagnosis).plan
    form = PlanForm(request.POST, plan=[item.slug for item in items])
    if not form.is_valid():
        return render(request, "400.html", status=400)
    item = form.cleaned_data["item"] or None
    done = mark_done(result.assessment, plan=[i.slug for i in items], done=form.cleaned_data["done"], item=item)
    if request.htmx and item:
        context = {"item": next(i for i in items if i.slug == item), "done": done, "assessment": result.assessment}
        return render(request, "diagnosis/result.html#plan_item", context)
    messages.success(request, _("已保存你的勾选。"), extra_tags="plan")
    return redirect(f"{result.assessment.result_url()}#plan")


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
    return cookies.forget(response, COOKIE) if was_mine else response


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
