"""The clue model catalogue (问题线索模型目录): every detection model declared once, with its SQL.

A model is a small `ClueModel` entry: slug, Chinese name, the rule in words, its legal basis
(law + article), parameters with defaults (`Param`; a region may set its own value, see
`zhifa.clues.params`), severity, version, and one SQL statement. The SQL runs over the
*prepared relations* the engine builds once per run from the store's views (see
`zhifa.clues.engine.prepare`; a relation is built only when a chosen model needs it):

==================  ===========================================================================
relation            rows (facts within the run's lookback, current versions)
==================  ===========================================================================
``f_case``          penalty cases: ``filed_on``, ``decided_on``, ``officer_certificates``, …
``f_decision``      penalty decisions: ``decided_on``, ``fine_amount``, ``served_on``, …
``f_inspection``    inspections: ``started_on`` (China date), ``gps_point`` (device GPS), …
``f_complaint``     12345 tickets by routed agency: ``received_at``, ``due_at``, ``place_key``…
``f_coercion``      coercive measures and executions
``f_licence``       licences: ``accepted_on``, ``issued_on``
``acts``            every act (inspection, case, decision, licence, coercion): agency, power, day
``act_cert``        (act, certificate number, act day) for inspections, cases and coercion
``chg``             versions of cases/decisions whose business fields changed after the decision
``m_power``         the powers list (latest snapshot): ``power_code``, ``agency_code``, ``kind``…
``m_cert``          certificates (latest snapshot): number, ``issued_on``, ``expires_on``
``m_entity``        entities (latest snapshot): ``entity_key``, ``lat``/``lon``
``r_tier``          discretion benchmark tiers (registry ``powers``): ranges per version
``r_statute``       statutory fine ranges of each power's provisions (law library)
``r_no_penalty``    powers on a no-penalty list (首违不罚 / 轻微不罚)
``wd_N``            ``(day, due)``: the N-th working day after ``day`` (holiday calendar)
==================  ===========================================================================

Every SQL returns ``agency_code, identity, title, detail, evidence``: ``identity`` names the
problem (e.g. ``case|<source_system>|<source_id>``; with the slug it makes the fingerprint, so
never put a parameter or the version in it), ``evidence`` is a list of
``{family, source_system, source_id, number}`` structs. Macros: ``${name}`` a parameter's value,
``${on}`` the day the run judges as of, ``${since}`` the first day of the lookback,
``${wd:name}`` the ``wd_N`` relation for the working-day parameter ``name``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from zhifa.rules.catalogue import PENALTY_LAW

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_LABELS = {HIGH: "高", MEDIUM: "中", LOW: "低"}
COERCION_LAW = "中华人民共和国行政强制法"
LICENSING_LAW = "中华人民共和国行政许可法"
ENFORCEMENT_RULES = "浙江省行政执法监督相关规定"


@dataclass(frozen=True)
class Param:
    """A model parameter. `rule`: the value comes from `zhifa.rules` (its default and its
    regional settings), so the clue and the procedure it checks can never disagree."""

    name: str
    label: str
    default: Decimal
    unit: str
    rule: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None


def param(
    name: str,
    label: str,
    default: str,
    unit: str,
    *,
    rule: str | None = None,
    minimum: str | None = None,
    maximum: str | None = None,
) -> Param:
    return Param(
        name,
        label,
        Decimal(default),
        unit,
        rule,
        None if minimum is None else Decimal(minimum),
        None if maximum is None else Decimal(maximum),
    )


@dataclass(frozen=True)
class ClueModel:
    slug: str
    name: str
    rule: str  # the rule in words (Chinese)
    basis: str  # law + article
    severity: str
    sql: str
    needs: tuple[str, ...]  # prepared relations the SQL reads
    params: tuple[Param, ...] = ()
    version: int = 1
    group: str = "程序合法"
    extra: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def defaults(self) -> dict[str, str]:
        return {p.name: str(p.default) for p in self.params}

    @property
    def definition_hash(self) -> str:
        """What a model version stands for: a change here without a new `version` is refused."""
        text = json.dumps(
            [
                self.slug,
                self.rule,
                self.basis,
                self.severity,
                self.sql,
                self.defaults,
                [p.rule for p in self.params],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode()).hexdigest()


# --- SQL building blocks -------------------------------------------------------------------


def ev(family: str, alias: str, number: str) -> str:
    """One evidence record: the fact's natural key and its human number."""
    return (
        f"{{'family': '{family}', 'source_system': {alias}.source_system, 'source_id': {alias}.source_id,"
        f" 'number': CAST(coalesce({alias}.{number}, {alias}.source_id) AS VARCHAR)}}"
    )


def key(family: str, alias: str) -> str:
    return f"'{family}|' || {alias}.source_system || '|' || {alias}.source_id"


def num(alias: str, column: str) -> str:
    return f"coalesce({alias}.{column}, {alias}.source_id)"


def yuan(expr: str) -> str:
    """An amount as text without trailing zeros (1200.0 → 1200)."""
    return f"CAST(round(CAST({expr} AS DOUBLE), 2) AS VARCHAR)"


def day(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR)"


# Penalty kinds that always require the hearing offer (Art. 63): 吊销许可证件、降低资质等级、
# 责令停产停业、责令关闭、限制从业、限制开展生产经营活动.
HEARING_KINDS = (
    "['revoke_licence', 'downgrade_qualification', 'suspend_business', 'close', 'restrict_practice',"
    " 'restrict_business']"
)
ACT_FAMILIES = {"inspection": "record_number", "case": "case_number", "coercion": "document_number"}


# --- the models ----------------------------------------------------------------------------

