"""The sitemap: the public pages worth finding in a search engine (home, guide lists, tools, every published guide)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .categories import Category
from .models import Guide


class GuideSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Guide.objects.published().only("slug", "updated_at")

    def lastmod(self, guide):
        return guide.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["diagnosis:home", "guides:index", "tools:loan_cost", *[f"category:{c}" for c in Category.values]]

    def location(self, item):
        if item.startswith("category:"):
            return reverse("guides:detail", kwargs={"slug": item.split(":", 1)[1]})
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "guides": GuideSitemap}
