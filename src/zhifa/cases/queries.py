"""Reads shared by the case API and pages."""

from __future__ import annotations

from django.db.models import Q

from zhifa.cases.models import Case, CaseStep
from zhifa.core.models import AuditEntry


def timeline_entries(case: Case) -> list[AuditEntry]:
    """The audit entries of the case and of its steps, in chain order: the full-process record
    of Art. 47, read from the tamper-evident trail rather than from the case's own columns."""
    step_ids = [str(pk) for pk in CaseStep.objects.filter(case=case).values_list("pk", flat=True)]
    return list(
        AuditEntry.objects.filter(
            Q(object_type="cases.case", object_id=str(case.pk))
            | Q(object_type="cases.casestep", object_id__in=step_ids)
        ).order_by("seq")
    )
