"""The knowledge base in the admin: editors tune questions, causes and weights, and simulate the result.

Every content model is versioned with django-reversion; a question's version includes its choices and a
cause's version its evidence and actions, so reverting one brings back the rows edited in its inlines.
Assessments are people's anonymous answers: listed read-only and kept out of reversion, so nothing
outlives their expiry.
"""

import reversion
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from config.history import VersionDiffAdmin

from . import admin_views
from .engine import SYMPTOM
from .models import Action, Assessment, Cause, CauseAction, Choice, Evidence, Question

reversion.register(Choice)
reversion.register(Question, follow=("choices",))
reversion.register(Action)
reversion.register(Evidence)
reversion.register(CauseAction)
reversion.register(Cause, follow=("evidence", "cause_actions"))


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


class CauseActionInline(admin.TabularInline):
    model = CauseAction
    fields = ("action", "order")
    autocomplete_fields = ("action",)
    extra = 1


@admin.register(Cause)
class CauseAdmin(VersionDiffAdmin):
    list_display = ("title", "slug", "urgent", "order")
    list_filter = ("urgent",)
    search_fields = ("slug", "title", "explanation")
    filter_horizontal = ("guides",)
    inlines = [EvidenceInline, CauseActionInline]
    change_list_template = "admin/diagnosis/cause/change_list.html"  # adds the "模拟诊断" link
    fieldsets = (
        (None, {"fields": ("title", "slug", "explanation", "what_would_change", "order")}),
        (_("紧急"), {"fields": ("urgent", "urgent_message")}),
        (_("相关指南"), {"fields": ("guides",)}),
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
