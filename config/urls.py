from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from diagnosis.dashboard_views import dashboard
from guides.views import SITEMAPS, robots_txt

from . import views
from .forms import AdminLoginForm

admin.site.site_header = _("额度体检 · 内容管理")
admin.site.site_title = _("额度体检管理")
admin.site.index_title = _("内容管理")
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", require_GET(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/dashboard/", admin.site.admin_view(dashboard), name="dashboard"),
    path("admin/", admin.site.urls),
    path("guides/", include("guides.urls")),
    path("", include("diagnosis.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
