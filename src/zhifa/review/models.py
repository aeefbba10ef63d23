"""Case-file review (案卷评查): versioned rubrics, review rounds, the sampled cases and their scores.

* `Rubric` / `RubricItem`: one published version of the rubric; never changed after publishing
  (a new version is a new `Rubric`), so a round keeps scoring against the items it started with.
* `ReviewRound`: a supervising body's review of one period's closed cases in its region; the sample
  is drawn reproducibly from `seed`.
* `ReviewCase`: one sampled case (natural key, number, agency, power, the store record as drawn);
  `double` marks the reproducible subset a second reviewer scores independently.
* `ItemScore`: one item's deduction by one reviewer slot (`first` / `second`); pre-scored
  structural items have `source = auto` and carry the reason and evidence.

Rounds are placed by their region (supervisors see their region subtree); sampled cases and
scores also by the case's agency, so an agency reads its own cases' results (once the round is
closed: `zhifa.review.queries.visible_cases`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy
from zhifa.review.rubric import Group


class Rubric(models.Model):
    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.CharField(_("发布人"), max_length=150, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("评查标准")
        verbose_name_plural = _("评查标准")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("项目代码"), max_length=40)
    group = models.CharField(_("分组"), max_length=12, choices=Group.choices)
    title = models.CharField(_("评查项目"), max_length=60)
    description = models.TextField(_("评查要点"))
    max_deduction = models.DecimalField(_("最高扣分"), max_digits=5, decimal_places=2)
    structural = models.BooleanField(_("数据可判定"), default=False)
    check_code = models.CharField(_("自动检查"), max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("评查项目")
        verbose_name_plural = _("评查项目")
        ordering = ["rubric_id", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="review_item_code_unique")]

    def __str__(self) -> str:
        return self.title


class Strata(models.TextChoices):
    RANDOM = "random", _("简单随机")
    AGENCY = "agency", _("按执法主体分层")
    AGENCY_POWER = "agency_power", _("按执法主体和职权分层")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("待抽样")
    SAMPLED = "sampled", _("已抽样")
    SCORING = "scoring", _("评查中")
    CLOSED = "closed", _("已结束")


class ReviewRound(models.Model):
    name = models.CharField(_("评查名称"), max_length=100)
    period = models.CharField(_("评查期间"), max_length=10)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止（不含）"))
    region = models.ForeignKey("core.Region", verbose_name=_("评查区划"), on_delete=models.PROTECT)
    supervising_body = models.CharField(_("评查机关"), max_length=100, blank=True)
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("评查标准"), on_delete=models.PROTECT, related_name="rounds"
    )
    seed = models.BigIntegerField(_("随机种子"))
    sample_size = models.PositiveIntegerField(_("抽样数"))
    strata = models.CharField(_("抽样方式"), max_length=16, choices=Strata.choices, default=Strata.RANDOM)
    second_share = models.DecimalField(_("交叉评查比例"), max_digits=4, decimal_places=3, default=0)
    state = models.CharField(_("状态"), max_length=10, choices=RoundState.choices, default=RoundState.DRAFT)
    population = models.PositiveIntegerField(_("可抽案件数"), default=0)
    created_by = models.CharField(_("创建人"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交叉评查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_review_rounds",
    )

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(region="region")

    class Meta:
        verbose_name = _("评查活动")
        verbose_name_plural = _("评查活动")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ReviewCase(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="cases")
    position = models.PositiveIntegerField(_("序号"))
    source_system = models.CharField(_("来源系统"), max_length=64)
    source_id = models.CharField(_("来源记录标识"), max_length=128)
    case_number = models.CharField(_("案号"), max_length=64)
    agency_code = models.CharField(_("执法主体代码"), max_length=18, db_index=True)
    agency = models.ForeignKey(
        "registry.Agency", verbose_name=_("执法主体"), null=True, blank=True, on_delete=models.PROTECT
    )
    power_code = models.CharField(_("职权编码"), max_length=40, blank=True)
    stratum = models.CharField(_("抽样层"), max_length=80, blank=True)
    record = models.JSONField(_("案件记录"), default=dict)
    decision = models.JSONField(_("决定记录"), default=dict)
    double = models.BooleanField(_("交叉评查"), default=False)
    prescored = models.BooleanField(_("已自动预评"), default=False)
    findings = models.JSONField(_("预评结论"), default=dict)  # item code → {outcome, reason}
    total_first = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    total_second = models.DecimalField(_("交叉得分"), max_digits=6, decimal_places=2, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="round__region")

    class Meta:
        verbose_name = _("评查案卷")
        verbose_name_plural = _("评查案卷")
        ordering = ["round_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "source_system", "source_id"], name="review_case_unique")
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def is_platform_case(self) -> bool:
        return self.source_system == "zhifa"


class Slot(models.TextChoices):
    FIRST = "first", _("主评")
    SECOND = "second", _("交叉评查")


class ScoreSource(models.TextChoices):
    AUTO = "auto", _("自动预评")
    REVIEWER = "reviewer", _("人工评查")


class ItemScore(models.Model):
    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="scores")
    slot = models.CharField(_("评查人"), max_length=8, choices=Slot.choices, default=Slot.FIRST)
    deduction = models.DecimalField(_("扣分"), max_digits=5, decimal_places=2)
    note = models.TextField(_("扣分理由"), blank=True)
    evidence = models.JSONField(_("依据"), default=dict)
    source = models.CharField(_("来源"), max_length=8, choices=ScoreSource.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(_("评查人"), max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="case__agency", region="case__round__region")

    class Meta:
        verbose_name = _("评查扣分")
        verbose_name_plural = _("评查扣分")
        ordering = ["case_id", "item__sort_order", "slot"]
        constraints = [models.UniqueConstraint(fields=["case", "item", "slot"], name="review_score_unique")]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.slot}: −{self.deduction}"
