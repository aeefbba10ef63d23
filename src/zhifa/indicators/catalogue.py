"""The indicator catalogue (指标目录): every indicator declared once, with its SQL.

An indicator is a small `Indicator` entry: slug, Chinese name and definition, unit, whether
higher is better, the dimensions it can be broken down by, its SQL and where its records are
(`Drill`). The SQL runs over the *prepared relations* the engine builds from the store's views
for one computation (see `zhifa.indicators.engine`, docs/indicators.md):

======================  ==================================================================
relation                rows (restricted to the agencies of the slice)
======================  ==================================================================
``f_inspection``        inspections: ``started_on`` (China date), ``entity_kind``, ``entity_key``…
``f_decision``          penalty decisions: ``decided_on``, ``fine_amount``, ``legal_basis``…
``f_licence``           licences: ``issued_on``
``f_coercion``          coercive measures and executions: ``started_on``, ``category``
``f_case``              penalty cases: ``filed_on``, ``decided_on``, ``deadline``, ``procedure``…
``f_complaint``         12345 tickets by routed agency: ``received_on``, ``entity_key``, ``industry``
``f_review``            reconsideration / litigation by respondent: ``concluded_on``, ``outcome``
``m_power``             powers held (snapshot as of each period's end), with ``period``
``m_officer``           officers in post with ``certified`` (a valid certificate at period end)
``m_entity_scope``      regulated entities counted per dimension key (for intensity)
``t_ticket``            hotline tickets some inspection or case names (any time)
``s_clue``              supervision clues (relational DB): ``raised_on``, ``verdict``
``s_closed``            clue dispositions closed: ``closed_on``, ``outcome``
``s_notice``            supervision notices/opinions issued to the agency: ``issued_on``, ``form``
``s_rectification``     rectifications required by a notice: ``due_on``, ``on_time``
``s_review``            case-file review average per agency: ``period`` ('cur'/'prev'), ``score``
======================  ==================================================================

The ``s_*`` relations are not read from the store but from the relational database
(`zhifa.indicators.supervision`); the engine builds them only when an indicator marked
``relational`` is computed.

Every fact relation carries ``agency_code``, ``agency_region`` (the agency's region code),
``power_code`` and ``domain`` (the power's domain). Two macros keep each SQL one statement for
every dimension and period:

* ``{dim:COL}`` — the dimension key (``agency_code``, ``agency_region``, ``power_code``,
  ``domain``, ``'*'`` for the total; for ``month``/``quarter`` the month or quarter of ``COL``,
  so this year's March lines up with last year's);
* ``{period:COL}`` — ``'cur'`` when ``COL`` lies in the period, ``'prev'`` when it lies in the
  same period a year earlier, else NULL.

Each SQL returns ``key, period, value``. The SQL is plain ANSI (CASE, FILTER-free aggregates,
``percentile_cont … WITHIN GROUP``); DuckDB-specific bits are named in docs/indicators.md.
Year-on-year change is computed by the engine for every indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AGENCY, REGION, POWER, DOMAIN, MONTH, QUARTER, TOTAL = (
    "agency",
    "region",
    "power",
    "domain",
    "month",
    "quarter",
    "total",
)
DIMENSIONS = (AGENCY, REGION, POWER, DOMAIN, MONTH, QUARTER, TOTAL)
FACT_DIMS = DIMENSIONS
NO_POWER = (AGENCY, REGION, DOMAIN, MONTH, QUARTER, TOTAL)
NO_POWER_DOMAIN = (AGENCY, REGION, MONTH, QUARTER, TOTAL)
MASTER_DIMS = (AGENCY, REGION, TOTAL)
ORG_DIMS = (AGENCY, REGION, DOMAIN, TOTAL)

# Outcomes of a reconsideration or a court case that correct the act (docs/exchange.md, review).
CORRECTIONS = (
    "changed",
    "revoked",
    "revoked_redo",
    "confirmed_illegal",
    "confirmed_invalid",
    "ordered_to_perform",
)


@dataclass(frozen=True)
class Drill:
    """Where an indicator's records are: fact families (uniform columns, see engine.drill),
    which date puts a record in the period, and an optional extra condition."""

    families: tuple[tuple[str, str], ...]  # (family, date column of the store's view)
    where: str = "TRUE"
    relation: str | None = None  # instead of families: an s_* relation of the relational DB


@dataclass(frozen=True)
class Indicator:
    slug: str
    name: str
    definition: str
    unit: str
    higher_is_better: bool | None  # None: neither (a volume)
    sql: str
    dimensions: tuple[str, ...] = FACT_DIMS
    drill: Drill | None = None
    zero_fill: bool = False  # a count: keys of the slice without records show 0, not nothing
    group: str = "活动量"
    formula: str = ""  # the formula in words/symbols for docs/indicators.md
    extra: dict[str, str] = field(default_factory=dict)
    relational: bool = False  # reads s_* relations (the relational DB), not only the store


# --- SQL building blocks -------------------------------------------------------------------


def count_of(relation: str, date: str, measure: str = "n") -> str:
    """Σ measure per (key, period) over a month cube."""
    return (
        f"SELECT {{dim:{date}}} AS key, {{period:{date}}} AS period, CAST(sum({measure}) AS DOUBLE) AS value"
        f" FROM {relation} WHERE {{period:{date}}} IS NOT NULL GROUP BY 1, 2"
    )


def ratio(numerator: str, denominator: str, scale: float = 1.0) -> str:
    """value = numerator / denominator × scale per (key, period); NULL when the denominator is 0."""
    return (
        f"SELECT d.key, d.period, {scale} * coalesce(n.value, 0) / NULLIF(d.value, 0) AS value"
        f" FROM ({denominator}) d LEFT JOIN ({numerator}) n ON n.key = d.key AND n.period = d.period"
    )


ACTS_UNION = (
    "SELECT agency_code, agency_region, power_code, domain, started_on AS acted_on, n FROM f_inspection"
    " UNION ALL SELECT agency_code, agency_region, power_code, domain, decided_on, n FROM f_decision"
    " UNION ALL SELECT agency_code, agency_region, power_code, domain, issued_on, n FROM f_licence"
    " UNION ALL SELECT agency_code, agency_region, power_code, domain, started_on, n FROM f_coercion"
)
ACTS = "f_acts acts"
ACTS_DRILL = (
    ("inspection", "started_at"),
    ("decision", "decided_on"),
    ("licence", "issued_on"),
    ("coercion", "started_on"),
)

OFFICERS = "SELECT {dim:-} AS key, period, CAST(count(*) AS DOUBLE) AS value FROM m_officer GROUP BY 1, 2"
POWERS_HELD = (
    "SELECT {dim:-} AS key, period, CAST(count(DISTINCT power_code) AS DOUBLE) AS value"
    " FROM m_power GROUP BY 1, 2"
)
# Acts on powers the acting agency holds (as of the period's end), one row per act.
# Acts on powers the acting agency holds (as of the period's end), with their period.
HELD_ACTS_SQL = (
    "SELECT acts.*, {period:acted_on} AS period FROM f_acts acts"
    " JOIN m_power p ON p.power_code = acts.power_code AND p.agency_code = acts.agency_code"
    " AND p.period = {period:acted_on}"
)
HELD_ACTS = "SELECT * FROM f_held_acts"
# Relations several indicators share: the engine builds them once per computation (after the
# prepared relations, in this order), with the same macros as the indicators' SQL.
SHARED = {"f_acts": ACTS_UNION, "f_held_acts": HELD_ACTS_SQL}
POWERS_EXERCISED = (
    "SELECT {dim:acted_on} AS key, period, CAST(count(DISTINCT power_code) AS DOUBLE) AS value"
    f" FROM ({HELD_ACTS}) held GROUP BY 1, 2"
)
ACTS_COUNT = count_of(ACTS, "acted_on")
CASES_FILED = count_of("f_case", "filed_on")
INSPECTIONS = count_of("f_inspection", "started_on")

# 履职均衡度: normalized Shannon entropy of the acts over the powers held.
# H = −Σ p_i·ln p_i / ln N, p_i = acts on held power i / acts on held powers, N = powers held.
BALANCE = f"""
WITH per_power AS (
    SELECT {{dim:acted_on}} AS key, period, power_code, sum(n) AS n FROM ({HELD_ACTS}) held GROUP BY 1, 2, 3
), totals AS (
    SELECT key, period, sum(n) AS total FROM per_power GROUP BY 1, 2
), entropy AS (
    SELECT p.key, p.period, -sum((p.n * 1.0 / t.total) * ln(p.n * 1.0 / t.total)) AS h
    FROM per_power p JOIN totals t ON t.key = p.key AND t.period = p.period GROUP BY 1, 2
)
SELECT held.key, held.period,
       CASE WHEN held.value > 1 THEN coalesce(e.h, 0) / ln(held.value) END AS value
