"""The checkup's screens: home, one question per step, check your answers, results.

Views stay thin: `interview` decides what to ask next, `engine` diagnoses, `presentation` shapes the result.
Each screen has one view and one template. Without JavaScript a step is a normal POST → redirect → GET;
with htmx the same view answers the POST with the next screen's `screen` partial and an HX-Push-Url
header, so the address bar, refresh and the back button always show a real, reloadable page.

Answers live server-side in an anonymous `Assessment`; the browser only holds its token, in a signed
cookie, so answers cannot be edited client-side and nothing personal is ever stored. Starting, answering
and finishing are sent as signals (diagnosis.signals) for `outcomes` to count; the result page's feedback
boxes come from outcomes' template tags.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from config import cookies
from config.ratelimits import limit_posts, limit_result_forms
from guides.rendering import hotline_parts

from . import engine, interview, signals
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


# Many people share one address (carrier NAT, campus networks): the tight limit follows the checkup.
limit_answers = limit_posts(checkup_token, group="checkup")
# A result (its page, calendar file, delete page) is one person's: no browser or proxy cache may keep a copy.
private = cache_control(private=True, no_store=True)


# --- the anonymous assessment behind the cookie -------------------------------------------------


def current_assessment(request):
    """This browser's latest assessment (in progress or finished), or None."""
    return Assessment.objects.checkup(checkup_token(request))


def checkup_state(request):
    """The knowledge base and this browser's assessment (or None), in one query when there is a checkup: the content
    revision the knowledge base depends on is read with the assessment (`Assessment.objects.checkup`)."""
    assessment = current_assessment(request)
    return get_knowledge_base(getattr(assessment, "content_revision", None)), assessment


def remember(response, assessment):
    max_age = settings.RESULT_RETENTION_DAYS * 24 * 3600
    return cookies.set_signed(response, COOKIE, assessment.token, salt=COOKIE_SALT, max_age=max_age)


def save_answers(assessment, answers, current):
    """Store the answers given on screen `current`. A finished result is read-only: changing an answer after it starts
    a new checkup. The dashboard counts a screen once, the first time it is answered (a grouped screen by its slug)."""
    first_time = assessment is None or assessment.is_finished or not current.is_answered(assessment.answers)
    if assessment is None or assessment.is_finished:
        assessment = Assessment.objects.create(answers=answers)
        signals.checkup_started.send(sender=assessment, symptom=answers.get(engine.SYMPTOM))
    else:
        assessment.answers = answers
        assessment.save_answers()
    if first_time:
        signals.question_answered.send(sender=assessment, question=current.slug)
    return assessment


def reached(assessment, answers, target):
    """Count a screen the checkup now asks, once an answer made it due (see signals.screen_reached)."""
    if target is not REVIEW and not target.is_answered(answers):
        signals.screen_reached.send(sender=assessment, screen=target.slug)


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


# --- where a person is in the interview ----------------------------------------------------------


REVIEW = None  # the target when the interview stops: "check your answers"


@dataclass(frozen=True)
class Place:
    """One screen as this person meets it: what came before it, and what the page says about the way ahead."""

    done: int  # screens answered before this one on the person's own history
    remaining: int  # "大约还有 N 步" counts this one: remaining_screens() + 1
    previous: object  # the Screen before it (the back link), or None for the first one
    notice: tuple  # urgent CauseInfo the previous screen's answers raised (not raised before it)


def due(kb, answers, more):
    """The screen the interview asks next, or REVIEW when it stops (the result is clear, or every screen is done)."""
    decision = interview.decide(answers, kb, more=more)
    return REVIEW if decision.stopped else decision.screen


def place(kb, answers, current, more):
    """Where `current` sits on the person's history (replayed from their answers): the answers given before it decide
    the back link, the progress shown and the urgent notice, so a refresh or a back button shows the same page."""
    history = interview.history(answers, kb, more=more)
    slugs = [screen.slug for screen in history]
    if current.slug in slugs:
        index = slugs.index(current.slug)
        before = {}
        for screen in history[:index]:
            before.update({q.slug: answers[q.slug] for q in screen.questions})
    else:  # the screen that is due (or an answered one the replay no longer reaches): after everything answered
        index, before = len(history), dict(answers)
    previous = history[index - 1] if index else None
    notice = ()
    if previous is not None:
        earlier = {slug: choice for slug, choice in before.items() if slug not in {q.slug for q in previous.questions}}
        raised_before = {cause.slug for cause in interview.urgent_causes(earlier, kb)}
        notice = tuple(c for c in interview.urgent_causes(before, kb) if c.slug not in raised_before)
    remaining = interview.remaining_screens(before, kb, more=more) + 1
    return Place(done=index, remaining=remaining, previous=previous, notice=notice)


