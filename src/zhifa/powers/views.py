"""Powers-list pages. Thin: read through `restrict`, write through `zhifa.powers.actions`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.scope import can
from zhifa.core.web import (
    changeable_get,
    login_required,
    may_change,
    object_history,
    paginate,
    raise_http,
    render_form,
    render_list,
    submit,
    visible,
    visible_get,
)
from zhifa.powers import actions
from zhifa.powers.discretion import Facts
from zhifa.powers.forms import ChecklistForm, PowerFilterForm, PowerForm, RevokeForm, TransferForm
from zhifa.powers.models import (
    Checklist,
    DiscretionBenchmark,
    NoPenaltyRule,
    Power,
    PowerKind,
    PowerStatus,
    PowerTransfer,
    RangeKind,
    Tier,
)
from zhifa.powers.versions import diff_snapshots
from zhifa.registry.models import Agency

TIER_ROWS = 8


def _powers(request: HttpRequest) -> QuerySet[Power]:
    return visible(request, Power).select_related("holder", "domain")


def _agencies(request: HttpRequest) -> QuerySet[Agency]:
    return Agency.objects.restrict(request.user).order_by("region_id", "name")


@login_required
def power_list(request: HttpRequest) -> HttpResponse:
    form = PowerFilterForm(request.GET, agencies=_agencies(request))
    page = paginate(
        request, form.apply(_powers(request)).prefetch_related("bases").order_by("holder_id", "code")
    )
    user = request.user
    context = {
        "form": form,
        "page": page,
        "can_add": can(user, Power, roles.ADD),
        "can_transfer": can(user, PowerTransfer, roles.ADD),
    }
    return render_list(request, "powers/power_list.html", "powers/_power_table.html", context)


def _benchmark(power: Power) -> DiscretionBenchmark | None:
    return actions.current_benchmark(power)


@login_required
def power_detail(request: HttpRequest, code: str) -> HttpResponse:
    power = visible_get(_powers(request), code=code)
    user = request.user
    bases = power.bases.select_related("article__version__law")
    checklists = (
        Checklist.objects.restrict(user).filter(power=power).select_related("agency")
        if can(user, Checklist, roles.VIEW)
        else []
    )
    rule = (
        NoPenaltyRule.objects.restrict(user).filter(power=power).first()
        if can(user, NoPenaltyRule, roles.VIEW)
        else None
    )
    benchmark = _benchmark(power) if can(user, DiscretionBenchmark, roles.VIEW) else None
    evaluation, facts = None, None
    if "evaluate" in request.GET and power.kind == PowerKind.PENALTY:
        facts = _facts(request)
        evaluation = actions.evaluate_power(power, facts)
    changeable = may_change(user, power)
    return render(
        request,
        "powers/power_detail.html",
        {
            "power": power,
            "bases": bases,
            "ranges": actions.statutory_ranges(power),
            "benchmark": benchmark,
            "tiers": list(benchmark.tiers.all()) if benchmark else [],
            "rule": rule,
            "checklists": checklists,
            "can_change": changeable and power.status != PowerStatus.REVOKED,
            "can_benchmark": changeable
            and power.kind == PowerKind.PENALTY
            and can(user, DiscretionBenchmark, roles.ADD),
            "evaluation": evaluation,
            "facts": facts,
            "history": object_history(power),
        },
    )


def _facts(request: HttpRequest) -> Facts:
    try:
        base = Decimal(request.GET["base_amount"]) if request.GET.get("base_amount") else None
    except InvalidOperation:
        base = None
    return Facts(
        circumstance=request.GET.get("circumstance", ""),
        base_amount=base,
        party_kind=request.GET.get("party_kind", "organisation"),
        first_violation=bool(request.GET.get("first_violation")),
        minor_harm=bool(request.GET.get("minor_harm")),
        corrected=bool(request.GET.get("corrected")),
    )


@login_required
def power_versions(request: HttpRequest, code: str) -> HttpResponse:
    power = visible_get(_powers(request), code=code)
    versions = list(power.versions.order_by("version"))
    numbers = [v.version for v in versions]

    def pick(name: str, default: int) -> int:
        try:
            value = int(request.GET.get(name, default))
        except ValueError:
            value = default
        return value if value in numbers else default

    b = pick("b", numbers[-1]) if numbers else 0
    a = pick("a", max(numbers[0], b - 1)) if numbers else 0
    by_number = {v.version: v for v in versions}
    diff = diff_snapshots(by_number[a].snapshot, by_number[b].snapshot) if numbers else []
    return render(
        request,
        "powers/power_versions.html",
        {
            "power": power,
            "versions": versions,
            "a": a,
            "b": b,
            "diff": diff,
            "left": by_number.get(a),
            "right": by_number.get(b),
        },
    )


@login_required
def power_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Power, roles.ADD):
        raise PermissionDenied
    form = PowerForm(request.POST or None, agencies=_agencies(request))
    power = submit(request, form, lambda: actions.do_add_power(request.user, form.to_input()))
    if power is not None:
        messages.success(request, _("职权已新增"))
        return redirect("powers:power_detail", code=power.code)
    return render_form(request, form, {"title": _("新增职权"), "cancel_url": reverse("powers:power_list")})


@login_required
def power_edit(request: HttpRequest, code: str) -> HttpResponse:
    power = changeable_get(request, Power, code=code)
    form = PowerForm(
        request.POST or None, initial=PowerForm.initial_from(power), agencies=_agencies(request), editing=True
    )
    saved = submit(
        request,
        form,
        lambda: actions.do_change_power(
            request.user, power.code, form.to_input(power), form.cleaned_data["reason"]
        ),
    )
    if saved is not None:
        messages.success(request, _("职权已保存为第 %(v)s 版") % {"v": saved.version})
        return redirect("powers:power_detail", code=power.code)
    title = _("修改职权：%(name)s") % {"name": power.name}
    return render_form(
        request, form, {"title": title, "cancel_url": reverse("powers:power_detail", args=[power.code])}
    )


@login_required
def power_revoke(request: HttpRequest, code: str) -> HttpResponse:
    power = changeable_get(request, Power, code=code)
    form = RevokeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: actions.do_revoke_power(
            request.user, power.code, form.cleaned_data["reason"], form.cleaned_data["effective_date"]
        ),
    )
    if done is not None:
        messages.success(request, _("职权已取消"))
        return redirect("powers:power_detail", code=power.code)
    title = _("取消职权：%(name)s") % {"name": power.name}
    return render_form(
        request, form, {"title": title, "cancel_url": reverse("powers:power_detail", args=[power.code])}
    )


@login_required
def transfer_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, PowerTransfer, roles.ADD):
        raise PermissionDenied
    powers = (
        Power.objects.restrict(request.user, roles.CHANGE)
        .exclude(status=PowerStatus.REVOKED)
        .select_related("holder")
        .order_by("holder_id", "code")
    )
    if request.GET.get("agency"):
        powers = powers.filter(holder__code=request.GET["agency"])
    form = TransferForm(request.POST or None, powers=powers[:2000], agencies=_agencies(request))
    transfer = submit(
        request,
        form,
        lambda: actions.do_transfer_powers(
            request.user,
            form.cleaned_data["power_codes"],
            form.cleaned_data["to_agency_code"],
            form.cleaned_data["reason"],
            form.cleaned_data["effective_date"],
        ),
    )
    if transfer is not None:
        messages.success(request, _("已划转 %(n)s 项职权") % {"n": transfer.powers.count()})
        return redirect("powers:transfer_list")
    note = _("划转后职权的历史、裁量基准、检查清单随职权一并转移；办理中的案件随职权移交。")
    return render_form(
        request, form, {"title": _("职权划转"), "note": note, "cancel_url": reverse("powers:power_list")}
    )


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = (
        visible(request, PowerTransfer).select_related("from_agency", "to_agency").prefetch_related("powers")
    )
    return render(
        request,
        "powers/transfer_list.html",
        {"page": paginate(request, transfers), "can_add": can(request.user, PowerTransfer, roles.ADD)},
    )


# --- benchmark editor -----------------------------------------------------------------------


def _tier_rows(request: HttpRequest, existing: list[Any]) -> list[dict[str, Any]]:
    if request.method == "POST":
        rows = []
        for i in range(TIER_ROWS):
            row = {
                k: request.POST.get(f"tier-{i}-{k}", "").strip()
                for k in (
                    "tier",
                    "range_kind",
                    "minimum",
                    "maximum",
                    "base",
                    "base_from",
                    "base_below",
                    "circumstances",
                )
            }
            rows.append(row)
        return rows
    rows = [
        {
            "tier": t.tier,
            "range_kind": t.range_kind,
            "minimum": "" if t.minimum is None else f"{t.minimum.normalize():f}",
            "maximum": "" if t.maximum is None else f"{t.maximum.normalize():f}",
            "base": t.base,
            "base_from": "" if t.base_from is None else f"{t.base_from.normalize():f}",
            "base_below": "" if t.base_below is None else f"{t.base_below.normalize():f}",
            "circumstances": t.circumstances,
        }
        for t in existing
    ]
    return rows + [{"tier": "", "range_kind": "fixed"} for _ in range(max(0, TIER_ROWS - len(rows)))]


@login_required
def benchmark_edit(request: HttpRequest, code: str) -> HttpResponse:
    power = changeable_get(request, Power, code=code)
    if not can(request.user, DiscretionBenchmark, roles.ADD):
        raise PermissionDenied
    if power.kind != PowerKind.PENALTY:
        raise Http404
    current = _benchmark(power)
    rows = _tier_rows(request, list(current.tiers.all()) if current else [])
    error: ActionError | None = None
    status = 200
    if request.method == "POST":
        filled = [(i, r) for i, r in enumerate(rows) if r["tier"]]
        tiers = [
            actions.TierInput(
                tier=r["tier"],
                range_kind=r["range_kind"] or RangeKind.FIXED,
                minimum=r["minimum"] or None,
                maximum=r["maximum"] or None,
                base=r["base"],
                base_from=r["base_from"] or None,
                base_below=r["base_below"] or None,
                circumstances=r["circumstances"],
            )
            for _, r in filled
        ]
        try:
            actions.do_set_benchmark(request.user, power.code, tiers, note=request.POST.get("note", ""))
        except ActionError as exc:
            raise_http(exc)
            error, status = exc, 422
            # the action numbers the submitted tiers; map back to the row on the page
            if exc.field and exc.field.startswith("tiers."):
                index = int(exc.field.split(".")[1])
                if index < len(filled):
                    filled[index][1]["error"] = exc.message
        else:
            messages.success(request, _("裁量基准已保存"))
            return redirect("powers:power_detail", code=power.code)
    return render(
        request,
        "powers/benchmark_edit.html",
        {
            "power": power,
            "rows": rows,
            "error": error,
            "ranges": actions.statutory_ranges(power),
            "tier_choices": Tier.choices,
            "range_choices": RangeKind.choices,
            "current": current,
        },
        status=status,
    )


# --- drafts ---------------------------------------------------------------------------------


@login_required
def drafts(request: HttpRequest) -> HttpResponse:
    """The agency admin generates a draft list from the domains' laws, reviews and confirms it."""
    user = request.user
    if not (can(user, Power, roles.ADD) and can(user, Power, roles.CHANGE)):
        raise PermissionDenied
    agencies = _agencies(request)
    agency_code = (
        request.POST.get("agency_code")
        or request.GET.get("agency")
        or (user.agency.code if user.agency else "")
    )
    agency = agencies.filter(code=agency_code).first()
    if request.method == "POST" and agency is not None:
        try:
            if request.POST.get("op") == "generate":
                made = actions.do_generate_draft_powers(user, agency.code)
                messages.success(request, _("已生成 %(n)s 项草稿职权") % {"n": len(made)})
            else:
                codes = request.POST.getlist("power_codes")
                count = actions.do_confirm_draft_powers(user, agency.code, codes or None)
                messages.success(request, _("已确认 %(n)s 项职权") % {"n": count})
        except ActionError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
        return redirect(f"{reverse('powers:drafts')}?agency={agency.code}")
    pending = (
        Power.objects.restrict(user).filter(holder=agency, status=PowerStatus.DRAFT).prefetch_related("bases")
        if agency
        else Power.objects.none()
    )
    return render(
        request,
        "powers/drafts.html",
        {"agencies": agencies, "agency": agency, "page": paginate(request, pending.order_by("code"), 200)},
    )


