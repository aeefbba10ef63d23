"""Reads shared by the supervision API and pages: the timeline from the audit trail and the
documents of a disposition (which both sides may open through the disposition)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from zhifa.core.models import AuditEntry
from zhifa.documents.models import IssuedDocument
from zhifa.supervision.actions import documents_of
from zhifa.supervision.models import Disposition, DispositionStep
from zhifa.supervision.procedure import BY_NAME

OTHER_LABELS = {
    "disposition_open": "受理线索",
    "escalate": "整改逾期升级",
}


def timeline_entries(d: Disposition) -> list[AuditEntry]:
    """The audit entries of the disposition, its steps, the evidence of its reports and the
    documents issued for it, in chain order."""
    steps = list(DispositionStep.objects.filter(disposition=d))
    step_ids = [str(s.pk) for s in steps]
    evidence_ids = [
        str(e["id"]) for s in steps if s.code == "submit_report" for e in s.data.get("evidence", [])
    ]
    document_ids = [str(pk) for pk in documents_of(d)]
    return list(
        AuditEntry.objects.filter(
            Q(object_type="supervision.disposition", object_id=str(d.pk))
            | Q(object_type="supervision.dispositionstep", object_id__in=step_ids)
            | Q(object_type="evidence.evidencefile", object_id__in=evidence_ids)
            | Q(object_type="documents.issueddocument", object_id__in=document_ids)
        ).order_by("seq")
    )


def timeline(d: Disposition) -> list[dict[str, Any]]:
    """The timeline with Chinese labels; a step's own entry repeats its transition's, so it is
    left out."""
    result = []
    for entry in timeline_entries(d):
        if entry.object_type == "supervision.dispositionstep":
            continue
        if entry.object_type == "evidence.evidencefile":
            label = "上传整改证据"
        elif entry.object_type == "documents.issueddocument":
            label = "签发文书"
        else:
            name = entry.action.removeprefix("supervision.")
            transition = BY_NAME.get(name)
            label = transition.label if transition else OTHER_LABELS.get(name, entry.action)
        result.append(
            {
                "seq": entry.seq,
                "occurred_at": entry.occurred_at,
                "action": entry.action,
                "label": label,
                "actor": entry.actor_username,
                "actor_role": entry.actor_role,
                "outcome": entry.outcome,
            }
        )
    return result


def documents(d: Disposition) -> list[IssuedDocument]:
    """The documents of the disposition. Read through the disposition (already scoped): the
    documents belong to the supervising body, and the agency they address may read them here."""
    ids = documents_of(d)
    by_id = {doc.pk: doc for doc in IssuedDocument.objects.filter(pk__in=ids, case_ref=d.number)}
    return [by_id[pk] for pk in ids if pk in by_id]