MODELS: tuple[ClueModel, ...] = (
    ClueModel(
        slug="power_unexercised",
        name="职权长期未行使",
        rule="执法主体持有的处罚、检查、许可、强制类职权在评估日前 N 个月内没有任何执法记录"
        "（该主体同期有其他执法数据报送，未报送数据的主体不作判断）。",
        basis="《法治政府建设实施纲要（2021—2025年）》关于全面履行职责、权责清单动态管理的要求",
        severity=LOW,
        group="履职尽责",
        needs=("m_power", "acts"),
        params=(param("months", "未行使月数", "12", "月", minimum="3", maximum="36"),),
        sql="""
WITH recent AS (
    SELECT DISTINCT agency_code, power_code FROM acts
    WHERE acted_on > ${on} - INTERVAL (${months}) MONTH AND acted_on <= ${on}
), reporting AS (SELECT DISTINCT agency_code FROM recent)
SELECT p.agency_code,
       'power|' || p.agency_code || '|' || p.power_code || '|' || CAST(year(${on}) AS VARCHAR) AS identity,
       '职权“' || coalesce(p.name, p.power_code) || '”连续' || '${months}' || '个月未行使' AS title,
       '职权 ' || p.power_code || '（' || coalesce(p.name, '') || '）在 ' || CAST(CAST(${on} - INTERVAL (${months}) MONTH AS DATE) AS VARCHAR)
         || ' 至 ' || CAST(${on} AS VARCHAR) || ' 期间没有检查、立案、处罚、许可或强制记录。' AS detail,
       [{'family': 'power', 'source_system': 'registry', 'source_id': coalesce(CAST(p.registry_id AS VARCHAR), p.power_code),
         'number': p.power_code}] AS evidence
FROM m_power p
WHERE coalesce(p.status, 'active') = 'active'
  AND coalesce(p.kind, 'penalty') IN ('penalty', 'inspection', 'licence', 'coercion')
  AND coalesce(p.effective_from, DATE '1900-01-01') <= ${on} - INTERVAL (${months}) MONTH
  AND p.agency_code IN (SELECT agency_code FROM reporting)
  AND NOT EXISTS (SELECT 1 FROM recent r WHERE r.agency_code = p.agency_code AND r.power_code = p.power_code)
""",
    ),
    ClueModel(
        slug="decision_overdue",
        name="超期未作出处罚决定",
        rule="普通程序案件自立案之日起超过 90 日（经批准延长的再加延长期限）才作出处罚决定，"
        "或至评估日仍未作出决定。",
        basis=f"《{PENALTY_LAW}》第六十条",
        severity=MEDIUM,
        needs=("f_case",),
        params=(
            param("decision_days", "办案期限", "90", "日", rule="decision_days"),
            param("extension_days", "延长期限", "30", "日", rule="decision_extension_days"),
        ),
        sql=f"""
WITH c AS (
    SELECT *, filed_on + CAST(${{decision_days}} + CASE WHEN extension_approved_on IS NOT NULL
                                 THEN ${{extension_days}} ELSE 0 END AS INTEGER) AS deadline
    FROM f_case
    WHERE filed_on IS NOT NULL AND coalesce(procedure, 'general') <> 'summary'
      AND NOT (decided_on IS NULL AND (coalesce(status, '') IN ('terminated', 'closed')
               OR coalesce(decision_kind, '') IN ('transferred', 'terminated')))
)
SELECT c.agency_code, {key("case", "c")} AS identity,
       '案件' || {num("c", "case_number")} || CASE WHEN c.decided_on IS NULL THEN '超期未作出处罚决定'
            ELSE '超期作出处罚决定' END AS title,
       '立案日期 ' || {day("c.filed_on")} || '，期限届满日 ' || {day("c.deadline")}
         || CASE WHEN c.extension_approved_on IS NULL THEN '（未经批准延长）' ELSE '（已延长）' END
         || CASE WHEN c.decided_on IS NULL THEN '，至 ' || {day("${on}")} || ' 仍未作出决定。'
            ELSE '，实际决定日期 ' || {day("c.decided_on")} || '，超期 ' || CAST(c.decided_on - c.deadline AS VARCHAR) || ' 日。' END
         AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM c WHERE coalesce(c.decided_on, ${{on}}) > c.deadline
""",
    ),
    ClueModel(
        slug="fine_outside_tier",
        name="罚款超出裁量基准阶次",
        rule="处罚决定的罚款金额不在其适用的裁量阶次（决定日有效的裁量基准版本）规定的幅度内。",
        basis=f"《{PENALTY_LAW}》第三十四条",
        severity=HIGH,
        group="裁量规范",
        needs=("f_decision", "r_tier"),
        sql=f"""
WITH versions AS (
    SELECT power_code, benchmark_version, min(coalesce(effective_from, DATE '1900-01-01')) AS valid_from
    FROM r_tier GROUP BY power_code, benchmark_version
), spans AS (
    SELECT *, lead(valid_from) OVER (PARTITION BY power_code ORDER BY benchmark_version) AS valid_until
    FROM versions
), tiers AS (
    SELECT r.*, s.valid_from, s.valid_until FROM r_tier r JOIN spans s USING (power_code, benchmark_version)
    WHERE r.range_kind = 'fixed'
), hits AS (
    SELECT d.*, r.minimum AS tier_min, r.maximum AS tier_max, r.benchmark_version,
           (d.fine_amount < coalesce(r.minimum, 0) - 0.005 OR d.fine_amount > r.maximum + 0.005) AS outside
    FROM f_decision d JOIN tiers r ON r.power_code = d.power_code AND r.tier = d.benchmark_tier
         AND d.decided_on >= r.valid_from AND (r.valid_until IS NULL OR d.decided_on < r.valid_until)
    WHERE d.fine_amount > 0
), t AS (  -- outside every matching tier of the version in force (a tier may come in bands)
    SELECT * FROM hits h WHERE h.outside AND NOT EXISTS (
        SELECT 1 FROM hits i WHERE i.source_system = h.source_system AND i.source_id = h.source_id AND NOT i.outside)
)
SELECT t.agency_code, {key("decision", "t")} AS identity,
       '处罚决定' || {num("t", "decision_number")} || '罚款超出裁量阶次幅度' AS title,
       '罚款 ' || {yuan("t.fine_amount")} || ' 元，职权 ' || t.power_code || ' 裁量基准第 '
         || CAST(t.benchmark_version AS VARCHAR) || ' 版“' || t.benchmark_tier || '”阶次幅度为 '
         || coalesce({yuan("t.tier_min")}, '0') || '–' || {yuan("t.tier_max")} || ' 元。' AS detail,
       [{ev("decision", "t", "decision_number")}] AS evidence
FROM t
""",
    ),
    ClueModel(
        slug="tier_outside_statute",
        name="裁量基准超出法定幅度",
        rule="职权现行裁量基准的罚款阶次超出该职权关联罚则规定的法定幅度（上限高于法定上限，"
        "或除减轻外下限低于法定下限），或设定了罚则未规定的罚款类型。",
        basis=f"《{PENALTY_LAW}》第三十四条；《{PENALTY_LAW}》第三十二条（减轻）",
        severity=HIGH,
        group="裁量规范",
        needs=("r_tier", "r_statute"),
        sql="""
WITH cur AS (
    SELECT * FROM r_tier WHERE range_kind IN ('fixed', 'multiple')
    QUALIFY benchmark_version = max(benchmark_version) OVER (PARTITION BY power_code)
), pair AS (
    SELECT t.*, s.minimum AS s_min, s.maximum AS s_max, s.aggravated, s.citation,
           bool_or(NOT s.aggravated) OVER (PARTITION BY t.tier_id) AS has_ordinary
    FROM cur t LEFT JOIN r_statute s ON s.power_code = t.power_code AND s.kind = t.range_kind
         AND (t.range_kind = 'fixed' OR coalesce(s.base, '') = coalesce(t.base, ''))
), judged AS (
    SELECT tier_id, any_value(power_code) AS power_code, any_value(agency_code) AS agency_code,
           any_value(benchmark_id) AS benchmark_id, any_value(benchmark_version) AS benchmark_version,
           any_value(tier) AS tier, any_value(range_kind) AS range_kind, any_value(minimum) AS t_min,
           any_value(maximum) AS t_max, count(citation) AS candidates,
           max(s_max) AS top, bool_and(s_max IS NOT NULL) AS bounded, min(coalesce(s_min, 0)) AS floor,
           string_agg(DISTINCT citation, '、') AS cites
    FROM pair WHERE citation IS NULL OR tier = 'aggravated' OR NOT has_ordinary OR NOT aggravated
    GROUP BY tier_id
)
SELECT j.agency_code,
       'tier|' || j.power_code || '|v' || CAST(j.benchmark_version AS VARCHAR) || '|' || CAST(j.tier_id AS VARCHAR) AS identity,
       '职权 ' || j.power_code || ' 裁量基准“' || j.tier || '”阶次超出法定幅度' AS title,
       CASE WHEN j.candidates = 0 THEN '阶次设定了' || CASE WHEN j.range_kind = 'fixed' THEN '定额' ELSE '倍数' END
                 || '罚款，但关联罚则未规定此类罚款幅度。'
            ELSE '阶次幅度 ' || coalesce(CAST(j.t_min AS VARCHAR), '0') || '–' || coalesce(CAST(j.t_max AS VARCHAR), '不限')
                 || '，法定幅度 ' || CAST(j.floor AS VARCHAR) || '–' || coalesce(CAST(j.top AS VARCHAR), '不限')
                 || '（' || coalesce(j.cites, '') || '）。' END AS detail,
       [{'family': 'benchmark', 'source_system': 'zhifa.powers', 'source_id': CAST(j.benchmark_id AS VARCHAR),
         'number': j.power_code || ' 裁量基准第' || CAST(j.benchmark_version AS VARCHAR) || '版'}] AS evidence
FROM judged j
WHERE EXISTS (SELECT 1 FROM r_statute s WHERE s.power_code = j.power_code)
  AND (j.candidates = 0 OR (j.bounded AND j.t_max > j.top)
       OR (j.tier <> 'mitigated' AND coalesce(j.t_min, 0) < j.floor))
""",
    ),
    ClueModel(
        slug="major_case_no_review",
        name="重大案件未经法制审核",
        rule="标记为重大执法决定的案件作出决定前没有法制审核记录（或审核晚于决定）。",
        basis=f"《{PENALTY_LAW}》第五十八条",
        severity=HIGH,
        needs=("f_case",),
        sql=f"""
SELECT c.agency_code, {key("case", "c")} AS identity,
       '重大案件' || {num("c", "case_number")} || '未经法制审核即作出决定' AS title,
       '决定日期 ' || {day("c.decided_on")} || '，' || CASE WHEN c.legal_review_on IS NULL THEN '无法制审核记录'
            ELSE '法制审核日期 ' || {day("c.legal_review_on")} || '（晚于决定）' END || '。' AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM f_case c
WHERE c.major_case AND c.decided_on IS NOT NULL
  AND (c.legal_review_on IS NULL OR c.legal_review_on > c.decided_on)
""",
    ),
    ClueModel(
        slug="too_few_officers",
        name="执法人员不足两人",
        rule="检查、案件调查或强制措施记录的持证执法人员少于两人。",
        basis=f"《{PENALTY_LAW}》第四十二条；《{COERCION_LAW}》第十八条",
        severity=MEDIUM,
        needs=("act_cert_count",),
        params=(param("min_officers", "最少执法人员数", "2", "人", rule="min_officers"),),
        sql="""
SELECT a.agency_code, a.family || '|' || a.source_system || '|' || a.source_id AS identity,
       a.label || coalesce(a.number, a.source_id) || '执法人员不足' || '${min_officers}' || '人' AS title,
       a.label || '日期 ' || CAST(a.acted_on AS VARCHAR) || '，记录的执法证号 ' || CAST(a.officers AS VARCHAR)
         || ' 个：' || coalesce(array_to_string(a.certificates, '、'), '无') || '。' AS detail,
       [{'family': a.family, 'source_system': a.source_system, 'source_id': a.source_id,
         'number': coalesce(a.number, a.source_id)}] AS evidence
FROM act_cert_count a WHERE a.officers < ${min_officers}
""",
    ),
    ClueModel(
        slug="certificate_invalid",
        name="执法证件过期后仍执法",
        rule="执法人员在执法证件有效期届满后仍实施检查、调查或强制措施（证件签发前的记录不在此列："
        "换证时可能沿用证号，由数据质量检查处理）。",
        basis=f"《{PENALTY_LAW}》第四十二条、第五十五条",
        severity=HIGH,
        needs=("act_cert", "m_cert"),
        sql="""
WITH bad AS (
    SELECT a.*, c.expires_on, c.issued_on
    FROM act_cert a JOIN m_cert c ON c.certificate_number = a.certificate_number
    WHERE a.acted_on > c.expires_on
)
SELECT any_value(agency_code) AS agency_code, family || '|' || source_system || '|' || source_id AS identity,
       any_value(label) || coalesce(any_value(number), source_id) || '使用过期执法证件' AS title,
       any_value(label) || '日期 ' || CAST(any_value(acted_on) AS VARCHAR) || '，'
         || string_agg(certificate_number || '（有效期 ' || coalesce(CAST(issued_on AS VARCHAR), '?') || ' 至 '
                       || coalesce(CAST(expires_on AS VARCHAR), '?') || '）', '、' ORDER BY certificate_number)
         || ' 不在有效期内。' AS detail,
       [{'family': family, 'source_system': source_system, 'source_id': source_id,
         'number': coalesce(any_value(number), source_id)}] AS evidence
FROM bad GROUP BY family, source_system, source_id
""",
    ),
    ClueModel(
        slug="late_service",
        name="处罚决定书送达超期",
        rule="当事人不在场的，处罚决定书在决定后 7 个工作日内未送达（当场交付的除外）。",
        basis=f"《{PENALTY_LAW}》第六十一条、第八十五条",
        severity=LOW,
        needs=("f_decision",),
        params=(param("service_days", "送达期限", "7", "工作日", rule="service_days"),),
        sql=f"""
SELECT d.agency_code, {key("decision", "d")} AS identity,
       '处罚决定书' || {num("d", "decision_number")} || '送达超期' AS title,
       '决定日期 ' || {day("d.decided_on")} || '，送达期限 ' || {day("w.due")}
         || CASE WHEN d.served_on IS NULL THEN '，至 ' || {day("${on}")} || ' 仍无送达记录。'
            ELSE '，实际送达 ' || {day("d.served_on")} || '。' END AS detail,
       [{ev("decision", "d", "decision_number")}] AS evidence
FROM f_decision d JOIN ${{wd:service_days}} w ON w.day = d.decided_on
WHERE coalesce(d.service_method, '') <> 'on_the_spot' AND coalesce(d.status, '') <> 'revoked'
  AND coalesce(d.served_on, ${{on}}) > w.due
""",
    ),
    ClueModel(
        slug="hearing_not_offered",
        name="应告知听证而未告知",
        rule="较大数额罚款、没收较大数额违法所得或财物、吊销许可证件、责令停产停业、责令关闭、"
        "限制从业等处罚，决定前未告知当事人听证权利。较大数额标准取地方设定。",
        basis=f"《{PENALTY_LAW}》第六十三条、第六十四条",
        severity=HIGH,
        needs=("f_case",),
        params=(
            param(
                "person_threshold", "公民较大数额罚款", "10000", "元", rule="hearing_fine_threshold_person"
            ),
            param(
                "organisation_threshold",
                "法人或其他组织较大数额罚款",
                "100000",
                "元",
                rule="hearing_fine_threshold_organisation",
            ),
            param(
                "confiscation_threshold", "较大数额没收", "10000", "元", rule="hearing_confiscation_threshold"
            ),
        ),
        sql=f"""
SELECT c.agency_code, {key("case", "c")} AS identity,
       '案件' || {num("c", "case_number")} || '应告知听证权利而未告知' AS title,
       '罚款 ' || coalesce({yuan("c.fine_amount")}, '0') || ' 元，没收 ' || coalesce({yuan("c.confiscation_amount")}, '0')
         || ' 元，处罚种类 ' || coalesce(array_to_string(c.penalty_kinds, '、'), '—')
         || '；较大数额标准 ' || CASE WHEN c.entity_kind = 'person' THEN '${{person_threshold}}' ELSE '${{organisation_threshold}}' END
         || ' 元，案件无听证告知记录。' AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM f_case c
WHERE c.decided_on IS NOT NULL AND coalesce(c.procedure, 'general') <> 'summary'
  AND coalesce(c.decision_kind, 'penalty') = 'penalty' AND NOT coalesce(c.hearing_offered, FALSE)
  AND (c.fine_amount >= CASE WHEN c.entity_kind = 'person' THEN ${{person_threshold}} ELSE ${{organisation_threshold}} END
       OR c.confiscation_amount >= ${{confiscation_threshold}}
       OR list_has_any(coalesce(c.penalty_kinds, []), {HEARING_KINDS}))
""",
    ),
    ClueModel(
        slug="filing_past_limitation",
        name="超过追责时效立案",
        rule="立案日期距违法行为发生（终了）之日超过 2 年。涉及生命健康安全、金融安全且有危害后果的"
        "适用 5 年，此类线索核实后标记为误报。",
        basis=f"《{PENALTY_LAW}》第三十六条",
        severity=HIGH,
        needs=("f_case",),
        params=(param("limitation_years", "追责时效", "2", "年", rule="limitation_years"),),
        sql=f"""
SELECT c.agency_code, {key("case", "c")} AS identity,
       '案件' || {num("c", "case_number")} || '超过追责时效立案' AS title,
       '违法行为日期 ' || {day("c.violation_on")} || '，立案日期 ' || {day("c.filed_on")}
         || '，超过 ' || '${{limitation_years}}' || ' 年追责时效。' AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM f_case c
WHERE c.violation_on IS NOT NULL AND c.filed_on > c.violation_on + INTERVAL (${{limitation_years}}) YEAR
""",
    ),
    ClueModel(
        slug="repeated_multi_agency_inspection",
        name="多部门重复检查同一对象",
        rule="同一检查对象在 30 日内被 3 个及以上执法主体分别检查（未实行“综合查一次”）。"
        "每个对象每月至多一条线索，归于该窗口首次检查的主体。",
        basis="《优化营商环境条例》第五十九条；国务院“双随机、一公开”监管有关规定",
        severity=MEDIUM,
        group="涉企检查",
        needs=("f_inspection",),
        params=(
            param("window_days", "时间窗口", "30", "日", minimum="7", maximum="365"),
            param("min_agencies", "最少执法主体数", "3", "个", minimum="2", maximum="10"),
        ),
        sql="""
WITH two AS (  -- entities inspected by more than one agency at all (cheap: no DISTINCT)
    SELECT entity_key FROM f_inspection WHERE entity_key IS NOT NULL AND NOT coalesce(joint, FALSE)
    GROUP BY entity_key HAVING min(agency_code) <> max(agency_code)
), i AS (
    SELECT DISTINCT entity_key, agency_code, started_on FROM f_inspection
    WHERE entity_key IN (SELECT entity_key FROM two) AND NOT coalesce(joint, FALSE)
), many AS (  -- enough agencies at all: the only entities worth a window
    SELECT entity_key FROM i GROUP BY entity_key HAVING count(DISTINCT agency_code) >= ${min_agencies}
), w AS (
    SELECT *, count(DISTINCT agency_code) OVER (PARTITION BY entity_key ORDER BY started_on
              RANGE BETWEEN CURRENT ROW AND INTERVAL (${window_days}) DAY FOLLOWING) AS agencies
    FROM i WHERE entity_key IN (SELECT entity_key FROM many)
), anchor AS (
    SELECT entity_key, started_on, agency_code FROM w WHERE agencies >= ${min_agencies}
    QUALIFY row_number() OVER (PARTITION BY entity_key, date_trunc('month', started_on)
                               ORDER BY started_on, agency_code) = 1
), hits AS (
    SELECT a.entity_key, a.started_on AS anchor_on, a.agency_code AS anchor_agency, f.*
    FROM anchor a JOIN f_inspection f ON f.entity_key = a.entity_key
         AND f.started_on BETWEEN a.started_on AND a.started_on + CAST(${window_days} AS INTEGER)
)
SELECT any_value(anchor_agency) AS agency_code,
       'entity|' || entity_key || '|' || strftime(anchor_on, '%Y-%m') AS identity,
       '“' || any_value(entity_name) || '”' || '${window_days}' || '日内被' || CAST(count(DISTINCT agency_code) AS VARCHAR)
         || '个执法主体重复检查' AS title,
       '自 ' || CAST(anchor_on AS VARCHAR) || ' 起 ' || '${window_days}' || ' 日内，执法主体 '
         || string_agg(DISTINCT agency_code, '、') || ' 共检查 ' || CAST(count(*) AS VARCHAR) || ' 次。' AS detail,
       list({'family': 'inspection', 'source_system': source_system, 'source_id': source_id,
             'number': coalesce(record_number, source_id)} ORDER BY started_on, source_id)[1:20] AS evidence
FROM hits GROUP BY entity_key, anchor_on
""",
    ),
    ClueModel(
        slug="complaint_hotspot_uninspected",
        name="投诉热点未检查",
        rule="同一地点（对象）同一类别在 90 日内收到 3 件及以上投诉举报，承办主体在最后一件之后"
        " 30 日内仍未对该对象检查（也没有检查记录引用这些工单）。",
        basis="《优化营商环境条例》第五十九条；12345 热线“接诉即办”有关规定",
        severity=MEDIUM,
        group="履职尽责",
        needs=("f_complaint", "f_inspection"),
        params=(
            param("window_days", "时间窗口", "90", "日", minimum="7", maximum="365"),
            param("min_complaints", "最少投诉件数", "3", "件", minimum="2", maximum="50"),
            param("grace_days", "应检查期限", "30", "日", minimum="1", maximum="180"),
        ),
        sql="""
WITH k AS (
    SELECT *, count(*) OVER (PARTITION BY agency_code, place_key, category ORDER BY received_on
              RANGE BETWEEN CURRENT ROW AND INTERVAL (${window_days}) DAY FOLLOWING) AS n
    FROM f_complaint WHERE place_key IS NOT NULL AND agency_code IS NOT NULL
), anchor AS (
    SELECT agency_code, place_key, category, received_on AS anchor_on FROM k WHERE n >= ${min_complaints}
    QUALIFY row_number() OVER (PARTITION BY agency_code, place_key, category ORDER BY received_on) = 1
), cluster AS (
    SELECT a.agency_code, a.place_key, a.category, a.anchor_on, max(f.received_on) AS last_on,
           list(f.ticket_number) AS tickets, any_value(f.place) AS place, any_value(f.entity_name) AS entity_name,
           list({'family': 'complaint', 'source_system': f.source_system, 'source_id': f.source_id,
                 'number': coalesce(f.ticket_number, f.source_id)} ORDER BY f.received_on, f.source_id)[1:20] AS evidence,
           count(*) AS complaints
    FROM anchor a JOIN f_complaint f ON f.agency_code = a.agency_code AND f.place_key = a.place_key
         AND f.category IS NOT DISTINCT FROM a.category
         AND f.received_on BETWEEN a.anchor_on AND a.anchor_on + CAST(${window_days} AS INTEGER)
    GROUP BY ALL
)
SELECT c.agency_code, 'place|' || c.agency_code || '|' || c.place_key || '|' || coalesce(c.category, '') AS identity,
       '“' || coalesce(c.entity_name, c.place, c.place_key) || '”投诉集中但未检查' AS title,
       CAST(c.anchor_on AS VARCHAR) || ' 至 ' || CAST(c.last_on AS VARCHAR) || ' 收到“' || coalesce(c.category, '未分类')
         || '”投诉 ' || CAST(c.complaints AS VARCHAR) || ' 件，' || '${grace_days}' || ' 日内无检查记录。' AS detail,
       c.evidence
FROM cluster c
WHERE c.last_on + CAST(${grace_days} AS INTEGER) < ${on}
  AND NOT EXISTS (SELECT 1 FROM f_inspection i WHERE i.entity_key = c.place_key
                  AND i.started_on BETWEEN c.anchor_on AND c.last_on + CAST(${grace_days} AS INTEGER))
  AND NOT EXISTS (SELECT 1 FROM f_inspection i WHERE i.complaint_ticket_number IS NOT NULL
                  AND list_contains(c.tickets, i.complaint_ticket_number))
""",
    ),
    ClueModel(
        slug="complaint_answered_late",
        name="投诉举报办理超时",
        rule="投诉举报工单在办理时限之后才答复，或至评估日超过时限仍未答复（无时限的按受理后 15 日计）。",
        basis="《信访工作条例》第三十二条；12345 热线工单办理时限规定",
        severity=LOW,
        group="履职尽责",
        needs=("f_complaint",),
        params=(param("answer_days", "默认办理时限", "15", "日", minimum="1", maximum="60"),),
        sql=f"""
WITH k AS (
    SELECT *, coalesce(due_at, received_at + INTERVAL (${{answer_days}}) DAY) AS due FROM f_complaint
    WHERE agency_code IS NOT NULL AND coalesce(status, '') <> 'returned'
)
SELECT k.agency_code, {key("complaint", "k")} AS identity,
       '工单' || {num("k", "ticket_number")} || CASE WHEN k.answered_at IS NULL THEN '超时未答复' ELSE '超时答复' END AS title,
       '受理 ' || strftime(k.received_at, '%Y-%m-%d %H:%M') || '，时限 ' || strftime(k.due, '%Y-%m-%d %H:%M')
         || CASE WHEN k.answered_at IS NULL THEN '，至 ' || {day("${on}")} || ' 未答复。'
            ELSE '，答复 ' || strftime(k.answered_at, '%Y-%m-%d %H:%M') || '。' END AS detail,
       [{ev("complaint", "k", "ticket_number")}] AS evidence
FROM k
WHERE (k.answered_at IS NOT NULL AND k.answered_at > k.due)
   OR (k.answered_at IS NULL AND CAST(k.due AS DATE) < ${{on}} AND coalesce(k.status, '') <> 'closed')
""",
    ),
    ClueModel(
        slug="minor_first_violation_penalized",
        name="首违不罚事项仍予处罚",
        rule="职权列入轻微违法不予处罚或首违不罚清单，当事人此前在该职权下没有处罚记录，"
        "决定仍处以罚款或其他处罚（裁量阶次不是“不予处罚”）。",
        basis=f"《{PENALTY_LAW}》第三十三条第一款",
        severity=MEDIUM,
        group="裁量规范",
        needs=("f_decision", "r_no_penalty"),
        sql=f"""
WITH firsts AS (
    SELECT d.* FROM f_decision d
    WHERE d.entity_key IS NOT NULL AND d.power_code IN (SELECT power_code FROM r_no_penalty)
    QUALIFY row_number() OVER (PARTITION BY d.entity_key, d.power_code ORDER BY d.decided_on, d.source_id) = 1
)
SELECT d.agency_code, {key("decision", "d")} AS identity,
       '首违不罚事项' || d.power_code || '仍处罚（' || {num("d", "decision_number")} || '）' AS title,
       '“' || coalesce(d.entity_name, '') || '”在职权 ' || d.power_code || ' 下首次被处罚：'
         || coalesce(array_to_string(d.penalty_kinds, '、'), '') || CASE WHEN d.fine_amount > 0
            THEN '，罚款 ' || {yuan("d.fine_amount")} || ' 元' ELSE '' END || '；该事项在不予处罚清单内。' AS detail,
       [{ev("decision", "d", "decision_number")}] AS evidence
FROM firsts d
WHERE coalesce(d.benchmark_tier, '') <> 'no_penalty'
  AND (d.fine_amount > 0 OR list_has_any(coalesce(d.penalty_kinds, []), ['fine', 'confiscate_gains',
       'confiscate_property', 'suspend_licence', 'revoke_licence', 'suspend_business', 'close']))
""",
    ),
    ClueModel(
        slug="fine_unpaid_no_enforcement",
        name="罚款逾期未缴且未强制执行",
        rule="罚款到期（未写明的按送达或决定后 15 日）后超过 N 日仍未缴纳，且没有加处罚款、"
        "申请法院强制执行等执行记录。",
        basis=f"《{PENALTY_LAW}》第六十七条、第七十二条；《{COERCION_LAW}》第五十三条",
        severity=MEDIUM,
        group="执行到位",
        needs=("f_decision", "f_coercion"),
        params=(
            param("payment_days", "缴纳期限", "15", "日", rule="payment_days"),
            param("grace_days", "到期后未执行天数", "90", "日", minimum="15", maximum="365"),
        ),
        sql=f"""
WITH d AS (
    SELECT *, coalesce(payment_due_on, coalesce(served_on, decided_on) + CAST(${{payment_days}} AS INTEGER)) AS due
    FROM f_decision
    WHERE fine_amount > 0 AND paid_on IS NULL AND coalesce(paid_amount, 0) < fine_amount
      AND coalesce(status, 'effective') IN ('effective', 'partly_performed')
      AND coalesce(enforcement, 'none') = 'none'
)
SELECT d.agency_code, {key("decision", "d")} AS identity,
       '处罚决定' || {num("d", "decision_number")} || '罚款逾期未缴且未强制执行' AS title,
       '罚款 ' || {yuan("d.fine_amount")} || ' 元，缴纳期限 ' || {day("d.due")} || '，至 ' || {day("${on}")}
         || ' 未缴纳，也无执行记录。' AS detail,
       [{ev("decision", "d", "decision_number")}] AS evidence
FROM d
WHERE d.due + CAST(${{grace_days}} AS INTEGER) < ${{on}}
  AND NOT EXISTS (SELECT 1 FROM f_coercion x WHERE x.category = 'execution'
                  AND (x.case_source_id = d.case_source_id OR x.case_source_id = d.source_id))
""",
    ),
    ClueModel(
        slug="inspection_gps_far",
        name="检查定位偏离检查对象",
        rule="检查记录的设备定位与检查对象登记位置相距超过 1000 米。",
        basis=f"《{PENALTY_LAW}》第四十七条（全过程记录）；行政执法“三项制度”",
        severity=MEDIUM,
        group="涉企检查",
        needs=("f_inspection", "m_entity"),
        params=(param("max_distance_m", "最大偏离距离", "1000", "米", minimum="100", maximum="50000"),),
        sql=f"""
WITH p AS (
    SELECT i.*, i.gps_point.latitude AS lat, i.gps_point.longitude AS lon, e.lat AS e_lat, e.lon AS e_lon
    FROM f_inspection i JOIN m_entity e ON e.entity_key = i.entity_key
    WHERE i.gps_point.latitude IS NOT NULL AND e.lat IS NOT NULL
), d AS (
    SELECT p.*, 6371000 * 2 * asin(sqrt(pow(sin(radians(e_lat - lat) / 2), 2)
           + cos(radians(lat)) * cos(radians(e_lat)) * pow(sin(radians(e_lon - lon) / 2), 2))) AS metres
    FROM p
)
SELECT d.agency_code, {key("inspection", "d")} AS identity,
       '检查' || {num("d", "record_number")} || '定位偏离检查对象' || CAST(CAST(round(d.metres) AS BIGINT) AS VARCHAR) || '米' AS title,
       '检查“' || coalesce(d.entity_name, '') || '”（' || CAST(d.started_on AS VARCHAR) || '）的设备定位距对象登记位置 '
         || CAST(CAST(round(d.metres) AS BIGINT) AS VARCHAR) || ' 米，超过 ' || '${{max_distance_m}}' || ' 米。' AS detail,
       [{ev("inspection", "d", "record_number")}] AS evidence
FROM d WHERE d.metres > ${{max_distance_m}}
""",
    ),
    ClueModel(
        slug="inspection_outside_window",
        name="检查超出任务时间窗口",
        rule="计划或双随机检查的实施日期早于任务开始日期或晚于任务结束日期。",
        basis="《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》",
        severity=LOW,
        group="涉企检查",
        needs=("f_inspection",),
        sql=f"""
SELECT i.agency_code, {key("inspection", "i")} AS identity,
       '检查' || {num("i", "record_number")} || '超出任务时间窗口' AS title,
       '任务 ' || coalesce(i.task_code, '') || ' 窗口 ' || coalesce({day("i.task_window_start")}, '—') || ' 至 '
         || coalesce({day("i.task_window_end")}, '—') || '，实际检查 ' || {day("i.started_on")} || '。' AS detail,
       [{ev("inspection", "i", "record_number")}] AS evidence
FROM f_inspection i
WHERE i.started_on < i.task_window_start OR i.started_on > i.task_window_end
""",
    ),
    ClueModel(
        slug="fine_outlier_low",
        name="罚款明显低于同类案件",
        rule="罚款金额低于同一职权全部罚款中位数的 20%（同一职权至少 10 件罚款决定；"
        "减轻、不予处罚阶次除外）。",
        basis=f"《{PENALTY_LAW}》第五条（过罚相当）、第三十四条",
        severity=LOW,
        group="裁量规范",
        needs=("f_decision",),
        params=(
            param("ratio", "低于中位数比例", "0.2", "比例", minimum="0.01", maximum="0.9"),
            param("min_peers", "同类最少件数", "10", "件", minimum="3", maximum="1000"),
        ),
        sql=f"""
WITH peers AS (
    SELECT power_code, median(fine_amount) AS med, count(*) AS n FROM f_decision
    WHERE fine_amount > 0 AND power_code IS NOT NULL GROUP BY power_code HAVING count(*) >= ${{min_peers}}
)
SELECT d.agency_code, {key("decision", "d")} AS identity,
       '处罚决定' || {num("d", "decision_number")} || '罚款明显低于同类' AS title,
       '罚款 ' || {yuan("d.fine_amount")} || ' 元，职权 ' || d.power_code || ' 的 ' || CAST(p.n AS VARCHAR)
         || ' 件罚款中位数 ' || {yuan("p.med")} || ' 元。' AS detail,
       [{ev("decision", "d", "decision_number")}] AS evidence
FROM f_decision d JOIN peers p ON p.power_code = d.power_code
WHERE d.fine_amount > 0 AND d.fine_amount < p.med * ${{ratio}}
  AND coalesce(d.benchmark_tier, '') NOT IN ('mitigated', 'no_penalty')
""",
    ),
    ClueModel(
        slug="repeated_low_fines_same_pair",
        name="同一执法人员对同一当事人多次低额罚款",
        rule="同一执法人员一年内对同一当事人作出 3 次及以上罚款，且每次低于该职权罚款中位数的一半"
        "（疑似拆分处罚、人情执法）。",
        basis=f"《{PENALTY_LAW}》第五条、第三十四条；《浙江省行政执法监督规定》",
        severity=MEDIUM,
        group="裁量规范",
        needs=("f_case",),
        params=(
            param("min_count", "最少次数", "3", "次", minimum="2", maximum="20"),
            param("low_ratio", "低额标准（中位数比例）", "0.5", "比例", minimum="0.05", maximum="1"),
        ),
        sql=f"""
WITH med AS (
    SELECT power_code, median(fine_amount) AS med FROM f_case WHERE fine_amount > 0 GROUP BY power_code
), lows AS (
    SELECT c.* FROM f_case c JOIN med m ON m.power_code = c.power_code
    WHERE c.fine_amount > 0 AND c.fine_amount < m.med * ${{low_ratio}} AND c.entity_key IS NOT NULL
      AND c.decided_on IS NOT NULL AND c.officer_certificates IS NOT NULL
), parties AS (  -- parties with enough low fines in a year at all: the only ones worth unnesting
    SELECT entity_key, year(decided_on) AS y FROM lows GROUP BY 1, 2 HAVING count(*) >= ${{min_count}}
), low AS (
    SELECT l.*, unnest(list_distinct(l.officer_certificates)) AS certificate_number
    FROM lows l JOIN parties p ON p.entity_key = l.entity_key AND p.y = year(l.decided_on)
)
SELECT any_value(agency_code) AS agency_code,
       'pair|' || certificate_number || '|' || entity_key || '|' || CAST(year(decided_on) AS VARCHAR) AS identity,
       '执法证 ' || certificate_number || ' 对“' || any_value(entity_name) || '”' || CAST(year(decided_on) AS VARCHAR)
         || '年' || CAST(count(*) AS VARCHAR) || '次低额罚款' AS title,
       '罚款金额：' || string_agg({yuan("fine_amount")}, '、' ORDER BY decided_on) || ' 元（决定日期 '
         || string_agg(CAST(decided_on AS VARCHAR), '、' ORDER BY decided_on) || '）。' AS detail,
       list({{'family': 'case', 'source_system': source_system, 'source_id': source_id,
             'number': coalesce(case_number, source_id)}} ORDER BY decided_on, source_id) AS evidence
FROM low GROUP BY certificate_number, entity_key, year(decided_on)
HAVING count(*) >= ${{min_count}}
""",
    ),
    ClueModel(
        slug="changed_after_decision",
        name="决定作出后记录被修改",
        rule="案件或处罚决定作出后，来源系统又报送了修改罚款金额、处罚种类、法律依据、裁量阶次、"
        "当事人或决定日期的新版本（疑似事后改动案卷）；经复议、诉讼或自行纠错依法变更、撤销的"
        "（决定状态为已变更、已撤销）除外。",
        basis=f"《{PENALTY_LAW}》第四十七条（全过程记录）",
        severity=HIGH,
        group="全过程记录",
        needs=("chg",),
        sql="""
SELECT c.agency_code, c.family || '|' || c.source_system || '|' || c.source_id || '|v' || CAST(c.version AS VARCHAR) AS identity,
       CASE c.family WHEN 'case' THEN '案件' ELSE '处罚决定' END || coalesce(c.number, c.source_id) || '在决定后被修改' AS title,
       '决定日期 ' || CAST(c.decided_on AS VARCHAR) || '，' || strftime(c.changed_at, '%Y-%m-%d') || ' 报送的第 '
         || CAST(c.version AS VARCHAR) || ' 版修改了：' || array_to_string(c.changed, '、') || '。' AS detail,
       [{'family': c.family, 'source_system': c.source_system, 'source_id': c.source_id,
         'number': coalesce(c.number, c.source_id)}] AS evidence
FROM chg c
""",
    ),
    ClueModel(
        slug="coercion_overdue",
        name="强制措施超期",
        rule="查封、扣押、冻结超过 30 日未解除（延长的以延长后期限为准），或延长后期限超过法定的"
        "再延长 30 日。",
        basis=f"《{COERCION_LAW}》第二十五条、第三十二条",
        severity=HIGH,
        group="执行到位",
        needs=("f_coercion",),
        params=(
            param("max_days", "法定期限", "30", "日", minimum="1", maximum="90"),
            param("extension_days", "最长延长", "30", "日", minimum="0", maximum="90"),
        ),
        sql=f"""
WITH m AS (
    SELECT *, coalesce(extended_to, started_on + CAST(${{max_days}} AS INTEGER)) AS limit_on,
           coalesce(ended_on, CASE WHEN coalesce(status, 'in_force') = 'in_force' THEN ${{on}} END) AS end_on
    FROM f_coercion
    WHERE category = 'measure' AND measure_kind IN ('seal', 'seize', 'freeze') AND started_on IS NOT NULL
)
SELECT m.agency_code, {key("coercion", "m")} AS identity,
       '强制措施' || {num("m", "document_number")} || '超期' AS title,
       '自 ' || {day("m.started_on")} || ' 起，期限至 ' || {day("m.limit_on")}
         || CASE WHEN m.ended_on IS NULL THEN '，至 ' || {day("${on}")} || ' 仍未解除。'
            ELSE '，实际解除 ' || {day("m.ended_on")} || '。' END AS detail,
       [{ev("coercion", "m", "document_number")}] AS evidence
FROM m
WHERE m.end_on > m.limit_on
   OR m.extended_to > m.started_on + CAST(${{max_days}} + ${{extension_days}} AS INTEGER)
""",
    ),
    ClueModel(
        slug="licence_late",
        name="行政许可超期办结",
        rule="许可自受理之日起超过 20 个工作日（加可延长的 10 个工作日）才作出决定。",
        basis=f"《{LICENSING_LAW}》第四十二条、第八十二条",
        severity=LOW,
        group="履职尽责",
        needs=("f_licence",),
        params=(param("licence_days", "办理期限（含延长）", "30", "工作日", minimum="1", maximum="90"),),
        sql=f"""
SELECT l.agency_code, {key("licence", "l")} AS identity,
       '许可' || {num("l", "licence_number")} || '超期办结' AS title,
       '受理 ' || {day("l.accepted_on")} || '，期限 ' || {day("w.due")} || '，决定 ' || {day("l.issued_on")} || '。' AS detail,
       [{ev("licence", "l", "licence_number")}] AS evidence
FROM f_licence l JOIN ${{wd:licence_days}} w ON w.day = l.accepted_on
WHERE l.issued_on > w.due
""",
    ),
    ClueModel(
        slug="summary_procedure_over_limit",
        name="简易程序超出适用范围",
        rule="适用简易程序（当场处罚）的罚款超过公民 200 元、法人或其他组织 3000 元。",
        basis=f"《{PENALTY_LAW}》第五十一条",
        severity=MEDIUM,
        needs=("f_case",),
        params=(
            param("person_limit", "公民上限", "200", "元", rule="summary_fine_limit_person"),
            param("organisation_limit", "单位上限", "3000", "元", rule="summary_fine_limit_organisation"),
        ),
        sql=f"""
SELECT c.agency_code, {key("case", "c")} AS identity,
       '简易程序案件' || {num("c", "case_number")} || '罚款超限' AS title,
       '简易程序罚款 ' || {yuan("c.fine_amount")} || ' 元，上限 '
         || CASE WHEN c.entity_kind = 'person' THEN '${{person_limit}}' ELSE '${{organisation_limit}}' END || ' 元。' AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM f_case c
WHERE c.procedure = 'summary'
  AND c.fine_amount > CASE WHEN c.entity_kind = 'person' THEN ${{person_limit}} ELSE ${{organisation_limit}} END
""",
    ),
    ClueModel(
        slug="decision_without_prior_notice",
        name="未事先告知即作出处罚决定",
        rule="普通程序作出处罚决定前没有送达行政处罚事先告知书（或告知晚于决定）。",
        basis=f"《{PENALTY_LAW}》第四十四条、第六十二条",
        severity=HIGH,
        needs=("f_case",),
        sql=f"""
SELECT c.agency_code, {key("case", "c")} AS identity,
       '案件' || {num("c", "case_number")} || '未事先告知即作出处罚决定' AS title,
       '决定日期 ' || {day("c.decided_on")} || '，' || CASE WHEN c.notice_served_on IS NULL THEN '无事先告知记录'
            ELSE '告知日期 ' || {day("c.notice_served_on")} || '（晚于决定）' END || '。' AS detail,
       [{ev("case", "c", "case_number")}] AS evidence
FROM f_case c
WHERE c.decided_on IS NOT NULL AND coalesce(c.procedure, 'general') <> 'summary'
  AND coalesce(c.decision_kind, 'penalty') = 'penalty'
  AND (c.notice_served_on IS NULL OR c.notice_served_on > c.decided_on)
""",
    ),
    ClueModel(
        slug="surcharge_over_cap",
        name="加处罚款超过罚款数额",
        rule="加处罚款数额超过罚款本身的数额。",
        basis=f"《{PENALTY_LAW}》第七十二条；《{COERCION_LAW}》第四十五条",
        severity=MEDIUM,
        group="执行到位",
        needs=("f_decision",),
        sql=f"""
SELECT d.agency_code, {key("decision", "d")} AS identity,
       '处罚决定' || {num("d", "decision_number")} || '加处罚款超过罚款数额' AS title,
       '罚款 ' || {yuan("d.fine_amount")} || ' 元，加处罚款 ' || {yuan("d.late_surcharge_amount")} || ' 元。' AS detail,
       [{ev("decision", "d", "decision_number")}] AS evidence
FROM f_decision d
WHERE d.late_surcharge_amount > d.fine_amount + 0.005
""",
    ),
)

BY_SLUG: dict[str, ClueModel] = {m.slug: m for m in MODELS}
assert len(BY_SLUG) == len(MODELS), "duplicate clue model slug"


def markdown_table() -> str:
    """The catalogue as the table of docs/clues.md (checked by a test)."""
    lines = [
        "| 代码 | 名称 | 版本 | 严重程度 | 规则 | 法律依据 | 参数（默认值） |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in MODELS:
        params = "；".join(
            f"`{p.name}` {p.label} {p.default} {p.unit}"
            + (f"（取规则 `{p.rule}`）" if p.rule else "（地方可设）")
            for p in m.params
        )
        lines.append(
            f"| `{m.slug}` | {m.name} | {m.version} | {SEVERITY_LABELS[m.severity]} | {m.rule} | {m.basis} | {params or '—'} |"
        )
    return "\n".join(lines) + "\n"
