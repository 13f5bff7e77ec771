from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("访客反馈")

    def ready(self):
        from . import receivers  # noqa: F401
