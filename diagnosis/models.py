"""The diagnosis knowledge base (questions, choices, causes, evidence, actions) and anonymous assessments.

Models hold data and small invariants only; the scoring lives in `diagnosis.engine`, which never touches
the database. `diagnosis.knowledge` turns these rows into the engine's plain objects. What people tell us
about a result afterwards (votes, follow-ups, counts) lives in the `outcomes` app.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guides.revision import revision_check

from .engine import SYMPTOM


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
        limit_choices_to={"question__slug": SYMPTOM},
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
    guides = models.ManyToManyField(
        "guides.Guide", through="CauseGuide", verbose_name=_("相关指南"), blank=True, related_name="causes"
    )
    actions = models.ManyToManyField(Action, through="CauseAction", verbose_name=_("行动建议"), blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("原因")
        verbose_name_plural = _("原因")

    def __str__(self):
        return self.title


# The conditions on a cause's action or guide link: answers as "question=choice", the way evidence names them.
# `diagnosis.engine.Condition` says what they mean; the admin and load_content check that the answers exist.
WHEN_HELP = _("只在回答了其中任一项时显示，例如 business_owner=yes。不选表示不限。")
UNLESS_HELP = _("回答了其中任一项就不显示，例如 life_stage=adult。")


def condition_field(verbose_name, help_text):
    return models.JSONField(verbose_name, default=list, blank=True, help_text=help_text)


class CauseAction(models.Model):
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="cause_actions")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="cause_actions", verbose_name=_("行动"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    when = condition_field(_("只在这些回答时显示"), WHEN_HELP)
    unless = condition_field(_("这些回答时不显示"), UNLESS_HELP)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["cause", "action"], name="unique_action_per_cause")]
        verbose_name = _("行动建议")
        verbose_name_plural = _("行动建议")

    def __str__(self):
        return f"{self.cause.slug} → {self.action.slug}"


class CauseGuide(models.Model):
    """A cause's link to a guide, with the answers it fits (the table Django made for the plain link, kept)."""

    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="cause_guides")
    guide = models.ForeignKey(
        "guides.Guide", on_delete=models.CASCADE, related_name="cause_guides", verbose_name=_("指南")
    )
    when = condition_field(_("只在这些回答时显示"), WHEN_HELP)
    unless = condition_field(_("这些回答时不显示"), UNLESS_HELP)

    class Meta:
        db_table = "diagnosis_cause_guides"
        ordering = ["id"]
        unique_together = [("cause", "guide")]
        verbose_name = _("相关指南")
        verbose_name_plural = _("相关指南")

    def __str__(self):
        return f"{self.cause.slug} → {self.guide.slug}"


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


def new_token():
    return secrets.token_urlsafe(16)


def hash_token(token):
    """What the database keeps of a result token: its SHA-256, so a row (or a staff account) never leads to a result."""
    return hashlib.sha256(token.encode()).hexdigest()


def default_expiry():
    return timezone.now() + timedelta(days=settings.RESULT_RETENTION_DAYS)


class AssessmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(expires_at__gt=timezone.now())

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())

    def checkup(self, token):
        """`current().by_token(token)`, with the content revision read in the same query (`content_revision`).

        Every checkup step needs both, so this is the one query of a step's read, and plain SQL: the ORM took
        longer to build it than the database took to answer, and an answer is the busiest write we have
        (docs/performance.md). Ignores any filter before it (it is `raw`).
        """
        if not token:
            return None
        revision, revision_params = revision_check()
        sql = (
            f"SELECT *, ({revision}) AS content_revision FROM {self.model._meta.db_table} "
            f"WHERE token_hash = %s AND expires_at > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        assessment = next(iter(self.raw(sql, (*revision_params, hash_token(token), now))), None)
        if assessment is not None:
            assessment.token = token
        return assessment

    def by_token(self, token):
        """The assessment this token opens, or None; it keeps the token for the links it builds."""
        assessment = self.filter(token_hash=hash_token(token)).first()
        if assessment is not None:
            assessment.token = token
        return assessment


class Assessment(models.Model):
    """One person's anonymous checkup: their answers, keyed by an unguessable token; nothing personal.

    Only the token's hash is stored. The token itself lives in the result's URL and the person's signed cookie;
    `token` holds it on an instance that was created or looked up with it (`by_token`), and is None otherwise,
    so nothing on the staff side (admin pages, "view on site", exports) can build a link to a result.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), default=default_expiry)
    # The person asked to answer more questions ("多回答几个问题，让结果更准"): the checkup then walks every screen
    # left instead of stopping when the result is clear. Kept beside the answers, never in them: `answers` holds
    # only {question: choice}.
    more = models.BooleanField(_("要求多回答"), default=False)
    # The action-plan items the person ticked as done, by action slug (`diagnosis.results.mark_done`).
    plan_done = models.JSONField(_("已完成的行动"), default=list, blank=True)

    objects = AssessmentQuerySet.as_manager()
    token = None  # the raw token, when this instance was created or looked up with it; never saved

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("体检记录")
        verbose_name_plural = _("体检记录")

    def __str__(self):
        return f"{self.symptom or '—'} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self.token_hash:
            self.token = new_token()
            self.token_hash = hash_token(self.token)
        super().save(*args, **kwargs)

    def save_answers(self):
        """Store `answers` and move `updated_at`: `save(update_fields=["answers", "updated_at"])` in plain SQL.

        Every answer a person gives is written here, and building the ORM's UPDATE cost about as much as the
        database took to commit it (docs/performance.md). No model signal listens to an assessment's save.
        """
        self.updated_at = timezone.now()
        answers = self._meta.get_field("answers").get_db_prep_save(self.answers, connection)
        updated_at = connection.ops.adapt_datetimefield_value(self.updated_at)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self._meta.db_table} SET answers = %s, updated_at = %s WHERE id = %s",
                [answers, updated_at, self.pk],
            )

    def result_url(self):
        """The permalink. Deliberately not get_absolute_url: the admin's "view on site" must have nothing to open."""
        if not self.token:
            raise ValueError("The result link needs the token, which only the person holds.")
        return reverse("diagnosis:result", kwargs={"token": self.token})

    @property
    def symptom(self):
        return self.answers.get(SYMPTOM, "")

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
