"""Markdown → sanitised HTML for guides, shared by the public page and the admin preview.

Markdown (Python-Markdown) gives editors headings and lists; nh3 (Rust's ammonia) then enforces an
allow-list, so no script, event handler, inline style or javascript:/data: URL can reach a reader.
"""

import html as html_lib
import re

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_CLASSES = {"ul": {"checklist"}, "li": {"checklist-item"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_TASK_ITEM = re.compile(r"<li>(\s*<p>)?\s*\[[ xX]\]\s*")
_EXTERNAL_LINK = re.compile(r'<a (?=[^>]*href="https?://)')


def _mark_checklists(html):
    """Turn `- [ ] step` items into checklist items, and their lists into checklists."""
    html = _TASK_ITEM.sub(lambda m: '<li class="checklist-item">' + (m.group(1) or ""), html)
    return re.sub(r"<ul>(\s*<li class=\"checklist-item\">)", r'<ul class="checklist">\1', html)


def sanitise_html(html):
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return _EXTERNAL_LINK.sub('<a rel="noopener nofollow" ', clean)


def render_guide_body(text):
    """Return (html, toc) for a guide body; toc is a list of {"id", "title"} for its ## headings."""
    md = markdown.Markdown(
        extensions=["toc", "sane_lists", "tables"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2"}},
        output_format="html",
    )
    html = md.convert(text or "")
    toc = [{"id": t["id"], "title": html_lib.unescape(re.sub(r"<[^>]+>", "", t["name"]))} for t in md.toc_tokens]
    return sanitise_html(_mark_checklists(html)), toc