FROM ({POWERS_HELD}) held JOIN entropy e ON e.key = held.key AND e.period = held.period
"""

# Median days from filing to decision of the cases decided in the period.
MEDIAN_DAYS = """
SELECT {dim:decided_on} AS key, {period:decided_on} AS period,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS value
FROM f_case_decided WHERE {period:decided_on} IS NOT NULL GROUP BY 1, 2
"""

# Cases under the 90-day clock (general procedure) whose deadline fell in the period and has
# passed: decided by the deadline / all of them (still open ones count as late).
ON_TIME = """
SELECT {dim:deadline} AS key, {period:deadline} AS period, 100.0 * sum(n_on_time) / sum(n) AS value
FROM f_case_due WHERE {period:deadline} IS NOT NULL GROUP BY 1, 2
"""

COMPLAINTS = count_of("f_complaint", "received_on")
CONVERTED = count_of("f_complaint", "received_on", "n_converted")

# 吻合度: histogram intersection Σ min(p_i, q_i) of the complaints' and the enforcement acts'
# (inspections and decisions) distributions over the entities' industries (GB/T 4754 sections).
ALIGNMENT = """
WITH c AS (
    SELECT {dim:received_on} AS key, {period:received_on} AS period, industry, sum(n) AS n
    FROM f_complaint_industry WHERE {period:received_on} IS NOT NULL GROUP BY 1, 2, 3
), a AS (
    SELECT {dim:acted_on} AS key, {period:acted_on} AS period, industry, sum(n) AS n
    FROM f_entity_acts WHERE {period:acted_on} IS NOT NULL GROUP BY 1, 2, 3
), cp AS (
    SELECT key, period, industry, n * 1.0 / sum(n) OVER (PARTITION BY key, period) AS p FROM c
), ap AS (
    SELECT key, period, industry, n * 1.0 / sum(n) OVER (PARTITION BY key, period) AS p FROM a
), both_sides AS (
    SELECT DISTINCT c.key, c.period FROM c JOIN a ON a.key = c.key AND a.period = c.period
), overlap AS (
    SELECT cp.key, cp.period, CASE WHEN cp.p < ap.p THEN cp.p ELSE ap.p END AS m
    FROM cp JOIN ap ON ap.key = cp.key AND ap.period = cp.period AND ap.industry = cp.industry
)
SELECT b.key, b.period, 100.0 * coalesce(sum(o.m), 0) AS value
FROM both_sides b LEFT JOIN overlap o ON o.key = b.key AND o.period = b.period
GROUP BY 1, 2
"""

# 法律依据适用率: provisions cited by the period's decisions that belong to the bases of the
# agency's powers / all provisions of those bases.
LEGAL_BASIS = """
WITH bases AS (
    SELECT DISTINCT {dim:-} AS key, period, citation FROM m_power_basis
), cited AS (
    SELECT DISTINCT {dim:decided_on} AS key, {period:decided_on} AS period, citation
    FROM f_decision_basis WHERE {period:decided_on} IS NOT NULL
)
SELECT b.key, b.period, 100.0 * count(c.citation) / count(*) AS value
FROM bases b LEFT JOIN cited c ON c.key = b.key AND c.period = b.period AND c.citation = b.citation
GROUP BY 1, 2
"""

# 重复检查: distinct entities this key inspected in the period that another agency inspected
# within 30 days before or after (`repeated` is prepared by the engine over every agency's
# inspections with window functions, see engine._repeated_sql).
REPEATED = "SELECT key, period, CAST(repeated AS DOUBLE) AS value FROM e_stats"

REVIEWS = count_of("f_review", "concluded_on")
CORRECTED = count_of("f_review", "concluded_on", "n_corrected")

FINES = """
SELECT {dim:decided_on} AS key, {period:decided_on} AS period, sum(fines) AS value
FROM f_decision WHERE {period:decided_on} IS NOT NULL GROUP BY 1, 2
"""
FINED = count_of("f_decision", "decided_on", "n_fined")

ENTITIES = "SELECT key, period, CAST(entities AS DOUBLE) AS value FROM m_entity_scope"

# Inspections / distinct identified entities (`e_stats`, see engine._prepare_entity_stats).
FREQUENCY = "SELECT key, period, n * 1.0 / NULLIF(entities, 0) AS value FROM e_stats"

CERTIFIED = "SELECT {dim:-} AS key, period, CAST(count(*) AS DOUBLE) AS value FROM m_officer WHERE certified GROUP BY 1, 2"

# --- 执法监督 (the relational DB's clues, dispositions and review rounds) ---------------------
CLUES_RAISED = count_of("s_clue", "raised_on", "1")
CLUES_MARKED = count_of("s_clue", "raised_on", "CASE WHEN verdict IS NOT NULL THEN 1 ELSE 0 END")
CLUES_TRUE = count_of("s_clue", "raised_on", "CASE WHEN verdict = 'true_positive' THEN 1 ELSE 0 END")
CLUES_CLOSED = count_of("s_closed", "closed_on", "1")
NOTICES = count_of("s_notice", "issued_on", "1")
# Rectifications whose deadline fell in the period and has passed: accepted reports submitted by
# the deadline / all of them (open, overdue and late ones count as not on time).
RECTIFIED_ON_TIME = """
SELECT {dim:due_on} AS key, {period:due_on} AS period,
       100.0 * sum(CASE WHEN on_time THEN 1 ELSE 0 END) / count(*) AS value
