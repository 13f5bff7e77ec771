"""Guide pages: the index by category (with search), one category, one guide, sitemap and robots.txt."""

from functools import partial

from django.contrib import messages
from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from diagnosis.feedback import record_guide_vote, remember_voter, voter_id
from diagnosis.knowledge import current_revision
from diagnosis.views import checkup_rate

from . import listing
from .forms import GuideFeedbackForm
from .models import CATEGORY_DESCRIPTIONS, Category, Guide


def categories_with(guides):
    """[(category, description, [guides])] in the site's category order, empty categories left out."""
    grouped = []
    for category in Category:
        members = [g for g in guides if g.category == category.value]
        if members:
            grouped.append((category, CATEGORY_DESCRIPTIONS[category], members))
    return grouped


@require_GET
def index(request):
    """One page of the guides by category, or one page of search results (guides/listing.py).

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
    # The article (body, table of contents, references, causes, related) is a cached fragment per content
    # revision: what only it shows is loaded inside it, on a fragment miss, and nothing of it on a hit.
    return render(
        request,
        "guides/detail.html",
        {
            "guide": guide,
            "category": Category(guide.category),
            "preview": not guide.is_published,
            "form": GuideFeedbackForm(),
            "revision": current_revision(),
            "related": SimpleLazyObject(partial(related_guides, guide)),
        },
    )


def related_guides(guide):
    return list(Guide.objects.published().filter(pk__in=guide.related.values("pk")).only("slug", "title", "summary"))


class GuideSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Guide.objects.published().only("slug", "updated_at")

    def lastmod(self, guide):
        return guide.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["diagnosis:home", "guides:index", *[f"category:{c}" for c in Category.values]]

    def location(self, item):
        if item.startswith("category:"):
            return reverse("guides:detail", kwargs={"slug": item.split(":", 1)[1]})
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "guides": GuideSitemap}


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Guides are for search engines; results, the questionnaire and the admin are not."""
    lines = [
        "User-agent: *",
        "Disallow: /r/",
        "Disallow: /checkup/",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@ratelimit(key="ip", rate=checkup_rate, method="POST", block=True)
@require_POST
def feedback(request, slug):
    """ "这篇有帮助吗？": one click with htmx (the form swaps to a thank-you), a normal POST without."""
    guide = get_object_or_404(Guide.objects.published(), slug=slug)
    form = GuideFeedbackForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(request, "guides/_feedback.html", {"guide": guide, "form": form}, status=200)
        return render(request, "guides/feedback_error.html", {"guide": guide, "form": form}, status=400)
    voter, is_new = voter_id(request)
    record_guide_vote(guide, form.cleaned_data["helpful"], form.cleaned_data["comment"], voter)
    if request.htmx:
        response = render(request, "guides/_feedback.html", {"guide": guide, "thanked": True})
    else:
        messages.success(request, _("谢谢你的反馈！"))
        response = redirect(f"{guide.get_absolute_url()}#feedback")
    return remember_voter(response, request, voter, is_new)
