"""Every URL of the site. This module (with settings) is the composition root: the one place that imports
every app; apps import one way among themselves (docs/architecture.md)."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.http import require_GET

from guides.sitemaps import SITEMAPS

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", require_GET(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("guides/", include("guides.urls")),
    path("", include("outcomes.urls")),
    path("tools/", include("tools.urls")),
    path("", include("diagnosis.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
