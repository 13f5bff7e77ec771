"""Guides in the admin: editors write Markdown, preview it with the public renderer, and can revert any version.

django-reversion keeps every saved version (with its references) so a bad edit is one click from undone.
Chosen over django-simple-history because it stores a guide and its inline references as one revision and
ships the history / diff / revert views for the admin, without a shadow table per model.
"""

import reversion
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from config.history import VersionDiffAdmin

from .models import Guide, GuideReview, Reference, SearchSynonym
from .rendering import render_guide_body

# A guide's version includes its references, so reverting a guide brings its sources back too.
reversion.register(Reference)
reversion.register(GuideReview)
reversion.register(Guide, follow=("references", "reviews"))
# Synonyms keep versions too, so the one `load_content --force` overwrites can be reverted from its history.
reversion.register(SearchSynonym, exclude=("loaded_digest",))


class ReferenceInline(admin.TabularInline):
    model = Reference
    fields = ("title", "url", "order")
    extra = 1


class GuideReviewInline(admin.TabularInline):
    """The dated checks shown on the page as "审核记录": add one each time someone checks the facts."""

    model = GuideReview
    fields = ("reviewed_on", "note")
    extra = 1
    verbose_name = _("审核记录（有人核对过事实的那天）")


@admin.register(Guide)
class GuideAdmin(VersionDiffAdmin):
    list_display = ("title", "category", "status", "last_reviewed", "order", "updated_at")
    list_filter = ("category", "status")
    search_fields = ("title", "summary", "body")
    filter_horizontal = ("related",)
    inlines = [ReferenceInline, GuideReviewInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "status", "summary", "body")}),
        (_("审核与排序"), {"fields": ("last_reviewed", "order", "related")}),
        (_("记录"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def save_related(self, request, form, formsets, change):
        """A newer review entry moves "最后审核" forward, so the date on the page always has a record behind it."""
        super().save_related(request, form, formsets, change)
        guide = form.instance
        latest = guide.reviews.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
        if latest and latest > guide.last_reviewed:
            guide.last_reviewed = latest
            guide.save(update_fields=["last_reviewed", "updated_at"])

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="guides_guide_preview"),
            path("<path:object_id>/preview/", preview, name="guides_guide_preview"),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def preview_view(self, request, object_id=None):
        """The posted draft rendered by the public page's renderer, so the preview is exactly what readers get."""
        if object_id is None:
            allowed = self.has_add_permission(request) or self.has_change_permission(request)
        else:
            guide = self.get_object(request, unquote(object_id))
            if guide is None:
                raise Http404
            allowed = self.has_change_permission(request, guide)
        if not allowed:
            raise PermissionDenied
        body_html, toc = render_guide_body(request.POST.get("body", ""))
        return TemplateResponse(
            request,
            "admin/guides/preview.html",
            {
                "title": request.POST.get("title", ""),
                "summary": request.POST.get("summary", ""),
                "body_html": body_html,
                "toc": toc,
            },
        )


@admin.register(SearchSynonym)
class SearchSynonymAdmin(VersionDiffAdmin):
    """What people type into the guide search and the words (and guide) it should find; used from the next search."""

    list_display = ("phrase", "words", "guide")
    search_fields = ("phrase", "words")
    autocomplete_fields = ("guide",)
    fields = ("phrase", "words", "guide")
