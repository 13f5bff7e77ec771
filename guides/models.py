"""Guides: the pages people read longest and editors keep up to date in the admin; and the content revision."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .categories import Category
from .rendering import render_guide_body

ascii_slug = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("只能用小写英文字母、数字和连字符（例如 credit-report）。中文标题无法自动转换，请手动填写。"),
)

# A guide's sources are web pages: no javascript:, data: or ftp: links, nothing relative. Used by the admin (the
# field below) and by `load_content` for the content files. Its own code, so the admin form shows this message
# rather than replacing it with the form field's generic "invalid URL".
web_link = URLValidator(
    schemes=["http", "https"], message=_("请填写以 http:// 或 https:// 开头的完整网址。"), code="web_link"
)


class GuideQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Guide.Status.PUBLISHED)


class Guide(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    slug = models.CharField(_("网址标识"), max_length=80, unique=True, validators=[ascii_slug])
    title = models.CharField(_("标题"), max_length=120)
    summary = models.TextField(_("摘要"), max_length=400, help_text=_("页面开头和搜索结果里显示，一两句话。"))
    category = models.CharField(_("分类"), max_length=40, choices=Category.choices)
    body = models.TextField(_("正文（Markdown）"), help_text=_("## 开头的行是小标题；“- [ ] ”开头的行显示为待办清单。"))
    body_html = models.TextField(_("正文 HTML（自动生成）"), blank=True, editable=False)
    toc = models.JSONField(_("目录（自动生成）"), default=list, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_reviewed = models.DateField(
        _("最后审核日期"), help_text=_("有人对照参考资料核对过本文事实的那一天。请同时在下面的“审核记录”里写一条。")
    )
    order = models.PositiveIntegerField(_("排序"), default=100)
    related = models.ManyToManyField("self", verbose_name=_("相关指南"), blank=True, symmetrical=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        ordering = ["category", "order", "slug"]
        verbose_name = _("指南")
        verbose_name_plural = _("指南")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Render once on save, so a page view never parses Markdown.
        self.body_html, self.toc = render_guide_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("guides:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.slug in Category.values:  # /guides/<category>/ is the category's own page
            raise ValidationError({"slug": _("这个网址标识已被分类页面使用，请换一个。")})

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class Reference(models.Model):
    """A source the guide relies on (a law, a regulator's notice, an official page)."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="references")
    title = models.CharField(_("名称"), max_length=200)
    url = models.URLField(_("链接"), blank=True, validators=[web_link], help_text=_("只填官方网站。"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("参考资料")
        verbose_name_plural = _("参考资料")

    def __str__(self):
        return self.title


class ContentRevision(models.Model):
    """One row whose number goes up whenever a guide or the knowledge base changes.

    Pages read this number (one cheap query) and rebuild their in-memory knowledge base or cached fragments
    only when it moved, so every process sees an editor's change at once without a shared cache. It lives in
    `guides`, the app every other content app builds on, so both guides and diagnosis can bump it; the table
    keeps the name it was created with.
    """

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "diagnosis_contentrevision"
        verbose_name = _("内容版本")
        verbose_name_plural = _("内容版本")

    def __str__(self):
        return str(self.number)


class GuideReview(models.Model):
    """One dated check of a guide's facts by a person: what "最后审核" on the page stands for.

    Kept as rows (and in the guide's front matter) so the page can show the history, not just the last date.
    """

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("指南"))
    reviewed_on = models.DateField(_("审核日期"))
    note = models.CharField(_("核对了什么"), max_length=300, help_text=_("一句话：核对了哪些事实、改了什么。"))

    class Meta:
        ordering = ["-reviewed_on", "id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self):
        return f"{self.reviewed_on:%Y-%m-%d} {self.note}"


class SearchSynonym(models.Model):
    """What people type, mapped to the words the guides use: "被骗了" should find the scam guide.

    A phrase matches when it appears inside a search word ("我被骗了怎么办" contains "被骗"); its words are then
    searched too, and its guide (if any) is listed first.
    """

    phrase = models.CharField(
        _("人们会搜的词"), max_length=30, unique=True, help_text=_("例如：被骗、催收、额度没了。")
    )
    words = models.CharField(
        _("指南里用的词"), max_length=200, blank=True, help_text=_("用空格隔开，例如：骗局 诈骗 报警。")
    )
    guide = models.ForeignKey(
        Guide,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("排在第一的指南"),
        help_text=_("搜到这个词时最先列出的指南（可以不填）。"),
    )
    # What `load_content` last wrote, so an editor's change in the admin is not overwritten by the file.
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("搜索同义词")
        verbose_name_plural = _("搜索同义词")

    def __str__(self):
        return self.phrase

    def word_list(self):
        return [w for w in self.words.split() if w]
