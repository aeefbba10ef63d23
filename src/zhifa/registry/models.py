"""Registry master data: enforcement domains, agencies, officers and certificates, entities."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.models import Region
from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class Domain(models.Model):
    """An enforcement domain (执法领域), e.g. market regulation. Certificates are per domain."""

    code = models.CharField(_("领域代码"), max_length=40, primary_key=True)
    name = models.CharField(_("领域名称"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("执法领域")
        verbose_name_plural = _("执法领域")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class AgencyKind(models.TextChoices):
    STATUTORY = "statutory", _("法定行政机关")
    AUTHORIZED = "authorized", _("法律法规授权组织")
    ENTRUSTED = "entrusted", _("受委托组织")


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("暂停执法")
    ABOLISHED = "abolished", _("已撤销")


class Agency(models.Model):
    """An enforcement body (执法主体). `code` is its 统一社会信用代码."""

    code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=20, blank=True)
    kind = models.CharField(_("主体类别"), max_length=16, choices=AgencyKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="agencies"
    )
    supervising_agency = models.ForeignKey(
        "self",
        verbose_name=_("上级/委托机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
    )
    domains = models.ManyToManyField(Domain, verbose_name=_("执法领域"), related_name="agencies")
    status = models.CharField(
        _("状态"), max_length=16, choices=AgencyStatus.choices, default=AgencyStatus.ACTIVE
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="", region="region")

    class Meta:
        verbose_name = _("执法主体")
        verbose_name_plural = _("执法主体")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class OfficerRole(models.TextChoices):
    FIELD_OFFICER = "field_officer", _("执法人员")
    LEAD = "lead", _("执法机关负责人")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核人员")


class OfficerStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    LEFT = "left", _("离岗")


class Officer(models.Model):
    """A person working for an agency; acts in a domain only with a valid certificate."""

    name = models.CharField(_("姓名"), max_length=40)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="officers"
    )
    role = models.CharField(
        _("岗位"), max_length=20, choices=OfficerRole.choices, default=OfficerRole.FIELD_OFFICER
    )
    has_legal_qualification = models.BooleanField(_("具有法律职业资格"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=OfficerStatus.choices, default=OfficerStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")
        ordering = ["agency_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("吊销/注销")


class Certificate(models.Model):
    """An enforcement certificate (执法证). Expiry is a date, not a status: a certificate is
    usable on a day when its status is valid and the day lies in [issued_on, expires_on]."""

    number = models.CharField(_("证件号"), max_length=32, unique=True)
    officer = models.ForeignKey(
        Officer, verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="certificates"
    )
    domain = models.ForeignKey(
        Domain, verbose_name=_("执法领域"), on_delete=models.PROTECT, related_name="certificates"
    )
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    issuing_authority = models.CharField(_("发证机关"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="officer__agency", region="officer__agency__region")

    class Meta:
        verbose_name = _("执法证件")
        verbose_name_plural = _("执法证件")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")), name="cert_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: dt.date) -> bool:
        return self.status == CertificateStatus.VALID and self.issued_on <= day <= self.expires_on

    def standing_on(self, day: dt.date) -> str:
        """Chinese label of the certificate's standing on `day` (有效 / 已过期 / 暂扣 / …)."""
        if self.status != CertificateStatus.VALID:
            return self.get_status_display()
        if day < self.issued_on:
            return str(_("未生效"))
        if day > self.expires_on:
            return str(_("已过期"))
        return str(_("有效"))


class CertificateEventKind(models.TextChoices):
    ISSUED = "issued", _("发证")
    RENEWED = "renewed", _("换证/延期")
    SUSPENDED = "suspended", _("暂扣")
    REINSTATED = "reinstated", _("恢复")
    REVOKED = "revoked", _("吊销/注销")


class CertificateEvent(models.Model):
    """The certificate's history as agency staff see it (the audit trail is for auditors)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=12, choices=CertificateEventKind.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    status_after = models.CharField(_("变更后状态"), max_length=10, choices=CertificateStatus.choices)
    expires_on_after = models.DateField(_("变更后有效期"))
    actor_username = models.CharField(_("经办人"), max_length=150)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="certificate__officer__agency", region="certificate__officer__agency__region")

    class Meta:
        verbose_name = _("证件变更记录")
        verbose_name_plural = _("证件变更记录")
        ordering = ["certificate_id", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind} {self.effective_on}"


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("单位")
    PERSON = "person", _("个人")


INDUSTRY_SECTIONS = [
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
]


class Entity(models.Model):
    """A party subject to enforcement (行政相对人): an enterprise or a person."""

    kind = models.CharField(_("类别"), max_length=12, choices=EntityKind.choices)
    name = models.CharField(_("名称/姓名"), max_length=120, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    legal_representative = models.CharField(_("法定代表人/负责人"), max_length=40, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="entities"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, choices=INDUSTRY_SECTIONS, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(region="region", region_wide=True)

    class Meta:
        verbose_name = _("行政相对人")
        verbose_name_plural = _("行政相对人")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="enterprise", credit_code__isnull=False)
                    | models.Q(kind="person", id_number__isnull=False)
                ),
                name="entity_has_identifier",
            )
        ]

    def __str__(self) -> str:
        return self.name
