"""Guide pages: the index by category (with search), one category, one guide.

Lists and search work from the published guides read once per content revision (`listing.py`) and show one
page at a time. The "这篇有帮助吗？" box under a guide belongs to `outcomes` (its template tag and form POST).
"""

from functools import partial

from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from . import listing
from .categories import CATEGORY_DESCRIPTIONS, Category, by_category
from .models import Guide
from .revision import current_revision


def categories_with(guides):
    """[(category, description, [guides])] in the site's category order, empty categories left out."""
    return [(category, CATEGORY_DESCRIPTIONS[category], members) for category, members in by_category(guides)]


@require_GET
def index(request):
    """One page of the guides by category, or one page of search results.

    The lists are cached as fragments per content revision and page, so they are rendered only after an edit.
    """
    query = request.GET.get("q", "").strip()[:50]
    revision = current_revision()
    number = request.GET.get("page")
    if query:
        page = listing.page_of(listing.search(revision, query), number, listing.RESULTS_PER_PAGE)
        categories = [(category, CATEGORY_DESCRIPTIONS[category]) for category in Category]
    else:
        page = listing.page_of(listing.published_rows(revision), number, listing.GUIDES_PER_PAGE)
        categories = partial(categories_with, page.object_list)
    context = {"query": query, "page": page, "categories": categories, "revision": revision}
    return render(request, "guides/index.html", context)


@require_GET
def detail(request, slug):
    """A guide, or (when the slug names a category) that category's list."""
    if slug in Category.values:
        category = Category(slug)
        revision = current_revision()
        members = [row for row in listing.published_rows(revision) if row.category == slug]
        return render(
            request,
            "guides/category.html",
            {
                "category": category,
                "description": CATEGORY_DESCRIPTIONS[category],
                "page": listing.page_of(members, request.GET.get("page"), listing.GUIDES_PER_PAGE),
                "revision": revision,
            },
        )
    guides = Guide.objects.all() if request.user.is_staff else Guide.objects.published()
    guide = get_object_or_404(guides.defer("body", "body_html", "toc"), slug=slug)
    # The article (body, table of contents, references, reviews, causes, related) is a cached fragment per
    # content revision: what only it shows is loaded inside it, on a fragment miss, and nothing of it on a hit.
    return render(
        request,
        "guides/detail.html",
        {
            "guide": guide,
            "category": Category(guide.category),
            "preview": not guide.is_published,
            "revision": current_revision(),
            "related": SimpleLazyObject(partial(related_guides, guide)),
        },
    )


def related_guides(guide):
    return list(Guide.objects.published().filter(pk__in=guide.related.values("pk")).only("slug", "title", "summary"))
