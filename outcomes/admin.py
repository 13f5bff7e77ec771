"""Outcomes in the admin: readers' guide feedback (read-only) and the "效果看板" dashboard page."""

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse

from .dashboard_views import dashboard
from .models import GuideVote


@admin.register(GuideVote)
class GuideVoteAdmin(admin.ModelAdmin):
    """Readers' "这篇有帮助吗？" answers and comments: read-only, so feedback is never edited after the fact."""

    list_display = ("guide", "helpful", "comment", "created_at")
    list_filter = ("helpful", "guide__category", "created_at")
    search_fields = ("comment", "guide__title")
    list_select_related = ("guide",)
    fields = ("guide", "helpful", "comment", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def guide_votes_moved(request, rest):
    """Guide feedback used to be listed under 指南 (/admin/guides/guidevote/…): old bookmarks still arrive."""
    url = reverse("admin:outcomes_guidevote_changelist") + rest
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


admin.site.register_page("dashboard/", dashboard, name="dashboard")
admin.site.register_page(r"^guides/guidevote/(?P<rest>.*)$", guide_votes_moved, name="guidevote_moved", regex=True)
