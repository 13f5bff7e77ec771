from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with `config.admin.SiteAdmin` as the site everything registers on."""

    default_site = "config.admin.SiteAdmin"
