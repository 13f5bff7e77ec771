"""Version history with a readable diff, for every admin page that keeps versions.

django-reversion records each save and gives history and revert, but no diff. An editor checking "what did the
last save change?" needs one before deciding to revert, so each history row links to the changes that version
made against the one before it: field by field, line by line (stdlib difflib; Markdown bodies are line-based),
plus the inline rows saved with it (a guide's references, a cause's evidence). The diff is read-only; reverting
stays reversion's own form.

Code that overwrites an editor's work outside the admin (`load_content --force`) saves it as a revision first,
and what replaced it after (`save_version`), so the editor finds both in the same history, sees what changed with
the same diff, and reverts with the same form.
"""

import difflib

import reversion
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Version

OVERWRITE_COMMENT = "load_content --force 覆盖前的版本"
OVERWRITTEN_WITH_COMMENT = "load_content --force 载入的内容文件版本"


def save_version(obj, comment):
    """Save obj as it is now, with the rows its registration follows (a cause's evidence), as one revision.

    Its own revision block, closed before the caller changes obj: inside a block, reversion would replace this
    version with the state obj is saved in later.
    """
    with reversion.create_revision():
        reversion.set_comment(comment)
        reversion.add_to_revision(obj)


def history_url(obj):
    """The admin history page of obj, where its versions are listed and reverted."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[quote(obj.pk)])


def line_diff(old, new):
    """Changed lines with two lines of context: [(kind, text)], kind being "add", "remove", "same" or "gap"."""
    rows = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            rows.append(("gap", "…"))
        else:
            kind = {"+": "add", "-": "remove"}.get(line[:1], "same")
            rows.append((kind, line[1:]))
    return rows[1:] if rows and rows[0][0] == "gap" else rows


def _display(field, value):
    """A stored field value as an editor would recognise it (names rather than ids, labels rather than codes)."""
    if value is None or value == "":
        return ""
    if field.many_to_many:
        return "\n".join(sorted(str(o) for o in field.related_model._base_manager.filter(pk__in=value)))
    if field.many_to_one:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _fields(version):
    data = version.field_dict
    return {
        field.name: _display(field, data.get(field.name, data.get(field.attname)))
        for field in version._model._meta.get_fields()
        # Fields editors cannot edit (ids, timestamps, the rendered HTML) would only repeat the real change.
        if field.concrete and field.editable and not field.primary_key and (field.name in data or field.attname in data)
    }


def _inline_rows(version):
    """The other objects saved in the same revision (inlines followed by reversion), one line each."""
    others = version.revision.version_set.exclude(pk=version.pk).select_related("content_type")
    return sorted(f"{other.content_type.name}：{other.object_repr}" for other in others)


def version_changes(version, previous):
    """What `version` changed against `previous` (None for the first version): [(label, diff rows)]."""
    old = _fields(previous) if previous else {}
    new = _fields(version)
    changes = []
    for field in version._model._meta.get_fields():
        name = getattr(field, "name", None)
        if name in new and old.get(name, "") != new[name]:
            changes.append((str(field.verbose_name), line_diff(old.get(name, ""), new[name])))
    old_rows = "\n".join(_inline_rows(previous)) if previous else ""
    new_rows = "\n".join(_inline_rows(version))
    if old_rows != new_rows:
        changes.append((_("一起保存的条目"), line_diff(old_rows, new_rows)))
    return changes


class VersionDiffAdmin(VersionAdmin):
    """reversion's VersionAdmin plus a "查看改动" page per version, and revert only within this admin's model.

    reversion looks a version up by its id (and the object id) only, so a guide's version id under a cause's
    history URL would revert the guide's revision from the cause's form. Every version URL here is checked to
    belong to this admin's model first.
    """

    object_history_template = "admin/history/object_history.html"

    def own_versions(self):
        """Versions of this admin's model only (reversion's own lookups ignore the content type)."""
        return Version.objects.get_for_model(self.model)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not self.own_versions().filter(pk=version_id, object_id=unquote(object_id)).exists():
            raise Http404(_("这个条目没有这个版本。"))
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.own_versions().filter(pk=version_id).exists():
            raise Http404(_("没有这个可以恢复的版本。"))
        return super().recover_view(request, version_id, extra_context)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_version_changes"
        diff = self.admin_site.admin_view(self.version_diff_view)
        # Sits under reversion's own ".../history/<version_id>/" URL, so the history page (reversion's
        # history_view, unchanged) links to it as that row's URL plus "changes/".
        return [
            path("<path:object_id>/history/<int:version_id>/changes/", diff, name=name),
            *super().get_urls(),
        ]

    def version_diff_view(self, request, object_id, version_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("没有这个条目。"))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = Version.objects.get_for_object(obj).select_related("revision__user")
        version = versions.filter(pk=version_id).first()
        if version is None:
            raise Http404(_("这个条目没有这个版本。"))
        previous = versions.filter(pk__lt=version.pk).order_by("-pk").first()
        opts = self.opts
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "object": obj,
            "title": _("“%(object)s”的这次改动") % {"object": obj},
            "version": version,
            "previous": previous,
            "changes": version_changes(version, previous),
            "history_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history", args=[quote(obj.pk)]
            ),
            "revert_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                args=[quote(obj.pk), version.pk],
            ),
        }
        return TemplateResponse(request, "admin/history/version_changes.html", context)