# --- checklists -----------------------------------------------------------------------------


@login_required
def checklist_list(request: HttpRequest) -> HttpResponse:
    checklists = visible(request, Checklist).select_related("agency", "power").order_by("agency_id", "name")
    return render(
        request,
        "powers/checklist_list.html",
        {"page": paginate(request, checklists), "can_add": can(request.user, Checklist, roles.ADD)},
    )


@login_required
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = visible_get(visible(request, Checklist).select_related("agency", "power"), pk=pk)
    versions = list(checklist.versions.prefetch_related("items__article__version__law"))
    return render(
        request,
        "powers/checklist_detail.html",
        {"checklist": checklist, "versions": versions, "can_change": may_change(request.user, checklist)},
    )


@login_required
def checklist_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    checklist = changeable_get(request, Checklist, pk=pk) if pk else None
    if checklist is None and not can(user, Checklist, roles.ADD):
        raise PermissionDenied
    initial: dict[str, Any] = {"power_code": request.GET.get("power", "")}
    if checklist is not None:
        current = checklist.versions.filter(version=checklist.version).first()
        lines = (
            [f"{i.text} | {i.citation}" if i.citation else i.text for i in current.items.all()]
            if current
            else []
        )
        initial = {
            "name": checklist.name,
            "power_code": checklist.power.code if checklist.power else "",
            "scene": checklist.scene,
            "items": "\n".join(lines),
        }
    form = ChecklistForm(request.POST or None, initial=initial)
    if checklist is not None:
        form.fields["power_code"].disabled = True
    agency_code = checklist.agency.code if checklist else (user.agency.code if user.agency else "")
    saved = submit(
        request,
        form,
        lambda: actions.do_save_checklist(
            user, form.to_input(agency_code), checklist.pk if checklist else None
        ),
    )
    if saved is not None:
        messages.success(request, _("检查清单已保存为第 %(v)s 版") % {"v": saved.version})
        return redirect("powers:checklist_detail", pk=saved.pk)
    title = _("修订检查清单：%(name)s") % {"name": checklist.name} if checklist else _("新增检查清单")
    cancel = (
        reverse("powers:checklist_detail", args=[checklist.pk])
        if checklist
        else reverse("powers:checklist_list")
    )
    return render_form(request, form, {"title": title, "cancel_url": cancel})