def notices(causes):
    """The urgent causes' own short messages, with their hotlines as tap-to-call links."""
    return [
        {"cause": cause.slug, "title": cause.title, "parts": hotline_parts(cause.urgent_message)} for cause in causes
    ]


# --- rendering helpers --------------------------------------------------------------------------


def screen(request, template, context, status=200):
    """The whole page, or only its `screen` partial when htmx swaps it in place."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#screen"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def step_url(target, returning=False):
    if target is REVIEW:
        return reverse("diagnosis:review")
    url = reverse("diagnosis:step", kwargs={"slug": target.slug})
    return f"{url}?from=review" if returning else url


def group_boxes(current, checked):
    """The grouped screen's boxes with their state: `checked` is a set of (question, choice) pairs."""
    return [
        {"name": tick.question, "value": tick.choice, "label": tick.label, "id": f"tick-{tick.question}-{tick.choice}",
         "checked": (tick.question, tick.choice) in checked}
        for tick in current.ticks
    ]  # fmt: skip


def answered_boxes(current, answers):
    """What a grouped screen shows as ticked for saved answers; "都不符合" when every question has its unticked one."""
    checked = {(q.slug, answers[q.slug]) for q in current.questions if answers.get(q.slug, q.unticked) != q.unticked}
    none_of_these = current.is_answered(answers) and not checked
    return checked, none_of_these


GROUP_ERRORS = {
    "empty": gettext_lazy("请勾选符合你的情况；一项都不符合的话，请勾选“都不符合”。"),
    "contradiction": gettext_lazy("你勾选了“都不符合”，又勾选了其他情况。请只保留符合你的选项。"),
}


def step_context(kb, answers, current, more, returning, *, form=None, checked=None, none_of_these=False, error=""):
    here = place(kb, answers, current, more)
    context = {
        "screen": current,
        "question": current.questions[0],
        "form": form,
        "place": here,
        "progress_max": here.done + here.remaining,
        "notices": notices(here.notice),
        "returning": returning,
        "back_url": reverse("diagnosis:review")
        if returning
        else (step_url(here.previous) if here.previous else reverse("diagnosis:home")),
        "has_answers": bool(answers),
    }
    if current.grouped:
        if checked is None:
            checked, none_of_these = answered_boxes(current, answers)
        context.update(boxes=group_boxes(current, checked), none_of_these=none_of_these, group_error=error)
    return context


def screen_form(current, answers, data=None):
    """The radio form of a single-question screen (None on a grouped screen: its boxes are plain HTML)."""
    if current.grouped:
        return None
    question = current.questions[0]
    if data is not None:
        return StepForm(question, data)
    return StepForm(question, initial={question.slug: answers.get(question.slug)})


def review_rows(kb, answers, more):
    """One row per answered screen: a single question's answer, or a grouped screen's ticked boxes."""
    known = engine.known_answers(answers, kb)
    rows = []
    for current in interview.answered_screens(known, kb, more=more):
        if current.grouped:
            checked, _none = answered_boxes(current, known)
            names = [q.short_label or q.text for q in current.questions]
            label = "、".join(names) if len(names) <= 3 else _("其他情况（多选）")
            values = [tick.label for tick in current.ticks if (tick.question, tick.choice) in checked]
            value = "；".join(values) if values else _("都不符合")
        else:
            question = current.questions[0]
            label = question.short_label or question.text
            value = question.choice(known[question.slug]).label
        rows.append({"slug": current.slug, "label": label, "value": value})
    return rows


def review_context(kb, answers, assessment):
    more = assessment is not None and assessment.more
    finished = assessment is not None and assessment.is_finished
    return {
        "rows": review_rows(kb, answers, more),
        "finished": finished,
        "assessment": assessment,
        "notices": notices(interview.urgent_causes(answers, kb)),
        # Stopped early (the result is clear enough): the person may still answer the rest.
        "can_answer_more": not finished and not more and not interview.decide(answers, kb, more=True).stopped,
    }


def go(request, kb, answers, assessment, target, returning=False):
    """Move to `target` (a Screen or REVIEW): a redirect, or for htmx the next screen itself."""
    url = step_url(target, returning)
    if not request.htmx:
        return redirect(url)
    if target is REVIEW:
        response = screen(request, "diagnosis/review.html", review_context(kb, answers, assessment))
    else:
        more = assessment is not None and assessment.more
        context = step_context(kb, answers, target, more, returning, form=screen_form(target, answers))
        response = screen(request, "diagnosis/step.html", context)
    return push_url(response, url)


# --- screens ------------------------------------------------------------------------------------


