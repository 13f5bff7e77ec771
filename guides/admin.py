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

from .models import Guide, Reference
from .rendering import render_guide_body

# A guide's version includes its references, so reverting a guide brings its sources back too.
reversion.register(Reference)
reversion.register(Guide, follow=("references",))


class ReferenceInline(admin.TabularInline):
    model = Reference
    fields = ("title", "url", "order")
    extra = 1


@admin.register(Guide)
class GuideAdmin(VersionDiffAdmin):
    list_display = ("title", "category", "status", "last_reviewed", "order", "updated_at")
    list_filter = ("category", "status")
    search_fields = ("title", "summary", "body")
    filter_horizontal = ("related",)
    inlines = [ReferenceInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "status", "summary", "body")}),
        (_("审核与排序"), {"fields": ("last_reviewed", "order", "related")}),
        (_("记录"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

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
