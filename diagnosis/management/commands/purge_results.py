"""Delete expired checkups. Run daily (cron or a systemd timer): `python manage.py purge_results`."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from diagnosis.models import Assessment


class Command(BaseCommand):
    help = _("删除已过期的体检记录（默认保存 30 天）。建议每天运行一次。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只统计，不删除。"))

    def handle(self, *args, dry_run=False, **options):
        expired = Assessment.objects.expired()
        if dry_run:
            self.stdout.write(_("有 %(count)d 条过期记录（未删除）。") % {"count": expired.count()})
            return
        _total, by_model = expired.delete()  # the total also counts rows deleted with them (feedback votes)
        deleted = by_model.get(Assessment._meta.label, 0)
        self.stdout.write(_("已删除 %(count)d 条过期记录。") % {"count": deleted})
