"""Markdown → sanitised HTML for guides, shared by the public page and the admin preview.

Markdown (Python-Markdown) gives editors headings and lists; nh3 (Rust's ammonia) then enforces an
allow-list, so no script, event handler, inline style or javascript:/data: URL can reach a reader.
"""

import html as html_lib
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

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

# The hotlines a reader may need to call from a phone: each becomes a tap-to-call link wherever a guide names it.
HOTLINES = ("95188", "12378", "12363", "110", "96110", "12356", "12348")
_HOTLINE = r"(?<![0-9A-Za-z./])(" + "|".join(sorted(HOTLINES, key=len, reverse=True)) + r")(?![0-9A-Za-z.%])"


_HOTLINE_RE = re.compile(_HOTLINE)
_NO_LINKS_INSIDE = {"a", "code", "pre"}


def _split_hotlines(text):
    """[text, number, text, number, …]: what lies between the hotline numbers, and the numbers."""
    return _HOTLINE_RE.split(text or "")


def hotline_parts(text):
    """[(text, is a hotline number), …]: for pages that show a plain message with tap-to-call numbers (the checkup's
    urgent notice), the same numbers a guide body links."""
    return [(piece, i % 2 == 1) for i, piece in enumerate(_split_hotlines(text)) if piece]


def _link(number, tail):
    link = etree.Element("a", {"href": f"tel:{number}"})
    link.text, link.tail = number, tail
    return link


def _link_hotlines(parent):
    pieces = _split_hotlines(parent.text)
    parent.text = pieces[0]
    new_children = [_link(n, t) for n, t in zip(pieces[1::2], pieces[2::2], strict=True)]
    for child in list(parent):
        if child.tag not in _NO_LINKS_INSIDE:
            _link_hotlines(child)
        pieces = _split_hotlines(child.tail)
        child.tail = pieces[0]
        new_children.append(child)
        new_children.extend(_link(n, t) for n, t in zip(pieces[1::2], pieces[2::2], strict=True))
    parent[:] = new_children


def link_hotlines(text):
    """Plain text → safe HTML: escaped first, then each known hotline number made a tap-to-call link.

    For the knowledge base's texts on the result page (urgent messages, explanations, actions) and guide
    summaries: they are plain text, so nothing else in them can become markup.
    """
    escaped = str(conditional_escape(text or ""))
    return mark_safe(_HOTLINE_RE.sub(r'<a href="tel:\1" class="tel">\1</a>', escaped))


class _HotlineLinks(Treeprocessor):
    def run(self, root):
        _link_hotlines(root)


class HotlineExtension(Extension):
    """Runs after the inline patterns, and never inside a link or code, so nothing gets a link twice."""

    def extendMarkdown(self, md):
        md.treeprocessors.register(_HotlineLinks(md), "hotlines", 15)


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
        extensions=["toc", "sane_lists", "tables", HotlineExtension()],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2"}},
        output_format="html",
    )
    html = md.convert(text or "")
    toc = [{"id": t["id"], "title": html_lib.unescape(re.sub(r"<[^>]+>", "", t["name"]))} for t in md.toc_tokens]
    return sanitise_html(_mark_checklists(html)), toc
