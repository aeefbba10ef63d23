"""Roles and what each may do with each kind of record.

The matrix is the single source of permissions; `zhifa.core.scope` combines it with the
record's place (agency, region) to decide visibility. Keep it readable: a reviewer should be
able to check 三员分立 (sysadmin / auditor / business roles separated) by reading this file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("执法人员")
    AGENCY_LEAD = "agency_lead", _("执法机关负责人")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核人员")
    AGENCY_ADMIN = "agency_admin", _("单位管理员")
    SUPERVISOR = "supervisor", _("执法监督人员")
    HOTLINE_OPERATOR = "hotline_operator", _("12345热线话务员")
    AUDITOR = "auditor", _("安全审计员")
    SYSADMIN = "sysadmin", _("系统管理员")


# Roles whose records are those of their own agency.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN})
# Roles whose records are those of every agency in their region and the regions below it.
REGION_ROLES = frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR})

VIEW, ADD, CHANGE = "view", "add", "change"
R, RW, RAW = frozenset({VIEW}), frozenset({VIEW, CHANGE}), frozenset({VIEW, ADD, CHANGE})
NONE: frozenset[str] = frozenset()

REGION = "core.region"
AGENCY = "registry.agency"
OFFICER = "registry.officer"
CERTIFICATE = "registry.certificate"
ENTITY = "registry.entity"
AUDIT = "core.auditentry"
USER = "accounts.user"
# Import runs and their quarantine belong to the installation, not to an agency or region
# (one file may hold many agencies' records): supervisors run and re-process imports, the
# sysadmin reads them for operations, agency roles do not see them.
IMPORT_RUN = "exchange.importrun"
QUARANTINE = "exchange.quarantinedrow"

# Evidence files (证据): the agency's officers and leads add them (and supersede them with a
# corrected file, never replacing bytes); the legal reviewer reads them for review; the justice
# bureau reads them across its region. The agency admin keeps people and lists, not case files.
EVIDENCE = "evidence.evidencefile"

# The law library is public reference data: every business role reads it; it changes only by import.
LAW_LIBRARY = ("laws.law", "laws.lawversion", "laws.article", "laws.penaltyprovision")
_LAWS_READ = dict.fromkeys(LAW_LIBRARY, R)

# The powers list (权责清单): agencies read theirs; the agency admin keeps its own powers,
# benchmarks, no-penalty list and checklists; the justice bureau confirms powers and records
# transfers between agencies (decided above the agency), benchmarks stay the agencies' own.
POWERS_LIST = (
    "powers.power",
    "powers.powertransfer",
    "powers.discretionbenchmark",
    "powers.nopenaltyrule",
    "powers.checklist",
)
_POWERS_READ = dict.fromkeys(POWERS_LIST, R)
_POWERS_KEEP = {**dict.fromkeys(POWERS_LIST, RAW), "powers.powertransfer": R}
_POWERS_CONFIRM = {**_POWERS_READ, "powers.power": RAW, "powers.powertransfer": RAW}
_LAWS_AND_POWERS_READ = {**_LAWS_READ, **_POWERS_READ}

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.OFFICER: {
        REGION: R,
        AGENCY: R,
        OFFICER: R,
        CERTIFICATE: R,
        ENTITY: RAW,
        **_LAWS_AND_POWERS_READ,
        EVIDENCE: RAW,
    },
    Role.AGENCY_LEAD: {
        REGION: R,
        AGENCY: R,
        OFFICER: R,
        CERTIFICATE: R,
        ENTITY: RAW,
        **_LAWS_AND_POWERS_READ,
        EVIDENCE: RAW,
    },
    Role.LEGAL_REVIEWER: {
        REGION: R,
        AGENCY: R,
        OFFICER: R,
        CERTIFICATE: R,
        ENTITY: R,
        **_LAWS_AND_POWERS_READ,
        EVIDENCE: R,
    },
    Role.AGENCY_ADMIN: {
        REGION: R,
        AGENCY: RW,
        OFFICER: RAW,
        CERTIFICATE: RAW,
        ENTITY: RAW,
        **_LAWS_READ,
        **_POWERS_KEEP,
    },
    # The justice bureau confirms enforcement bodies and issues enforcement certificates.
    Role.SUPERVISOR: {
        REGION: R,
        AGENCY: RAW,
        OFFICER: R,
        CERTIFICATE: RAW,
        ENTITY: R,
        **_LAWS_READ,
        **_POWERS_CONFIRM,
        IMPORT_RUN: RAW,
        QUARANTINE: RW,
        EVIDENCE: R,
    },
    Role.HOTLINE_OPERATOR: {REGION: R, AGENCY: R, ENTITY: R, **_LAWS_AND_POWERS_READ},
    # 三员分立: the auditor reads the audit trail and nothing else ...
    Role.AUDITOR: {AUDIT: R},
    # ... and the system administrator manages accounts and reference data (division codes)
    # but never sees the audit trail.
    Role.SYSADMIN: {REGION: RAW, AGENCY: R, USER: RAW, IMPORT_RUN: R, QUARANTINE: R},
}

# Rule parameters (zhifa.rules): public reference data every business role reads; supervisors
# (the justice bureau) and sysadmins set the configurable ones for their region subtree.
RULE_SETTING = "rules.rulesetting"
for _role in PERMISSIONS:
    if _role != Role.AUDITOR:
        PERMISSIONS[_role][RULE_SETTING] = RAW if _role in (Role.SUPERVISOR, Role.SYSADMIN) else R

# Who may see personal identifiers (ID numbers, phones) unmasked.
SEES_ENTITY_PERSONAL_IDS = frozenset({Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN})
SEES_OFFICER_PERSONAL_IDS = frozenset({Role.AGENCY_ADMIN})

# Enforcement documents (执法文书, zhifa.documents): officers and leads draft and issue them (an
# issued document never changes; a correction is a new document, hence add, never change); the
# legal reviewer and the agency admin read their agency's, the justice bureau its region's.
DOCUMENT = "documents.issueddocument"
for _role, _rights in {
    Role.OFFICER: frozenset({VIEW, ADD}),
    Role.AGENCY_LEAD: frozenset({VIEW, ADD}),
    Role.LEGAL_REVIEWER: R,
    Role.AGENCY_ADMIN: R,
    Role.SUPERVISOR: R,
}.items():
    PERMISSIONS[_role][DOCUMENT] = _rights

# Published penalty decisions (执法公示, zhifa.disclosure): officers and leads publish, withdraw and
# republish their agency's decisions; the legal reviewer and the agency admin read them; the justice
# bureau reads its region's (it monitors late withdrawals). The public feed needs no role at all.
DISCLOSURE = "disclosure.disclosure"
for _role, _rights in {
    Role.OFFICER: RAW,
    Role.AGENCY_LEAD: RAW,
    Role.LEGAL_REVIEWER: R,
    Role.AGENCY_ADMIN: R,
    Role.SUPERVISOR: R,
}.items():
    PERMISSIONS[_role][DISCLOSURE] = _rights

# Penalty cases (行政处罚案件, zhifa.cases): officers and leads file and handle their agency's cases;
# the legal reviewer reads them and records the review (change); the agency admin reads them; the
# justice bureau reads its region's. Parties, case officers and steps go with their case.
CASE_MODELS = ("cases.case", "cases.party", "cases.caseofficer", "cases.casestep")
for _role, _rights in {
    Role.OFFICER: RAW,
    Role.AGENCY_LEAD: RAW,
    Role.LEGAL_REVIEWER: RW,
    Role.AGENCY_ADMIN: R,
    Role.SUPERVISOR: R,
}.items():
    for _label in CASE_MODELS:
        PERMISSIONS[_role][_label] = _rights


def allowed(role: str | None, model_label: str, action: str) -> bool:
    if not role:
        return False
    return action in PERMISSIONS.get(role, {}).get(model_label, NONE)


# Indicators (执法监督指标, zhifa.indicators): agency roles read their own agency's values, the
# justice bureau those of its region subtree's agencies; the slice is applied by the engine.
INDICATOR = "indicators.indicatorvalue"
for _role in (Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN, Role.SUPERVISOR):
    PERMISSIONS[_role][INDICATOR] = R

# Clues (监督线索, zhifa.clues): the justice bureau reads its region's clues and marks them true or
# false positive (change), runs the models and sets regional model parameters; agency roles read
# their own agency's clues. Runs belong to the installation: supervisors and the sysadmin start them.
CLUE = "clues.clue"
CLUE_RUN = "clues.cluerun"
CLUE_MODEL_VERSION = "clues.cluemodelversion"
CLUE_PARAMETER = "clues.clueparametersetting"
for _role in (Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN):
    PERMISSIONS[_role].update({CLUE: R, CLUE_MODEL_VERSION: R, CLUE_PARAMETER: R})
PERMISSIONS[Role.SUPERVISOR].update({CLUE: RW, CLUE_RUN: RAW, CLUE_MODEL_VERSION: R, CLUE_PARAMETER: RAW})
PERMISSIONS[Role.SYSADMIN].update({CLUE_RUN: RAW})

# Disposition of clues (线索处置, zhifa.supervision): the justice bureau opens, triages and handles
# its region's dispositions (notices, verification, decisions); the agency lead and the agency admin
# answer for their agency (acknowledge, rectification report), officers and the legal reviewer read
# their agency's. `supervision.inbox` is the agency's 整改 inbox page (no model of its own).
DISPOSITION_MODELS = ("supervision.disposition", "supervision.dispositionstep")
for _role, _rights in {
    Role.SUPERVISOR: RAW,
    Role.AGENCY_LEAD: RW,
    Role.AGENCY_ADMIN: RW,
    Role.OFFICER: R,
    Role.LEGAL_REVIEWER: R,
}.items():
    for _label in DISPOSITION_MODELS:
        PERMISSIONS[_role][_label] = _rights
for _role in (Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN):
    PERMISSIONS[_role]["supervision.inbox"] = R

# Case-file review (案卷评查, zhifa.review): the justice bureau creates rounds in its region, draws,
# scores and closes them; agency roles read their own cases' results once the round is closed.
REVIEW_MODELS = ("review.reviewround", "review.reviewcase", "review.itemscore")
_REVIEW_READ = {"review.reviewcase": R, "review.itemscore": R, "review.rubric": R, "review.rubricitem": R}
_REVIEW_RUN = {**dict.fromkeys(REVIEW_MODELS, RAW), "review.rubric": RAW}
PERMISSIONS[Role.SUPERVISOR].update({**_REVIEW_READ, **_REVIEW_RUN})
for _role in AGENCY_ROLES:
    PERMISSIONS[_role].update(_REVIEW_READ)

# Efficiency evaluation (效能评价, zhifa.evaluation): the justice bureau publishes schemes and
# evaluates its region's agencies; agency roles read their own agency's results.
_EVALUATION_RUN = {"evaluation.scheme": RAW, "evaluation.evaluation": RAW, "evaluation.evaluationresult": R}
PERMISSIONS[Role.SUPERVISOR].update(_EVALUATION_RUN)
for _role in AGENCY_ROLES:
    PERMISSIONS[_role].update({"evaluation.scheme": R, "evaluation.evaluationresult": R})
