"""The knowledge base in the admin: editors tune questions, causes and weights, and simulate the result.

Every content model is versioned with django-reversion; a question's version includes its choices and a
cause's version its evidence and actions, so reverting one brings back the rows edited in its inlines.
Assessments are people's anonymous answers: listed read-only and kept out of reversion, so nothing
outlives their expiry.
"""

import reversion
from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from config.history import VersionDiffAdmin

from . import admin_views
from .engine import SYMPTOM
from .models import Action, Assessment, Cause, CauseAction, CauseGuide, Choice, Evidence, Question

reversion.register(Choice)
reversion.register(Question, follow=("choices",))
reversion.register(Action)
reversion.register(Evidence)
reversion.register(CauseAction)
reversion.register(CauseGuide)
reversion.register(Cause, follow=("evidence", "cause_actions", "cause_guides"))


def choices_with_question():
    """Choice labels name their question; fetch it in the same query."""
    return Choice.objects.select_related("question")


class ChoiceInline(admin.TabularInline):
    model = Choice
    fields = ("slug", "label", "help_text", "summary_text", "order", "prior", "tick")
    extra = 0


@admin.register(Question)
class QuestionAdmin(VersionDiffAdmin):
    list_display = ("order", "slug", "short_label", "text", "in_service_summary")
    list_display_links = ("slug",)
    search_fields = ("slug", "text", "short_label")
    filter_horizontal = ("asked_for", "ask_when")
    inlines = [ChoiceInline]
    fieldsets = (
        (None, {"fields": ("slug", "text", "short_label", "help_text", "order", "asked_for", "in_service_summary")}),
        (
            _("体检怎么问（分诊、分组、提前结束）"),
            {
                "fields": ("triage", "ask_when", "screen", "unticked"),
                "description": _(
                    "体检先问症状和分诊问题，再挑最可能改变结果的问题，结果清楚了就提前结束。"
                    "每个选项的“大约多少人选”决定还值不值得多问；分组屏里的勾选说法写在选项的“勾选项说法”里。"
                    "改完可以在“模拟诊断”里看体检会问哪几屏、在哪里停下。"
                ),
            },
        ),
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "asked_for":
            kwargs["queryset"] = choices_with_question().filter(question__slug=SYMPTOM)
        if db_field.name == "ask_when":
            kwargs["queryset"] = choices_with_question().filter(question__triage__gt=0)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Choice)
