"""Guide pages: the index by category (with search), one category, one guide.

The "这篇有帮助吗？" box under a guide belongs to `outcomes` (its template tag and form POST).
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .categories import CATEGORY_DESCRIPTIONS, Category, by_category
from .models import Guide
from .revision import current_revision
from .search import search_guides
from .synonyms import current_synonyms


def categories_with(guides):
    """[(category, description, [guides])] in the site's category order, empty categories left out."""
    return [(category, CATEGORY_DESCRIPTIONS[category], members) for category, members in by_category(guides)]


def published_by_category():
    return categories_with(list(Guide.objects.published().only("slug", "title", "summary", "category", "order")))


@require_GET
def index(request):
    """The lists are cached as a fragment per content revision, so they are queried only after an edit."""
    query = request.GET.get("q", "").strip()[:50]
    context = {"query": query, "categories": published_by_category, "revision": current_revision()}
    if query:
        context["results"] = search_guides(list(Guide.objects.published()), query, current_synonyms())
    return render(request, "guides/index.html", context)


@require_GET
def detail(request, slug):
    """A guide, or (when the slug names a category) that category's list."""
    if slug in Category.values:
        category = Category(slug)
        return render(
            request,
            "guides/category.html",
            {
                "category": category,
                "description": CATEGORY_DESCRIPTIONS[category],
                "guides": Guide.objects.published().filter(category=slug),
                "revision": current_revision(),
            },
        )
    guides = Guide.objects.all() if request.user.is_staff else Guide.objects.published()
    guide = get_object_or_404(guides.defer("body"), slug=slug)
    # The article (body, references, causes, related) is a cached fragment per content revision; its
    # related rows are queried lazily inside it, so a cache hit costs two small queries.
    return render(
        request,
        "guides/detail.html",
        {
            "guide": guide,
            "category": Category(guide.category),
            "preview": not guide.is_published,
            "revision": current_revision(),
            "related": Guide.objects.published()
            .filter(pk__in=guide.related.values("pk"))
            .only("slug", "title", "summary"),
        },
    )
