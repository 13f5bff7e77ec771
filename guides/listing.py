"""The published guides as plain rows, read once per content revision in each process, and pages of them.

The guide index, the category pages and search all work from these rows and show one page at a time, so a
request costs the same with ten times the guides. Before, every search loaded every guide's body through the
ORM (with 10 × the guides: 0.04 × the throughput of /healthz, p99 577 ms). Search results are kept per
revision and query too: the same few words are searched again and again.
"""

import threading
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.urls import reverse

from .categories import Category
from .models import Guide
from .search import search_guides
from .synonyms import current_synonyms

GUIDES_PER_PAGE = 30  # the index and a category: every guide on one page today
RESULTS_PER_PAGE = 10
SEARCHES_KEPT = 500  # distinct queries remembered per process (per revision)

CATEGORY_ORDER = {category.value: position for position, category in enumerate(Category)}


@dataclass(frozen=True)
class GuideRow:
    """What a list, a search and the search scoring need of a guide; never rendered as the article itself."""

    slug: str
    title: str
    summary: str
    category: str
    order: int
    body: str

    def get_absolute_url(self):
        return reverse("guides:detail", kwargs={"slug": self.slug})


_lock = threading.Lock()
_memo = {"revision": None, "rows": (), "searches": {}, "synonyms": None}


def forget():
    """Drop this process's rows and searches (tests roll the database back under an unchanged revision)."""
    with _lock:
        _memo.update(revision=None, rows=(), searches={}, synonyms=None)


def published_rows(revision):
    """Every published guide in the site's order (category order, then the editors' order), once per revision."""
    with _lock:
        if _memo["revision"] == revision:
            return _memo["rows"]
    fields = ("slug", "title", "summary", "category", "order", "body")
    rows = sorted(
        (GuideRow(*values) for values in Guide.objects.published().values_list(*fields)),
        key=lambda row: (CATEGORY_ORDER.get(row.category, len(CATEGORY_ORDER)), row.order, row.slug),
    )
    synonyms = tuple(current_synonyms())  # editors' search synonyms bump the revision too (guides/signals.py)
    with _lock:
        _memo.update(revision=revision, rows=tuple(rows), searches={}, synonyms=synonyms)
    return _memo["rows"]


def search(revision, query):
    """The guides that match `query`, best first (guides/search.py ranks them), kept per revision and query."""
    rows = published_rows(revision)
    with _lock:
        found = _memo["searches"].get(query) if _memo["revision"] == revision else None
    if found is None:
        found = tuple(search_guides(rows, query, _memo["synonyms"] or ()))
        with _lock:
            if _memo["revision"] == revision:
                if len(_memo["searches"]) >= SEARCHES_KEPT:
                    _memo["searches"].clear()
                _memo["searches"][query] = found
    return found


def page_of(rows, number, per_page):
    """One page (Django's Page); a missing, malformed or too-large number gives the first or last page."""
    return Paginator(rows, per_page).get_page(number)
