"""The admin's "模拟诊断" page: staff pick answers and see what the engine and the results page make of them.

It calls `engine.diagnose` and `presentation.present` on the live knowledge base, the same two calls the
public results page makes, so a weight an editor just changed shows here exactly as visitors will get it.
"""

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

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

    def answers(self):
        return {question: choice for question, choice in self.cleaned_data.items() if choice}


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
    return TemplateResponse(request, "admin/diagnosis/simulate.html", context)
