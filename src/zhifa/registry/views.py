"""Registry pages. Thin: read through `restrict`, write through `zhifa.registry.actions`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhifa.core import roles
from zhifa.core.models import Region
from zhifa.core.scope import can
from zhifa.core.web import (
    changeable_get,
    login_required,
    may_change,
    object_history,
    paginate,
    render_form,
    render_list,
    submit,
    visible,
    visible_get,
)
from zhifa.registry import actions
from zhifa.registry.forms import (
    AgencyFilterForm,
    AgencyForm,
    CertificateFilterForm,
    CertificateIssueForm,
    CertificateRenewForm,
    CertificateStatusForm,
    EntityFilterForm,
    EntityForm,
    OfficerFilterForm,
    OfficerForm,
    region_options,
)
from zhifa.registry.models import Agency, Certificate, CertificateEvent, Entity, Officer


def _today() -> dt.date:
    return dt.date.today()


# --- agencies -------------------------------------------------------------------------------


def _agencies(request: HttpRequest) -> QuerySet[Agency]:
    return visible(request, Agency).select_related("region", "supervising_agency").prefetch_related("domains")


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    form = AgencyFilterForm(request.GET)
    page = paginate(request, form.apply(_agencies(request)))
    context = {"form": form, "page": page, "can_add": can(request.user, Agency, roles.ADD)}
    return render_list(request, "registry/agency_list.html", "registry/_agency_table.html", context)


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = visible_get(_agencies(request), pk=pk)
    sees_officers = can(request.user, Officer, roles.VIEW)
    officer_count = (
        Officer.objects.restrict(request.user).filter(agency=agency).count() if sees_officers else None
    )
    return render(
        request,
        "registry/agency_detail.html",
        {
            "agency": agency,
            "sees_officers": sees_officers,
            "officer_count": officer_count,
            "can_change": may_change(request.user, agency),
            "history": object_history(agency),
        },
    )


@login_required
def agency_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Agency, roles.ADD):
        raise PermissionDenied
    form = AgencyForm(request.POST or None)
    agency = submit(request, form, lambda: actions.do_create_agency(request.user, form.to_input()))
    if agency is not None:
        messages.success(request, _("执法主体已登记"))
        return redirect("registry:agency_detail", pk=agency.pk)
    return render_form(
        request, form, {"title": _("新增执法主体"), "cancel_url": reverse("registry:agency_list")}
    )


@login_required
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = changeable_get(request, Agency, pk=pk)
    locked = request.user.role in roles.AGENCY_ROLES
    form = AgencyForm(request.POST or None, initial=AgencyForm.initial_from(agency), locked=locked)
    saved = submit(
        request, form, lambda: actions.do_update_agency(request.user, agency.code, form.to_input())
    )
    if saved is not None:
        messages.success(request, _("执法主体已保存"))
        return redirect("registry:agency_detail", pk=agency.pk)
    title = _("修改执法主体：%(name)s") % {"name": agency.name}
    note = _("单位管理员只能修改简称、地址和联系电话；其他信息由司法行政部门维护。") if locked else ""
    cancel = reverse("registry:agency_detail", args=[agency.pk])
    return render_form(request, form, {"title": title, "note": note, "cancel_url": cancel})


# --- officers -------------------------------------------------------------------------------


@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    officers = visible(request, Officer).select_related("agency")
    form = OfficerFilterForm(request.GET, agencies=Agency.objects.restrict(request.user))
    page = paginate(request, form.apply(officers))
    context = {"form": form, "page": page, "can_add": can(request.user, Officer, roles.ADD)}
    return render_list(request, "registry/officer_list.html", "registry/_officer_table.html", context)


@login_required
def officer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = visible_get(visible(request, Officer).select_related("agency"), pk=pk)
    certificates = Certificate.objects.restrict(request.user).filter(officer=officer).select_related("domain")
    events = CertificateEvent.objects.filter(certificate__in=certificates).select_related("certificate")
    today = _today()
    return render(
        request,
        "registry/officer_detail.html",
        {
            "officer": officer,
            "certificates": [(c, c.standing_on(today), c.is_valid_on(today)) for c in certificates],
            "events": events.order_by("-recorded_at", "-id"),
            "can_change": may_change(request.user, officer),
            "can_issue": can(request.user, Certificate, roles.ADD),
            "history": object_history(officer),
        },
    )


@login_required
def officer_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Officer, roles.ADD):
        raise PermissionDenied
    agencies = Agency.objects.restrict(request.user)
    initial = {"agency_code": request.user.agency.code} if request.user.agency_id else {}
    form = OfficerForm(request.POST or None, agencies=agencies, initial=initial)
    officer = submit(request, form, lambda: actions.do_create_officer(request.user, form.to_input()))
    if officer is not None:
        messages.success(request, _("执法人员已登记"))
        return redirect("registry:officer_detail", pk=officer.pk)
    return render_form(
        request, form, {"title": _("新增执法人员"), "cancel_url": reverse("registry:officer_list")}
    )


@login_required
def officer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    officer = changeable_get(request, Officer, pk=pk)
    form = OfficerForm(
        request.POST or None,
        agencies=Agency.objects.restrict(request.user),
        initial=OfficerForm.initial_from(officer),
    )
    saved = submit(
        request, form, lambda: actions.do_update_officer(request.user, officer.pk, form.to_input())
    )
    if saved is not None:
        messages.success(request, _("执法人员信息已保存"))
        return redirect("registry:officer_detail", pk=officer.pk)
    title = _("修改执法人员：%(name)s") % {"name": officer.name}
    return render_form(
        request, form, {"title": title, "cancel_url": reverse("registry:officer_detail", args=[pk])}
    )


# --- certificates ---------------------------------------------------------------------------


def _certificates(request: HttpRequest) -> QuerySet[Certificate]:
    return visible(request, Certificate).select_related("officer__agency", "domain")


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    form = CertificateFilterForm(request.GET, agencies=Agency.objects.restrict(request.user), today=today)
    page = paginate(request, form.apply(_certificates(request)))
    page.object_list = [(c, c.standing_on(today), c.is_valid_on(today)) for c in page.object_list]
    context = {"form": form, "page": page, "can_add": can(request.user, Certificate, roles.ADD)}
    return render_list(request, "registry/certificate_list.html", "registry/_certificate_table.html", context)


def _certificate_page(
    request: HttpRequest,
    cert: Certificate,
    status_form: CertificateStatusForm | None = None,
    renew_form: CertificateRenewForm | None = None,
) -> HttpResponse:
    today = _today()
    can_change = may_change(request.user, cert)
    if can_change:
        status_form = status_form or CertificateStatusForm(certificate=cert, initial={"effective_on": today})
        renew_form = renew_form or CertificateRenewForm(initial={"expires_on": cert.expires_on})
    refused = request.method == "POST"
    return render(
        request,
        "registry/certificate_detail.html",
        {
            "cert": cert,
            "standing": cert.standing_on(today),
            "is_valid": cert.is_valid_on(today),
            "events": CertificateEvent.objects.filter(certificate=cert).order_by("recorded_at", "id"),
            "can_change": can_change,
            "status_form": status_form,
            "renew_form": renew_form,
            "history": object_history(cert),
        },
        status=422 if refused else 200,
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_page(request, visible_get(_certificates(request), pk=pk))


@login_required
def certificate_issue(request: HttpRequest, officer_pk: int) -> HttpResponse:
    if not can(request.user, Certificate, roles.ADD):
        raise PermissionDenied
    officer = visible_get(visible(request, Officer).select_related("agency"), pk=officer_pk)
    first_domain = officer.agency.domains.first()
    initial = {
        "issued_on": _today(),
        "domain_code": first_domain.code if first_domain else None,
        "issuing_authority": officer.agency.name,
    }
    form = CertificateIssueForm(request.POST or None, initial=initial)
    cert = submit(request, form, lambda: actions.do_issue_certificate(request.user, form.to_input(officer)))
    if cert is not None:
        messages.success(request, _("执法证件已发放"))
        return redirect("registry:certificate_detail", pk=cert.pk)
    title = _("为 %(name)s 发放执法证件") % {"name": officer.name}
    return render_form(
        request, form, {"title": title, "cancel_url": reverse("registry:officer_detail", args=[officer.pk])}
    )


@require_POST
@login_required
def certificate_status(request: HttpRequest, pk: int) -> HttpResponse:
    cert = changeable_get(request, Certificate, pk=pk)
    form = CertificateStatusForm(request.POST, certificate=cert)
    changed = submit(
        request,
        form,
        lambda: actions.do_change_certificate_status(
            request.user,
            cert.number,
            form.cleaned_data["kind"],
            form.cleaned_data["effective_on"],
            form.cleaned_data["reason"],
        ),
    )
    if changed is None:
        return _certificate_page(request, visible_get(_certificates(request), pk=pk), status_form=form)
    messages.success(request, _("证件状态已变更为“%(status)s”") % {"status": changed.get_status_display()})
    return redirect("registry:certificate_detail", pk=pk)


@require_POST
@login_required
def certificate_renew(request: HttpRequest, pk: int) -> HttpResponse:
    cert = changeable_get(request, Certificate, pk=pk)
    form = CertificateRenewForm(request.POST)
    renewed = submit(
        request,
        form,
        lambda: actions.do_renew_certificate(
            request.user, cert.number, form.cleaned_data["expires_on"], form.cleaned_data["reason"]
        ),
    )
    if renewed is None:
        return _certificate_page(request, visible_get(_certificates(request), pk=pk), renew_form=form)
    messages.success(request, _("证件有效期已延至 %(date)s") % {"date": renewed.expires_on.isoformat()})
    return redirect("registry:certificate_detail", pk=pk)


# --- entities -------------------------------------------------------------------------------


def _entities(request: HttpRequest) -> QuerySet[Entity]:
    return visible(request, Entity).select_related("region")


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    form = EntityFilterForm(request.GET)
    page = paginate(request, form.apply(_entities(request)))
    context = {"form": form, "page": page, "can_add": can(request.user, Entity, roles.ADD)}
    return render_list(request, "registry/entity_list.html", "registry/_entity_table.html", context)


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = visible_get(_entities(request), pk=pk)
    return render(
        request,
        "registry/entity_detail.html",
        {
            "entity": entity,
            "can_change": may_change(request.user, entity),
            "history": object_history(entity),
        },
    )


@login_required
def entity_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Entity, roles.ADD):
        raise PermissionDenied
    scope = request.user.scope_region
    form = EntityForm(
        request.POST or None,
        regions=region_options(request.user),
        initial={"region_code": scope.code if scope else ""},
    )
    entity = submit(request, form, lambda: actions.do_create_entity(request.user, form.to_input()))
    if entity is not None:
        messages.success(request, _("行政相对人已登记"))
        return redirect("registry:entity_detail", pk=entity.pk)
    return render_form(
        request, form, {"title": _("新增行政相对人"), "cancel_url": reverse("registry:entity_list")}
    )


@login_required
def entity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entity = changeable_get(request, Entity, pk=pk)
    form = EntityForm(
        request.POST or None, regions=region_options(request.user), initial=EntityForm.initial_from(entity)
    )
    saved = submit(request, form, lambda: actions.do_update_entity(request.user, entity.pk, form.to_input()))
    if saved is not None:
        messages.success(request, _("行政相对人信息已保存"))
        return redirect("registry:entity_detail", pk=entity.pk)
    title = _("修改行政相对人：%(name)s") % {"name": entity.name}
    return render_form(
        request, form, {"title": title, "cancel_url": reverse("registry:entity_detail", args=[pk])}
    )


# --- regions --------------------------------------------------------------------------------


def _ancestors(regions: QuerySet[Region], region: Region | None) -> list[Region]:
    if region is None:
        return []
    codes = [c for c in region.path.split("/") if c]
    found = {r.code: r for r in regions.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    """Browse the division tree one level at a time (province → city → county → street), or
    search it by name or code prefix."""
    regions = visible(request, Region)
    q = request.GET.get("q", "").strip()
    parent = regions.filter(code=request.GET.get("parent", "").strip()).first()
    if q:
        shown = regions.filter(Q(name__contains=q) | Q(code__startswith=q))
    else:
        shown = regions.filter(parent=parent) if parent else regions.filter(parent__isnull=True)
    page = paginate(request, shown.annotate(child_count=Count("children")).order_by("code"))
    scope = getattr(request.user, "scope_region", None)
    return render_list(
        request,
        "registry/region_list.html",
        "registry/_region_table.html",
        {
            "page": page,
            "q": q,
            "parent": parent,
            "trail": [] if q else _ancestors(regions, parent),
            "home_region": scope,
        },
    )
