"""What people tell us after a checkup or a guide: votes, follow-up answers, and the daily counts.

Votes and follow-ups belong to one result or guide and are deleted with it (a result expires after 30 days);
`Tally` rows are anonymous daily counts that outlive them, and the only thing the dashboard reads. These
tables were created by the `diagnosis` and `guides` apps and keep their original names.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FindingVote(models.Model):
    """ "这个判断对吗？" on one finding of one result, once per browser (a random voter id, nothing personal)."""

    class Verdict(models.TextChoices):
        RIGHT = "right", _("对")
        WRONG = "wrong", _("不对")
        UNSURE = "unsure", _("说不准")

    assessment = models.ForeignKey("diagnosis.Assessment", on_delete=models.CASCADE, related_name="votes")
    cause = models.SlugField(_("原因"), max_length=40)
    verdict = models.CharField(_("判断"), max_length=10, choices=Verdict.choices)
    voter = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "diagnosis_findingvote"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "cause", "voter"], name="one_vote_per_finding_per_browser")
        ]
        verbose_name = _("判断反馈")
        verbose_name_plural = _("判断反馈")

    def __str__(self):
        return f"{self.cause}: {self.verdict}"


class GuideVote(models.Model):
    """ "这篇有帮助吗？" once per browser (a random voter id), with an optional short plain-text comment."""

    guide = models.ForeignKey("guides.Guide", on_delete=models.CASCADE, related_name="votes", verbose_name=_("指南"))
    helpful = models.BooleanField(_("有帮助"))
    comment = models.TextField(_("留言"), max_length=500, blank=True)
    voter = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        db_table = "guides_guidevote"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["guide", "voter"], name="one_guide_vote_per_browser")]
        verbose_name = _("指南反馈")
        verbose_name_plural = _("指南反馈")

    def __str__(self):
        return f"{self.guide.slug}: {'有帮助' if self.helpful else '没帮助'}"


class FollowUp(models.Model):
    """ "你的额度恢复了吗？", asked on the permalink 14+ days later; deleted with the result."""

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("恢复了")
        PARTLY = "partly", _("恢复了一部分")
        NO = "no", _("没有恢复")
        NOT_TRIED = "not_tried", _("还没试过")

    assessment = models.OneToOneField("diagnosis.Assessment", on_delete=models.CASCADE, related_name="follow_up")
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    top_cause = models.SlugField(_("当时最可能的原因"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)  # its Tally day, kept when the answer changes
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "diagnosis_followup"
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self):
        return self.outcome

    @staticmethod
    def is_due(assessment):
        """The question is asked once the result is FOLLOW_UP_AFTER_DAYS old."""
        return timezone.now() - assessment.finished_at >= timedelta(days=settings.FOLLOW_UP_AFTER_DAYS)


class Tally(models.Model):
    """An anonymous daily count, incremented when something happens.

    The dashboard reads only these, so purging expired results (answers, votes, follow-ups) never
    changes the numbers editors see, and no answer set ever leaves the database.
    """

    class Kind(models.TextChoices):
        STARTED = "started", _("开始体检")  # key: symptom
        ANSWERED = "answered", _("回答问题")  # key: screen slug (a question's, or a grouped screen's)
        REACHED = "reached", _("看到问题")  # key: screen slug
        FINISHED = "finished", _("完成体检")  # key: symptom
        CAUSE = "cause", _("得出原因")  # key: symptom:cause (likely causes only)
        VERDICT = "verdict", _("判断反馈")  # key: cause:right|wrong|unsure
        HELPFUL = "helpful", _("指南反馈")  # key: guide:yes|no
        OUTCOME = "outcome", _("回访结果")  # key: top cause:outcome

    day = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    key = models.CharField(_("项目"), max_length=100)
    count = models.IntegerField(_("次数"), default=0)

    class Meta:
        db_table = "diagnosis_tally"
        constraints = [models.UniqueConstraint(fields=["day", "kind", "key"], name="one_tally_per_day_kind_key")]
        indexes = [models.Index(fields=["kind", "day"], name="diagnosis_t_kind_f9df3a_idx")]
        # The dashboard shows only these counts; reading it is its own right, not something every staff account has.
        permissions = [("view_dashboard", _("可以查看效果看板"))]
        verbose_name = _("统计")
        verbose_name_plural = _("统计")

    def __str__(self):
        return f"{self.day} {self.kind} {self.key} = {self.count}"

    @classmethod
    def add(cls, kind, key, amount=1, day=None):
        """Add to today's count atomically (safe with concurrent requests on SQLite and PostgreSQL)."""
        day = day or timezone.localdate()
        key = key[:100]
        updated = cls.objects.filter(day=day, kind=kind, key=key).update(count=models.F("count") + amount)
        if not updated:
            try:
                with transaction.atomic():
                    cls.objects.create(day=day, kind=kind, key=key, count=amount)
            except IntegrityError:  # another request created it first
                cls.objects.filter(day=day, kind=kind, key=key).update(count=models.F("count") + amount)
