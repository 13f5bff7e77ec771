"""The diagnosis knowledge base (questions, choices, causes, evidence, actions) and anonymous assessments.

Models hold data and small invariants only; the scoring lives in `diagnosis.engine`, which never touches
the database. `diagnosis.knowledge` turns these rows into the engine's plain objects.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SYMPTOM_QUESTION = "symptom"


class Question(models.Model):
    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    text = models.CharField(_("问题"), max_length=200, help_text=_("作为页面标题显示。"))
    short_label = models.CharField(_("简称"), max_length=40, help_text=_("用在“核对答案”页和客服情况说明里。"))
    help_text = models.TextField(_("帮助说明"), blank=True, help_text=_("解释问题里的术语，一两句话。"))
    order = models.PositiveIntegerField(_("顺序"), default=100)
    asked_for = models.ManyToManyField(
        "Choice",
        verbose_name=_("只在这些情况下提问"),
        blank=True,
        related_name="+",
        limit_choices_to={"question__slug": SYMPTOM_QUESTION},
        help_text=_("不选表示所有情况都问。"),
    )
    in_service_summary = models.BooleanField(_("写进客服情况说明"), default=True)
    # How the adaptive checkup (diagnosis.interview) asks it.
    triage = models.PositiveSmallIntegerField(
        _("分诊顺序"),
        default=0,
        help_text=_("大于 0：紧接着症状、按这个数字从小到大先问，没问完不会提前结束。0：由体检按需要决定问不问。"),
    )
    ask_when = models.ManyToManyField(
        "Choice",
        verbose_name=_("只在有这些回答时提问"),
        blank=True,
        related_name="+",
        help_text=_("选了其中任何一个回答才问（比如“现在有逾期”）。不选表示不加这个条件。"),
    )
    screen = models.SlugField(
        _("同屏分组"),
        max_length=40,
        blank=True,
        help_text=_("同一个分组标识的问题放在一屏“以下哪些情况符合你？（可多选）”里问。留空表示单独一屏。"),
    )
    unticked = models.SlugField(
        _("不勾选时的答案"),
        max_length=40,
        blank=True,
        help_text=_("分组问题里，一项也没勾时记成哪个选项（填选项标识，比如 no、none）。"),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self):
        return f"{self.short_label} ({self.slug})"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("问题"))
    slug = models.SlugField(_("标识"), max_length=40)
    label = models.CharField(_("选项"), max_length=120)
    help_text = models.CharField(_("补充说明"), max_length=200, blank=True)
    summary_text = models.CharField(
        _("情况说明用语"),
        max_length=200,
        blank=True,
        help_text=_("写进客服情况说明的事实陈述；留空则不写进说明（比如“我不确定”）。"),
    )
    order = models.PositiveIntegerField(_("顺序"), default=100)
    prior = models.PositiveSmallIntegerField(
        _("大约多少人选（%）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("被问到的人里，大约每 100 人有几人选这一项；体检据此判断还值不值得多问。留空表示不估计。"),
    )
    tick = models.CharField(
        _("勾选项说法"),
        max_length=120,
        blank=True,
        help_text=_("问题放在分组屏里时，这一项作为勾选框显示的说法。留空表示不作为勾选项。"),
    )

    class Meta:
        ordering = ["question__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "slug"], name="unique_choice_slug_per_question")]
        verbose_name = _("选项")
        verbose_name_plural = _("选项")

    def __str__(self):
        return f"{self.question.slug}={self.slug}：{self.label}"


class Action(models.Model):
    """A concrete next step; causes share actions, so the action plan can merge them without repeats."""

    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    text = models.CharField(_("行动"), max_length=200)
    detail = models.TextField(_("说明"), blank=True)
    priority = models.PositiveIntegerField(_("优先级"), default=50, help_text=_("数字越小越靠前；紧急行动用 1–9。"))

    class Meta:
        ordering = ["priority", "slug"]
        verbose_name = _("行动建议")
        verbose_name_plural = _("行动建议")

    def __str__(self):
        return self.text


class Cause(models.Model):
    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=120)
    explanation = models.TextField(_("解释"), help_text=_("这个原因是什么、为什么会影响额度，几句话。"))
    what_would_change = models.TextField(_("什么会改变这个结果"), blank=True)
    urgent = models.BooleanField(_("紧急"), default=False, help_text=_("紧急原因排在最前，并醒目提示。"))
    urgent_message = models.TextField(_("紧急提示"), blank=True, help_text=_("今天就该做什么。"))
    order = models.PositiveIntegerField(_("顺序"), default=100, help_text=_("得分相同时按此排序。"))
    guides = models.ManyToManyField("guides.Guide", verbose_name=_("相关指南"), blank=True, related_name="causes")
    actions = models.ManyToManyField(Action, through="CauseAction", verbose_name=_("行动建议"), blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("原因")
        verbose_name_plural = _("原因")

    def __str__(self):
        return self.title


class CauseAction(models.Model):
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="cause_actions")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="cause_actions", verbose_name=_("行动"))
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["cause", "action"], name="unique_action_per_cause")]
        verbose_name = _("行动建议")
        verbose_name_plural = _("行动建议")

    def __str__(self):
        return f"{self.cause.slug} → {self.action.slug}"


class Evidence(models.Model):
    """How much one answer raises (positive) or lowers (negative) one cause."""

    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("原因"))
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("答案"))
    weight = models.SmallIntegerField(
        _("权重"),
        validators=[MinValueValidator(-10), MaxValueValidator(10)],
        help_text=_("-10 到 10。正数支持这个原因，负数反对。"),
    )
    note = models.CharField(_("理由"), max_length=300, blank=True, help_text=_("给编辑看的：为什么是这个权重。"))

    class Meta:
        ordering = ["cause__order", "choice__question__order", "choice__order"]
        constraints = [models.UniqueConstraint(fields=["cause", "choice"], name="unique_evidence_per_cause_choice")]
        verbose_name = _("证据")
        verbose_name_plural = _("证据")

    def __str__(self):
        return f"{self.choice.question.slug}={self.choice.slug} → {self.cause.slug} ({self.weight:+d})"


class ContentRevision(models.Model):
    """One row whose number goes up whenever the knowledge base or a guide changes.

    Pages read this number (one cheap query) and rebuild their in-memory copy of the knowledge base
    only when it moved, so every process sees an editor's change at once without a shared cache.
    """

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("内容版本")
        verbose_name_plural = _("内容版本")

    def __str__(self):
        return str(self.number)


def new_token():
    return secrets.token_urlsafe(16)


def default_expiry():
    return timezone.now() + timedelta(days=settings.RESULT_RETENTION_DAYS)


class AssessmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(expires_at__gt=timezone.now())

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())


class Assessment(models.Model):
    """One person's anonymous checkup: their answers, keyed by an unguessable token; nothing personal."""

    token = models.CharField(_("令牌"), max_length=40, unique=True, default=new_token, editable=False)
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), default=default_expiry)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("体检记录")
        verbose_name_plural = _("体检记录")

    def __str__(self):
        return f"{self.symptom or '—'} @ {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("diagnosis:result", kwargs={"token": self.token})

    @property
    def symptom(self):
        return self.answers.get(SYMPTOM_QUESTION, "")

    @property
    def is_finished(self):
        return self.finished_at is not None