@require_GET
def home(request):
    assessment = current_assessment(request)
    return render(
        request,
        "diagnosis/home.html",
        {
            "in_progress": assessment is not None and not assessment.is_finished,
            "latest": assessment,
            "typical_screens": interview.TYPICAL_SCREENS,
            "typical_minutes": interview.TYPICAL_MINUTES,
        },
    )


@require_GET
def start(request):
    """/checkup/: continue where this browser left off, or begin at the first question."""
    kb, assessment = checkup_state(request)
    unfinished = assessment is not None and not assessment.is_finished
    answers = assessment.answers if unfinished else {}
    return redirect(step_url(due(kb, answers, unfinished and assessment.more)))


def read_screen(request, kb, current):
    """The answers a screen's POST gives, or (None, form, error) to show the screen again.

    A grouped screen's box the screen does not offer is a forged request: a 400, nothing saved."""
    if current.grouped:
        ignored = {"csrfmiddlewaretoken", "from", "none_of_these"}
        pairs = [(name, value) for name in request.POST if name not in ignored for value in request.POST.getlist(name)]
        none_of_these = request.POST.get("none_of_these") == "1"
        try:
            return interview.read_group(kb, current, pairs, none_of_these=none_of_these), None, None
        except interview.GroupAnswerError as error:
            if error.code == "tampered":
                raise BadRequest(str(error)) from error
            return None, None, (error.code, {p for p in pairs}, none_of_these)
    form = screen_form(current, {}, request.POST)
    if form.is_valid():
        return {current.questions[0].slug: form.choice}, None, None
    return None, form, None


def after(kb, answers, current, more):
    """Where a screen's answer leads: forward through screens already answered (as on a paper form), else the screen
    the interview picks now (a changed answer re-decides what comes next), else review."""
    history = [screen.slug for screen in interview.history(answers, kb, more=more)]
    if current.slug in history and history.index(current.slug) + 1 < len(history):
        following = interview.find_screen(answers, kb, history[history.index(current.slug) + 1])
        if following is not None:
            return following
    return due(kb, answers, more)


@limit_answers
@require_http_methods(["GET", "POST"])
def step(request, slug):
    kb, assessment = checkup_state(request)
    if kb.question(slug) is None and not any(q.screen == slug for q in kb.questions):
        raise Http404(_("没有这个问题。"))
    answers = dict(assessment.answers) if assessment else {}
    more = assessment is not None and assessment.more and not assessment.is_finished
    current = interview.find_screen(answers, kb, slug)
    if current is None:  # a question asked on a grouped screen: its screen's address
        current = interview.screen_of(answers, kb, slug)
    if current is None or not interview.can_show(answers, kb, current.slug, more=more):
        # Reached by URL before its turn, or not asked on this path: go to the screen that is due.
        return go(request, kb, answers, assessment, due(kb, answers, more))
    if current.slug != slug:
        return redirect(step_url(current))
    returning = (request.POST if request.method == "POST" else request.GET).get("from") == "review"

    if request.method == "POST":
        given, form, slip = read_screen(request, kb, current)
        if given is not None:
            changed = (
                assessment is None
                or assessment.is_finished
                or any(assessment.answers.get(slug) != choice for slug, choice in given.items())
            )
            answers.update(given)
            assessment = save_answers(assessment, answers, current)
            more = assessment.more
            # From "check your answers" go back there, asking what the changed answer makes due on the way.
            target = due(kb, answers, more) if returning else after(kb, answers, current, more)
            if changed:
                reached(assessment, answers, target)
            return remember(go(request, kb, answers, assessment, target, returning), assessment)
        if slip is not None:
            code, checked, none_of_these = slip
            context = step_context(
                kb, answers, current, more, returning, checked=checked, none_of_these=none_of_these,
                error=GROUP_ERRORS[code],
            )  # fmt: skip
            return screen(request, "diagnosis/step.html", context)
    else:
        form = screen_form(current, answers)
    return screen(request, "diagnosis/step.html", step_context(kb, answers, current, more, returning, form=form))


@limit_answers
@require_http_methods(["GET", "POST"])
def review(request):
    """Check your answers; its POST finishes the checkup and shows the result, or asks the rest ("more")."""
    kb, assessment = checkup_state(request)
    answers = dict(assessment.answers) if assessment else {}
    if request.method == "POST" and assessment is not None and assessment.is_finished:
        return redirect(assessment.result_url())  # a double submit: the result already exists
    more = assessment is not None and assessment.more
    target = due(kb, answers, more)
    if target is not REVIEW:
        return go(request, kb, answers, assessment, target)
    if request.method == "POST" and request.POST.get("action") == "more":
        if not assessment.more:
            assessment.more = True
            assessment.save(update_fields=["more", "updated_at"])
            reached(assessment, answers, due(kb, answers, True))
        return go(request, kb, answers, assessment, due(kb, answers, True))
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
