"""The law library: laws, their versions, the structure of each version down to items (项),
and the penalty provisions extracted from the 法律责任 chapters.

A version is identified by its effective date; the version in force on a day is the latest
whose `effective_date` is on or before that day. Articles belong to exactly one version, so a
citation bound to an article is bound to that version's text.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class LawLevel(models.TextChoices):
    LAW = "law", _("法律")
    REGULATION = "regulation", _("行政法规")
    DEPARTMENTAL_RULE = "departmental_rule", _("部门规章")
    LOCAL = "local", _("地方性法规/规章")


class Law(models.Model):
    """A law across its versions. `name` is the short name used in file names and citations
    (食品安全法); `title` the full title of the latest version (中华人民共和国食品安全法)."""

    name = models.CharField(_("简称"), max_length=100, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    level = models.CharField(_("效力级别"), max_length=20, choices=LawLevel.choices, default=LawLevel.LAW)
    category = models.CharField(_("分类"), max_length=100, blank=True)  # 行政法 / 部门规章/市场监督管理总局 …
    issuer = models.CharField(_("制定机关"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("法律法规")
        verbose_name_plural = _("法律法规")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def version_on(self, day: dt.date) -> LawVersion | None:
        return self.versions.filter(effective_date__lte=day).order_by("-effective_date").first()


class LawVersion(models.Model):
    law = models.ForeignKey(Law, on_delete=models.PROTECT, related_name="versions")
    effective_date = models.DateField(_("施行/修订日期"))
    title = models.CharField(_("标题"), max_length=200)
    history = models.JSONField(_("制定修改沿革"), default=list)  # the history lines, in order
    source_file = models.CharField(_("来源文件"), max_length=300, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64)  # SHA-256 of the source text
    article_count = models.PositiveIntegerField(_("条文数"), default=0)
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("法律版本")
        verbose_name_plural = _("法律版本")
        ordering = ["law_id", "effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["law", "effective_date"], name="law_version_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.law.name}({self.effective_date:%Y-%m-%d})"


class DivisionLevel(models.TextChoices):
    PART = "part", _("编")
    SUBPART = "subpart", _("分编")
    CHAPTER = "chapter", _("章")
    SECTION = "section", _("节")


class Division(models.Model):
    """A structural heading of a version: 编, 分编, 章 or 节, nested through `parent`."""

    version = models.ForeignKey(LawVersion, on_delete=models.CASCADE, related_name="divisions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(_("层级"), max_length=10, choices=DivisionLevel.choices)
    number = models.PositiveIntegerField(_("序号"))
    label = models.CharField(_("编号"), max_length=20)  # 第九章
    title = models.CharField(_("标题"), max_length=200)  # 法律责任
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version_id", "sort_order"]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"


class Article(models.Model):
    """One article (条) of one version. `number` is the article number with Chinese numerals
    converted; `suffix` is N for 第X条之N (0 otherwise)."""

    version = models.ForeignKey(LawVersion, on_delete=models.CASCADE, related_name="articles")
    chapter = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.SET_NULL, related_name="chapter_articles"
    )
    section = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.SET_NULL, related_name="section_articles"
    )
    number = models.PositiveIntegerField(_("条"))
    suffix = models.PositiveSmallIntegerField(_("之"), default=0)
    label = models.CharField(_("条号"), max_length=30)  # 第一百二十二条 / 第二十条之一
    text = models.TextField(_("条文"))  # the whole article, paragraphs separated by "\n"
    line = models.PositiveIntegerField(_("源文件行号"), default=0)
    sort_order = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("条文")
        verbose_name_plural = _("条文")
        ordering = ["version_id", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number", "suffix"], name="article_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.version.law.name}{self.label}"


class Paragraph(models.Model):
    """A paragraph (款) of an article, numbered from 1."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.PositiveSmallIntegerField(_("款"))
    text = models.TextField(_("内容"))

    class Meta:
        ordering = ["article_id", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="paragraph_unique_number")]

    def __str__(self) -> str:
        return f"{self.article}第{self.number}款"