class ChoiceAdmin(VersionDiffAdmin):
    """Registered for the evidence autocomplete; choices are edited on their question, so it stays off the index."""

    list_display = ("question", "slug", "label", "order")
    list_filter = ("question",)
    search_fields = ("question__slug", "slug", "label")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    def has_module_permission(self, request):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ("choice", "weight", "note")
    autocomplete_fields = ("choice",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("choice__question")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "choice":
            kwargs["queryset"] = choices_with_question()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def answer_choices():
    """Every answer as ("question=choice", label), grouped by question in asking order (one query)."""
    groups = {}
    for choice in choices_with_question().order_by("question__order", "question__id", "order", "id"):
        answer = f"{choice.question.slug}={choice.slug}"
        label = choice.label if len(choice.label) <= 10 else f"{choice.label[:9]}…"  # keeps both pickers in view
        groups.setdefault(choice.question, []).append((answer, f"{answer}：{label}"))
    return [(f"{question.short_label}（{question.slug}）", items) for question, items in groups.items()]


class ConditionsForm(forms.ModelForm):
    """A cause's action or guide link with its `when` / `unless` answers, picked from the answers that exist.

    An answer saved earlier that no longer exists (its choice was deleted) stays listed and selected, marked,
    and the form refuses it, so the editor decides what the condition should be instead of it vanishing.
    """

    answers = ()  # (group, [(answer, label)]): set once per request by ConditionsInline.get_formset

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = {answer for _group, items in self.answers for answer, _label in items}
        for name in ("when", "unless"):
            model_field = self._meta.model._meta.get_field(name)
            gone = [a for a in self.initial.get(name) or [] if a not in known]
            choices = list(self.answers) + ([(_("已不存在的回答"), [(a, a) for a in gone])] if gone else [])
            self.fields[name] = forms.MultipleChoiceField(
                label=model_field.verbose_name,
                help_text=model_field.help_text,
                required=False,
                choices=choices,
                widget=forms.SelectMultiple(attrs={"size": 5}),
            )

    def _known(self, name):
        known = {answer for _group, items in self.answers for answer, _label in items}
        gone = [a for a in self.cleaned_data[name] if a not in known]
        if gone:
            raise forms.ValidationError(_("这些回答已不存在：%(answers)s") % {"answers": "、".join(gone)})
        return self.cleaned_data[name]

    def clean_when(self):
        return self._known("when")

    def clean_unless(self):
        return self._known("unless")


class ConditionsInline(admin.TabularInline):
    form = ConditionsForm
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type(self.form.__name__, (self.form,), {"answers": answer_choices()})
        return super().get_formset(request, obj, **kwargs)


class CauseActionInline(ConditionsInline):
    """The cause's actions; each may be shown only to people whose answers it fits."""

    model = CauseAction
    fields = ("action", "when", "unless", "order")
    autocomplete_fields = ("action",)


class CauseGuideInline(ConditionsInline):
    """The cause's guides; each may be linked only for people whose answers it fits."""

    model = CauseGuide
    fields = ("guide", "when", "unless")
    autocomplete_fields = ("guide",)


@admin.register(Cause)
class CauseAdmin(VersionDiffAdmin):
    list_display = ("title", "slug", "urgent", "order")
    list_filter = ("urgent",)
    search_fields = ("slug", "title", "explanation")
    inlines = [EvidenceInline, CauseActionInline, CauseGuideInline]
    change_list_template = "admin/diagnosis/cause/change_list.html"  # adds the "模拟诊断" link
    fieldsets = (
        (None, {"fields": ("title", "slug", "explanation", "what_would_change", "order")}),
        (_("紧急"), {"fields": ("urgent", "urgent_message")}),
    )

    def get_urls(self):
        return [
            path(
                "simulate/",
                self.admin_site.admin_view(self.simulate_view),
                name="diagnosis_cause_simulate",
            ),
            *super().get_urls(),
        ]

    def simulate_view(self, request):
        return admin_views.simulate(request, model_admin=self)


@admin.register(Action)
class ActionAdmin(VersionDiffAdmin):
    list_display = ("text", "slug", "priority")
    search_fields = ("slug", "text", "detail")


@admin.register(Evidence)
class EvidenceAdmin(VersionDiffAdmin):
    list_display = ("cause", "choice", "weight", "note")
    list_editable = ("weight",)
    list_filter = ("cause", "choice__question")
    list_select_related = ("cause", "choice__question")
    search_fields = ("cause__slug", "cause__title", "choice__slug", "choice__label", "note")
    autocomplete_fields = ("cause", "choice")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Read-only and blind to the token: a result belongs to the anonymous person holding its link.

    The database keeps only the token's hash, and the admin neither shows it nor filters on it, so no staff
    account can go from a row to a result. Assessment has no get_absolute_url, so "view on site" has nowhere to go.
    """

    list_display = ("symptom_slug", "created_at", "finished_at", "expires_at")
    date_hierarchy = "created_at"
    fields = ("symptom_slug", "answers", "created_at", "finished_at", "expires_at")
    readonly_fields = fields
    view_on_site = False

    @admin.display(description=_("遇到的情况"))
    def symptom_slug(self, assessment):
        return assessment.symptom or "—"

    def lookup_allowed(self, lookup, value, request):
        """Only the date drill-down: any other lookup (``?token_hash__startswith=…``) could probe for a token."""
        return lookup.split("__")[0] == self.date_hierarchy and super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
