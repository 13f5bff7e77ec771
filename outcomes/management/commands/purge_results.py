"""The daily purge: everything kept about people, past its retention. Run daily (cron or a systemd timer).

`python manage.py purge_results` (the name predates the rest; it stays so existing cron lines keep working):

- results (answers, with their votes and follow-ups) once expired: RESULT_RETENTION_DAYS after they were finished;
- the words of guide comments after COMMENT_RETENTION_DAYS (the vote itself still counts), and guide votes once the
  voter cookie that made them one-per-browser has expired (a year);
- admin login records (django-axes attempts and access logs: usernames, addresses, browsers) after
  LOGIN_RECORD_RETENTION_DAYS;
- expired admin sessions.

The dashboard's daily counts (Tally) are anonymous and never purged, so its numbers do not change.
"""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Assessment
from outcomes.models import GuideVote
from outcomes.recording import VOTER_MAX_AGE


def days_ago(days):
    return timezone.now() - timedelta(days=days)


class Command(BaseCommand):
    help = _("删除已过期的体检记录、留言文字、后台登录记录和会话。建议每天运行一次。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只统计，不删除。"))

    def handle(self, *args, dry_run=False, **options):
        login_cutoff = days_ago(settings.LOGIN_RECORD_RETENTION_DAYS)
        old_comments = GuideVote.objects.filter(created_at__lt=days_ago(settings.COMMENT_RETENTION_DAYS))
        # The words go; the vote still counts (and still stops a second vote from the same browser).
        self.report(_("指南留言文字"), old_comments.exclude(comment=""), dry_run, erase={"comment": ""})
        for label, rows in [
            (_("体检记录"), Assessment.objects.expired()),
            (_("指南反馈"), GuideVote.objects.filter(created_at__lt=days_ago(VOTER_MAX_AGE // 86400))),
            (_("登录失败记录"), AccessAttempt.objects.filter(attempt_time__lt=login_cutoff)),
            (_("登录记录"), AccessLog.objects.filter(attempt_time__lt=login_cutoff)),
            (_("登录失败日志"), AccessFailureLog.objects.filter(attempt_time__lt=login_cutoff)),
            (_("会话"), Session.objects.filter(expire_date__lt=timezone.now())),
        ]:
            self.report(label, rows, dry_run)

    def report(self, label, rows, dry_run, erase=None):
        """Delete (or with `erase`, blank those fields of) `rows` and say how many; only count them on a dry run."""
        if dry_run:
            message = _("过期的%(label)s：%(count)d 条（未删除）")
            count = rows.count()
        elif erase:
            message = _("过期的%(label)s：已清除 %(count)d 条")
            count = rows.update(**erase)
        else:
            message = _("过期的%(label)s：已删除 %(count)d 条")
            _total, by_model = rows.delete()  # the total also counts rows deleted with them (a result's votes)
            count = by_model.get(rows.model._meta.label, 0)
        self.stdout.write(message % {"label": label, "count": count})