class Item(models.Model):
    """An item (项) of a paragraph: （一）… numbered from 1."""

    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("项"))
    text = models.TextField(_("内容"))

    class Meta:
        ordering = ["paragraph_id", "number"]
        constraints = [models.UniqueConstraint(fields=["paragraph", "number"], name="item_unique_number")]

    def __str__(self) -> str:
        return f"{self.paragraph}第{self.number}项"


class PenaltyKind(models.TextChoices):
    """Administrative Penalty Law Art. 9."""

    WARNING = "warning", _("警告")
    CIRCULATED_CRITICISM = "circulated_criticism", _("通报批评")
    FINE = "fine", _("罚款")
    CONFISCATE_GAINS = "confiscate_gains", _("没收违法所得")
    CONFISCATE_PROPERTY = "confiscate_property", _("没收非法财物")
    SUSPEND_LICENCE = "suspend_licence", _("暂扣许可证件")
    DOWNGRADE_QUALIFICATION = "downgrade_qualification", _("降低资质等级")
    REVOKE_LICENCE = "revoke_licence", _("吊销许可证件")
    RESTRICT_BUSINESS = "restrict_business", _("限制开展生产经营活动")
    SUSPEND_BUSINESS = "suspend_business", _("责令停产停业")
    CLOSE = "close", _("责令关闭")
    RESTRICT_PRACTICE = "restrict_practice", _("限制从业")
    DETENTION = "detention", _("行政拘留")
    OTHER = "other", _("其他行政处罚")


class PenaltyProvision(models.Model):
    """A penalty rule extracted from a 法律责任 article (or one paragraph/item of it): the
    conduct punished, the department that punishes, the penalty kinds and the fine ranges."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="provisions")
    paragraph_number = models.PositiveSmallIntegerField(_("款"), null=True, blank=True)
    item_number = models.PositiveSmallIntegerField(_("项"), null=True, blank=True)
    conduct = models.TextField(_("违法行为"))
    department = models.CharField(_("处罚部门（原文）"), max_length=200, blank=True)
    penalty_kinds = models.JSONField(_("处罚种类"), default=list)  # PenaltyKind values
    text = models.TextField(_("原文"))  # the sentence(s) the provision was read from
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("罚则")
        verbose_name_plural = _("罚则")
        ordering = ["article_id", "sort_order"]

    def __str__(self) -> str:
        where = f"第{self.paragraph_number}款" if self.paragraph_number else ""
        return f"{self.article}{where}"


class FineRangeKind(models.TextChoices):
    FIXED = "fixed", _("定额幅度")  # 五万元以上十万元以下
    MULTIPLE = "multiple", _("倍数幅度")  # 货值金额十倍以上二十倍以下


class FineRange(models.Model):
    """One fine range of a provision. Amounts in yuan; multiples of `base` (货值金额, 违法所得 …).
    `condition` is the clause that selects it (货值金额不足一万元的), `aggravated` marks the
    range for serious circumstances (情节严重的). A bound may be open (只有上限: 十万元以下)."""

    provision = models.ForeignKey(PenaltyProvision, on_delete=models.CASCADE, related_name="fine_ranges")
    kind = models.CharField(_("类型"), max_length=10, choices=FineRangeKind.choices)
    minimum = models.DecimalField(_("下限"), max_digits=16, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("上限"), max_digits=16, decimal_places=2, null=True, blank=True)
    base = models.CharField(_("倍数基数"), max_length=60, blank=True)
    condition = models.CharField(_("适用条件"), max_length=300, blank=True)
    aggravated = models.BooleanField(_("情节严重"), default=False)
    party_kind = models.CharField(
        _("适用对象"), max_length=20, blank=True
    )  # 单位 / 个人 / 直接负责的主管人员 …
    text = models.CharField(_("原文"), max_length=500)

    class Meta:
        verbose_name = _("罚款幅度")
        verbose_name_plural = _("罚款幅度")
        ordering = ["provision_id", "id"]

    def __str__(self) -> str:
        return self.text
