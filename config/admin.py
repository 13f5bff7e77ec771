"""The editors' admin site: its name, its login form, and room for staff pages the apps add to it.

Installed as Django's default site through `config.apps.AdminConfig`, so `admin.site` and
`@admin.register` everywhere mean this site. It knows no app: an app adds a staff page with
`admin.site.register_page(...)` in its admin.py (outcomes adds the dashboard), and the page's URL
name lives in the admin's namespace (`admin:dashboard`).
"""

from django.contrib import admin
from django.urls import path, re_path
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm


class SiteAdmin(admin.AdminSite):
    site_header = _("额度体检 · 内容管理")
    site_title = _("额度体检管理")
    index_title = _("内容管理")
    login_form = AdminLoginForm

    def __init__(self, name="admin"):
        super().__init__(name)
        self._pages = []

    def register_page(self, route, view, *, name, regex=False):
        """A staff-only page at /admin/<route>, named `admin:<name>`; staff login is required as for any admin page."""
        self._pages.append((re_path if regex else path)(route, self.admin_view(view), name=name))

    def get_urls(self):
        return [*self._pages, *super().get_urls()]
