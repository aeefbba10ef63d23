"""Disposition page forms: one small form per transition whose cleaned data becomes the body of
`zhifa.supervision.actions.do_transition` (the same body the API passes). The forms only parse;
every rule is the action's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhifa.accounts.models import User
from zhifa.core.roles import Role
from zhifa.evidence.models import EvidenceKind
from zhifa.supervision import config
from zhifa.supervision.actions import UploadedEvidence
from zhifa.supervision.models import Disposition
from zhifa.supervision.procedure import Procedure

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


def _text(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=TEXTAREA)


def problem_text(d: Disposition) -> str:
    return f"{d.clue.title}。{d.clue.detail}".strip()


class StepForm(forms.Form):
    """The step's day (`on`, default today); subclasses add the transition's fields."""

    on = _date(_("办理日期"))

    def __init__(self, *args: Any, disposition: Disposition, **kwargs: Any):
        self.disposition = disposition
        kwargs.setdefault("initial", {}).setdefault("on", dt.date.today())
        super().__init__(*args, **kwargs)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, User):
                value = value.pk
            body[name] = value
        return body


class TriageForm(StepForm):
    procedure = forms.ChoiceField(label=_("处置程序"), choices=Procedure.choices)
    assignee_id = forms.ModelChoiceField(
        label=_("承办人（默认本人）"), queryset=User.objects.none(), required=False
    )
    note = _text(_("分拣意见"), required=False)

    def __init__(self, *args: Any, disposition: Disposition, **kwargs: Any):
        super().__init__(*args, disposition=disposition, **kwargs)
        codes = [c for c in disposition.region.path.strip("/").split("/") if c]
        self.fields["assignee_id"].queryset = User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, region_id__in=codes
        ).order_by("username")


class NoteForm(StepForm):
    note = _text(_("说明"), required=False)


class WarningForm(StepForm):
    text = _text(_("预警内容"))

    def __init__(self, *args: Any, disposition: Disposition, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("text", problem_text(disposition))
        super().__init__(*args, disposition=disposition, **kwargs)


class AcknowledgeWarningForm(StepForm):
    text = _text(_("自查及处理情况"))


class NoticeForm(StepForm):
    form = forms.ChoiceField(
        label=_("文书"),
        choices=[
            ("", _("按程序默认")),
            ("notice", _("行政执法监督通知书")),
            ("opinion", _("行政执法监督意见书")),
        ],
        required=False,
    )
    problem = _text(_("发现的问题"))
    requirement = _text(_("整改要求"))
    deadline = _date(_("整改期限（留空按默认天数）"), required=False)
    basis = forms.CharField(label=_("监督依据"), max_length=2000)

    def __init__(self, *args: Any, disposition: Disposition, **kwargs: Any):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("problem", problem_text(disposition))
        initial.setdefault("basis", config.basis_text(disposition.region))
        super().__init__(*args, disposition=disposition, **kwargs)
        days = config.rectification_days(disposition.region)
        self.fields["deadline"].help_text = _("默认自发文之日起 %(days)s 日，遇休息日顺延") % {"days": days}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class ReportForm(StepForm):
    text = _text(_("整改报告"))
    evidence_kind = forms.ChoiceField(
        label=_("证据种类"), choices=EvidenceKind.choices, initial="documentary"
    )
    files = MultipleFileField(label=_("整改证据材料（可多选）"), required=False)

    def body(self) -> dict[str, Any]:
        body = super().body()
        kind = body.pop("evidence_kind", "documentary")
        body["files"] = [
            UploadedEvidence(f, f.name or "", f.content_type or "", title=f.name or "", kind=kind)
            for f in self.cleaned_data.get("files") or []
        ]
        return body


class AcceptForm(StepForm):
    opinion = _text(_("验收意见"), required=False)


class RejectForm(StepForm):
    reason = _text(_("不予通过的理由"))
    deadline = _date(_("新的整改期限"))


class DecisionForm(StepForm):
    reason = _text(_("整改报告不予通过的理由（待验收时必填）"), required=False)
    problem = _text(_("查明的问题"))
    decision = _text(_("监督决定"))
    deadline = _date(_("履行期限（留空按默认天数）"), required=False)
    basis = forms.CharField(label=_("监督依据"), max_length=2000)

    def __init__(self, *args: Any, disposition: Disposition, **kwargs: Any):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("problem", problem_text(disposition))
        initial.setdefault("basis", config.basis_text(disposition.region))
        super().__init__(*args, disposition=disposition, **kwargs)


class CloseForm(StepForm):
    reason = _text(_("办结说明（核查不实时必填）"), required=False)


STEP_FORMS: dict[str, type[StepForm]] = {
    "triage": TriageForm,
    "start_investigation": NoteForm,
    "issue_warning": WarningForm,
    "acknowledge_warning": AcknowledgeWarningForm,
    "issue_notice": NoticeForm,
    "acknowledge_notice": NoteForm,
    "submit_report": ReportForm,
    "accept_rectification": AcceptForm,
    "reject_rectification": RejectForm,
    "issue_decision": DecisionForm,
    "close": CloseForm,
}


def step_form(name: str, disposition: Disposition, data: Any = None, files: Any = None) -> StepForm:
    return STEP_FORMS.get(name, StepForm)(data, files, disposition=disposition, prefix=name)
