"""The admin's "模拟诊断" page: staff pick answers and see what the checkup and the results page make of them.

It calls `interview.walk` (the screens the adaptive checkup would show someone with these answers, in order, and
where and why it stops), `engine.diagnose` and `presentation.present` on the live knowledge base: the same calls
the public checkup and results page make, so a weight or prior an editor just changed shows here exactly as
visitors will get it.
"""

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import interview
from .engine import SYMPTOM, diagnose
from .knowledge import get_knowledge_base
from .models import Cause
from .presentation import present


class SimulationForm(forms.Form):
    """One select per question of the knowledge base; only the symptom must be answered."""

    def __init__(self, *args, knowledge_base, **kwargs):
        super().__init__(*args, **kwargs)
        for question in knowledge_base.questions:
            self.fields[question.slug] = forms.ChoiceField(
                label=f"{question.short_label or question.text}（{question.slug}）",
                help_text=question.text,
                required=question.slug == SYMPTOM,
                choices=[("", _("未回答"))] + [(c.slug, f"{c.label}（{c.slug}）") for c in question.choices],
            )

        self.fields[MORE] = forms.BooleanField(
            label=_("多回答模式"),
            required=False,
            help_text=_("像访客点了“多回答几个问题，让结果更准”：不提前结束，问完路径上的每一屏。"),
        )

    def answers(self):
        return {question: choice for question, choice in self.cleaned_data.items() if choice and question != MORE}


MORE = "simulate_more"


def reason_words(reason):
    """Why the checkup showed a screen or stopped, in words editors use (interview's reason constants)."""
    words = {
        interview.SYMPTOM_FIRST: _("先问遇到的情况"),
        interview.TRIAGE: _("分诊：紧要的问题先问"),
        interview.MOST_USEFUL: _("剩下的问题里最可能改变结果的"),
        interview.CONTINUE: _("多回答模式：继续问"),
        interview.CERTAIN: _("结果已确定：剩下的问题怎么回答，最可能的原因和前三都不会变"),
        interview.LIKELY: _("结果很可能不变：最可能的原因不变的把握够大，前三也基本不变"),
        interview.MAX_REACHED: _("已经问满 %(n)s 屏") % {"n": interview.MAX_SCREENS},
        interview.COMPLETE: _("路径上的问题都问完了"),
    }
    return words.get(reason, reason)


def screen_label(screen):
    if screen.grouped:
        return _("多选：") + "、".join(q.short_label or q.slug for q in screen.questions)
    question = screen.questions[0]
    return question.short_label or question.text


def walk_rows(kb, walk):
    """One row per screen the checkup would show: what it asked, why, the estimate shown, what it recorded."""
    rows = []
    for number, step in enumerate(walk.steps, start=1):
        recorded = []
        for question in step.screen.questions:
            choice = question.choice(step.answers[question.slug])
            recorded.append(f"{question.short_label or question.slug}：{choice.label if choice else '—'}")
        rows.append(
            {
                "number": number,
                "slug": step.screen.slug,
                "label": screen_label(step.screen),
                "reason": reason_words(step.reason),
                "remaining": step.remaining + 1,
                "recorded": recorded,
            }
        )
    return rows


def simulate(request, *, model_admin):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    kb = get_knowledge_base()
    form = SimulationForm(request.GET or None, knowledge_base=kb)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("模拟诊断"),
        "opts": model_admin.model._meta,
        "form": form,
    }
    if form.is_valid():
        answers = form.answers()
        diagnosis = diagnose(answers, kb)
        on_path = {question.slug for question in kb.path(answers[SYMPTOM])}
        cause_ids = dict(Cause.objects.filter(slug__in=[f.cause for f in diagnosis.findings]).values_list("slug", "pk"))
        result = present(kb, answers, diagnosis)
        context.update(
            diagnosis=diagnosis,
            result=result,
            # Engine findings beside their presented form: the numbers for the editor, the wording for the visitor.
            findings=[
                (finding, view, cause_ids.get(finding.cause))
                for finding, view in zip(diagnosis.findings, result.findings, strict=True)
            ],
            ignored=[kb.question(slug) for slug in answers if slug not in on_path],
            diagnosis_json=json.dumps(diagnosis.as_dict(), ensure_ascii=False, indent=2),
        )
        more = form.cleaned_data[MORE]
        walk = interview.walk(answers, kb, more=more)
        context.update(
            walk=walk,
            walk_rows=walk_rows(kb, walk),
            stop_words=reason_words(walk.stop_reason),
            stability=f"{walk.stability:.0%}",
            top_stability=f"{walk.top_stability:.0%}",
            walk_top=[kb.cause(slug).title for slug in interview.top_causes(walk.answers, kb)],
            full_top=[kb.cause(slug).title for slug in interview.top_causes(answers, kb)],
            unsure_filled=[
                screen_label(step.screen)
                for step in walk.steps
                if any(q.slug not in answers for q in step.screen.questions)
            ],
        )
    return TemplateResponse(request, "admin/diagnosis/simulate.html", context)
