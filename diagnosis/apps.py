from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("诊断知识库")

    def ready(self):
        from . import signals  # noqa: F401
        from .freshness import touch_result_on_change

        touch_result_on_change()