class LoadedContent(models.Model):
    """What `load_content` last wrote for one item, so it can tell an editor's change from an old default."""

    key = models.CharField(max_length=120, unique=True)  # e.g. "guide:credit-report", "cause:high_debt"
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("已载入的默认内容")
        verbose_name_plural = _("已载入的默认内容")

    def __str__(self):
        return self.key


# --- Learning what helps: anonymous feedback and counts ---------------------------------------------


class FindingVote(models.Model):
    """ "这个判断对吗？" on one finding of one result, once per browser (a random voter id, nothing personal)."""

    class Verdict(models.TextChoices):
        RIGHT = "right", _("对")
        WRONG = "wrong", _("不对")
        UNSURE = "unsure", _("说不准")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="votes")
    cause = models.SlugField(_("原因"), max_length=40)
    verdict = models.CharField(_("判断"), max_length=10, choices=Verdict.choices)
    voter = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "cause", "voter"], name="one_vote_per_finding_per_browser")
        ]
        verbose_name = _("判断反馈")
        verbose_name_plural = _("判断反馈")

    def __str__(self):
        return f"{self.cause}: {self.verdict}"


class FollowUp(models.Model):
    """ "你的额度恢复了吗？", asked on the permalink 14+ days later; deleted with the result."""

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("恢复了")
        PARTLY = "partly", _("恢复了一部分")
        NO = "no", _("没有恢复")
        NOT_TRIED = "not_tried", _("还没试过")

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="follow_up")
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    top_cause = models.SlugField(_("当时最可能的原因"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)  # its Tally day, kept when the answer changes
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self):
        return self.outcome


class Tally(models.Model):
    """An anonymous daily count, incremented when something happens.

    The dashboard reads only these, so purging expired results (answers, votes, follow-ups) never
    changes the numbers editors see, and no answer set ever leaves the database.
    """

    class Kind(models.TextChoices):
        STARTED = "started", _("开始体检")  # key: symptom
        ANSWERED = "answered", _("回答问题")  # key: question slug
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
        constraints = [models.UniqueConstraint(fields=["day", "kind", "key"], name="one_tally_per_day_kind_key")]
        indexes = [models.Index(fields=["kind", "day"])]
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