FROM s_rectification WHERE {period:due_on} IS NOT NULL AND due_on < {as_of} GROUP BY 1, 2
"""
# Per agency its average; per region or in total the plain mean of the agencies' averages.
REVIEW_SCORE = "SELECT {dim:-} AS key, period, avg(score) AS value FROM s_review GROUP BY 1, 2"


def _indicators() -> tuple[Indicator, ...]:
    acts = Drill(ACTS_DRILL)
    return (
        # --- 职权履行 ------------------------------------------------------------------------
        Indicator(
            "powers_held",
            "职权总数",
            "执法主体权责清单中处于有效状态的职权项数（以期末主数据快照为准）。",
            "项",
            None,
            POWERS_HELD,
            ORG_DIMS,
            None,
            True,
            "职权履行",
            "count(DISTINCT 有效职权)",
        ),
        Indicator(
            "powers_exercised",
            "履行职权数",
            "期内至少实施过一次执法行为（检查、处罚决定、许可、强制）的本单位所持职权项数。",
            "项",
            True,
            POWERS_EXERCISED,
            NO_POWER,
            acts,
            True,
            "职权履行",
            "count(DISTINCT 期内有执法行为的所持职权)",
        ),
        Indicator(
            "exercise_rate",
            "职权履行率",
            "履行职权数占职权总数的百分比。",
            "%",
            True,
            ratio(POWERS_EXERCISED, POWERS_HELD, 100.0),
            ORG_DIMS,
            acts,
            False,
            "职权履行",
            "履行职权数 / 职权总数 × 100",
        ),
        Indicator(
            "balance",
            "履职均衡度",
            "执法行为在所持职权间分布的归一化信息熵：1 表示各项职权使用均衡，0 表示集中于一项。",
            "",
            True,
            BALANCE,
            ORG_DIMS,
            acts,
            False,
            "职权履行",
            "−Σ pᵢ·ln pᵢ / ln N，pᵢ = 第 i 项职权的执法行为占比，N = 职权总数（N ≤ 1 时无值）",
        ),
        # --- 执法活动量 ----------------------------------------------------------------------
        Indicator(
            "acts",
            "执法行为总数",
            "期内行政检查、行政处罚决定、行政许可、行政强制的件数合计。",
            "件",
            None,
            ACTS_COUNT,
            FACT_DIMS,
            acts,
            True,
            "活动量",
            "检查 + 处罚决定 + 许可 + 强制",
        ),
        Indicator(
            "penalties",
            "行政处罚决定数",
            "期内作出的行政处罚决定书件数（按决定日期）。",
            "件",
            None,
            count_of("f_decision", "decided_on"),
            FACT_DIMS,
            Drill((("decision", "decided_on"),)),
            True,
            "活动量",
            "count(处罚决定)",
        ),
        Indicator(
            "cases_filed",
            "立案数",
            "期内立案的行政处罚案件数（按立案日期）。",
            "件",
            None,
            CASES_FILED,
            FACT_DIMS,
            Drill((("case", "filed_on"),)),
            True,
            "活动量",
            "count(案件)",
        ),
        Indicator(
            "licences",
            "行政许可数",
            "期内作出的行政许可件数（按发证日期）。",
            "件",
            None,
            count_of("f_licence", "issued_on"),
            FACT_DIMS,
            Drill((("licence", "issued_on"),)),
            True,
            "活动量",
            "count(许可)",
        ),
        Indicator(
            "inspections",
            "行政检查数",
            "期内开展的行政检查次数（按检查开始日期）。",
            "次",
            None,
            INSPECTIONS,
            FACT_DIMS,
            Drill((("inspection", "started_at"),)),
            True,
            "活动量",
            "count(检查)",
        ),
        Indicator(
            "coercive_measures",
            "行政强制措施数",
            "期内实施的行政强制措施件数（查封、扣押、冻结等，不含强制执行）。",
            "件",
            None,
            count_of("f_coercion", "started_on", "n_measure"),
            FACT_DIMS,
            Drill((("coercion", "started_on"),), "category = 'measure'"),
            True,
            "活动量",
            "count(强制措施)",
        ),
        Indicator(
            "enterprise_inspections",
            "涉企检查数",
            "期内对企业（单位）开展的行政检查次数。",
            "次",
            None,
            count_of("f_inspection", "started_on", "n_enterprise"),
            FACT_DIMS,
            Drill((("inspection", "started_at"),), "entity_kind = 'enterprise'"),
            True,
            "活动量",
            "count(检查 WHERE 相对人为单位)",
        ),
        # --- 执法队伍 ------------------------------------------------------------------------
        Indicator(
            "officers",
            "执法人员数",
            "在岗执法人员人数（以期末主数据快照为准）。",
            "人",
            None,
            OFFICERS,
            MASTER_DIMS,
            None,
            True,
            "执法队伍",
            "count(在岗人员)",
        ),
        Indicator(
            "certified_share",
            "持证率",
            "在岗执法人员中持有期末有效执法证件者的百分比。",
            "%",
            True,
            ratio(CERTIFIED, OFFICERS, 100.0),
            MASTER_DIMS,
            None,
            False,
            "执法队伍",
            "持有效证件的在岗人员 / 在岗人员 × 100",
        ),
        Indicator(
            "acts_per_officer",
            "人均执法量",
            "执法行为总数除以在岗执法人员数。",
            "件/人",
            None,
            ratio(ACTS_COUNT, OFFICERS),
            MASTER_DIMS,
            acts,
            False,
            "执法队伍",
            "执法行为总数 / 执法人员数",
        ),
        Indicator(
            "inspections_per_officer",
            "人均检查量",
            "行政检查数除以在岗执法人员数。",
            "次/人",
            None,
            ratio(INSPECTIONS, OFFICERS),
            MASTER_DIMS,
            Drill((("inspection", "started_at"),)),
            False,
            "执法队伍",
            "行政检查数 / 执法人员数",
        ),
        Indicator(
            "cases_per_officer",
            "人均办案量",
            "立案数除以在岗执法人员数。",
            "件/人",
            None,
            ratio(CASES_FILED, OFFICERS),
            MASTER_DIMS,
            Drill((("case", "filed_on"),)),
            False,
            "执法队伍",
            "立案数 / 执法人员数",
        ),
        # --- 强度与频度 ----------------------------------------------------------------------
        Indicator(
            "intensity",
            "执法强度",
            "每千户行政相对人（执法主体辖区内登记的企业和个人）承受的执法行为数。",
            "件/千户",
            None,
            ratio(ACTS_COUNT, ENTITIES, 1000.0),
            MASTER_DIMS,
            acts,
            False,
            "强度与频度",
            "执法行为总数 / 辖区行政相对人数 × 1000",
        ),
        Indicator(
            "frequency",
            "执法频度",
            "被检查对象平均被检查的次数。",
            "次/户",
            False,
            FREQUENCY,
            FACT_DIMS,
            Drill((("inspection", "started_at"),)),
            False,
            "强度与频度",
            "行政检查数 / count(DISTINCT 被检查对象)",
        ),
        Indicator(
            "repeated_inspections",
            "多头重复检查对象数",
            "期内本单位检查过、且另一执法主体在前后 30 日内也检查过的对象数。",
            "户",
            False,
            REPEATED,
            FACT_DIMS,
            Drill((("inspection", "started_at"),)),
            True,
            "强度与频度",
            "count(DISTINCT 对象 e：另一主体检查 e 的日期与本次相差 ≤ 30 日)",
        ),
        # --- 效率 ----------------------------------------------------------------------------
        Indicator(
            "median_decision_days",
            "立案至决定天数（中位数）",
            "期内作出决定的案件从立案到决定的日历天数中位数。",
            "天",
            False,
            MEDIAN_DAYS,
            FACT_DIMS,
            Drill((("case", "decided_on"),)),
            False,
            "履职效率",
            "median(decided_on − filed_on)",
        ),
        Indicator(
            "on_time_rate",
            "按期办结率",
            "普通程序案件中办案期限（立案后 90 日，经批准延长的加 30 日）届满于期内且已届满者，按期作出决定的百分比；"
            "逾期仍未决定的案件计为逾期。",
            "%",
            True,
            ON_TIME,
            FACT_DIMS,
            Drill((("case", "filed_on"),)),
            False,
            "履职效率",
            "count(决定日 ≤ 期限) / count(期限届满于期内的案件) × 100",
        ),
        # --- 投诉与执法 ----------------------------------------------------------------------
        Indicator(
            "complaints",
            "投诉举报件数",
            "期内转办至本单位的 12345 投诉举报工单数。",
            "件",
            None,
            COMPLAINTS,
            NO_POWER,
            Drill((("complaint", "received_at"),)),
            True,
            "投诉与执法",
            "count(转办工单)",
        ),
        Indicator(
            "complaint_conversion",
            "举报案件立案查处率",
            "期内转办至本单位的工单中，引发行政检查或立案的百分比（按工单号关联）。",
            "%",
            True,
            ratio(CONVERTED, COMPLAINTS, 100.0),
            NO_POWER,
            Drill((("complaint", "received_at"),)),
            False,
            "投诉与执法",
            "引发检查或案件的工单 / 转办工单 × 100",
        ),
        Indicator(
            "alignment",
            "投诉执法吻合度",
            "投诉举报与执法行为（检查、处罚决定）在对象所属行业（GB/T 4754 门类）上的分布重合程度：Σ min(投诉占比, 执法占比)。",
            "%",
            True,
            ALIGNMENT,
            NO_POWER_DOMAIN,
            Drill((("complaint", "received_at"),)),
            False,
            "投诉与执法",
            "Σᵢ min(pᵢ, qᵢ) × 100，pᵢ/qᵢ = 行业 i 的投诉/执法占比",
        ),
        # --- 规范性 --------------------------------------------------------------------------
        Indicator(
            "legal_basis_usage",
            "法律依据适用率",
            "本单位所持职权的法律依据条款中，期内处罚决定实际援引过的百分比。",
            "%",
            True,
            LEGAL_BASIS,
            MASTER_DIMS,
            Drill((("decision", "decided_on"),)),
            False,
            "规范性",
            "count(被援引的职权依据条款) / count(职权依据条款) × 100",
        ),
        Indicator(
            "correction_rate",
            "复议诉讼纠错率",
            "期内审结的行政复议和行政诉讼中，被变更、撤销、确认违法或无效、责令履行的百分比。",
            "%",
            False,
            ratio(CORRECTED, REVIEWS, 100.0),
            FACT_DIMS,
            Drill((("review", "concluded_on"),)),
            False,
            "规范性",
            "纠错结案数 / 审结数 × 100",
        ),
        # --- 罚没 ----------------------------------------------------------------------------
        Indicator(
            "fines_total",
            "罚款总额",
            "期内处罚决定的罚款金额合计。",
            "元",
            None,
            FINES,
            FACT_DIMS,
            Drill((("decision", "decided_on"),)),
            True,
            "罚没",
            "Σ fine_amount",
        ),
        Indicator(
            "fine_per_case",
            "案均罚款",
            "期内罚款金额合计除以处以罚款的处罚决定数。",
            "元/件",
            None,
            ratio(FINES, FINED),
            FACT_DIMS,
            Drill((("decision", "decided_on"),), "fine_amount > 0"),
            False,
            "罚没",
            "Σ fine_amount / count(罚款 > 0 的决定)",
        ),
        # --- 执法监督 ------------------------------------------------------------------------
        Indicator(
            "clues_raised",
            "问题线索数",
            "期内问题发现模型针对本单位发现的监督线索数（按发现日期）。",
            "条",
            None,
            CLUES_RAISED,
            NO_POWER_DOMAIN,
            Drill((), relation="s_clue"),
            True,
            "执法监督",
            "count(线索)，raised_at 在期内",
            relational=True,
        ),
        Indicator(
            "clues_confirmed_rate",
            "线索属实率",
            "期内发现的线索中，已标记核实结论的线索里标记为属实的百分比。",
            "%",
            None,
            ratio(CLUES_TRUE, CLUES_MARKED, 100.0),
            NO_POWER_DOMAIN,
            Drill((), "verdict IS NOT NULL", relation="s_clue"),
            False,
            "执法监督",
            "count(属实) / count(已标记属实或误报) × 100，线索按发现日期归期",
            relational=True,
        ),
        Indicator(
            "clues_closed",
            "线索办结数",
            "期内办结的线索处置数（按办结日期，含核查不实、预警确认和监督决定后办结）。",
            "件",
            None,
            CLUES_CLOSED,
            NO_POWER_DOMAIN,
            Drill((), relation="s_closed"),
            True,
            "执法监督",
            "count(处置)，closed_on 在期内",
            relational=True,
        ),
        Indicator(
            "supervision_notices",
            "监督通知/意见书数",
            "期内向本单位制发的行政执法监督通知书和监督意见书数（按制发日期；不含预警和监督决定书）。",
            "份",
            None,
            NOTICES,
            NO_POWER_DOMAIN,
            Drill((), relation="s_notice"),
            True,
            "执法监督",
            "count(issue_notice 步骤)，done_on 在期内",
            relational=True,
        ),
        Indicator(
            "rectification_on_time_rate",
            "按期整改率",
            "整改期限在期内且已届满的整改中，在期限内提交整改报告并经验收通过的百分比；"
            "逾期、验收不通过后逾期重报、尚未验收的均不计为按期。",
            "%",
            True,
            RECTIFIED_ON_TIME,
            NO_POWER_DOMAIN,
            Drill((), relation="s_rectification"),
            False,
            "执法监督",
            "count(被验收的报告提交日 ≤ 通知期限) / count(期限在期内且已届满的整改) × 100",
            relational=True,
        ),
        Indicator(
            "review_score",
            "案卷评查平均分",
            "评查期间在本期内、已结束的案卷评查轮次中，本单位被抽查案卷的平均得分（满分 100）；"
            "按区划或合计时为各单位平均分的算术平均。",
            "分",
            True,
            REVIEW_SCORE,
            MASTER_DIMS,
            None,
            False,
            "执法监督",
            "review.queries.agency_scores(期间)[单位]；区划/合计：mean(各单位平均分)",
            relational=True,
        ),
    )


CATALOGUE: tuple[Indicator, ...] = _indicators()
BY_SLUG: dict[str, Indicator] = {indicator.slug: indicator for indicator in CATALOGUE}
