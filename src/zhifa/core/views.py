"""Login, the per-role home page and the audit trail browser."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhifa.accounts.actions import attempt_login
from zhifa.accounts.models import User
from zhifa.accounts.summaries import account_cards
from zhifa.core import roles
from zhifa.core.forms import AuditFilterForm
from zhifa.core.models import AuditEntry
from zhifa.core.scope import can
from zhifa.core.web import login_required, paginate, render_list, visible, visible_get
from zhifa.registry.models import Agency, Entity, Officer
from zhifa.registry.summaries import cards_for

LATEST_AUDIT_ON_HOME = 10


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _safe_next(request: HttpRequest) -> str:
    """Where to go after login: the `next` parameter only if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def login_view(request: HttpRequest) -> HttpResponse:
    """Password login through `attempt_login`, which counts failures and locks the account."""
    if request.user.is_authenticated and request.method != "POST":
        return redirect("home")
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        result = attempt_login(username, request.POST.get("password", ""))
        if result.ok:
            login(request, result.user, backend="zhifa.accounts.backends.LockoutAwareBackend")
            return redirect(_safe_next(request) or "home")
        error = result.message
    context = {"error": error, "username": username, "next": _safe_next(request)}
    return render(request, "core/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


def _quick_links(user: User) -> list[tuple[str, str]]:
    """Shortcuts to the forms this role may use."""
    offered = [
        (Agency, _("新增执法主体"), "registry:agency_create"),
        (Officer, _("新增执法人员"), "registry:officer_create"),
        (Entity, _("新增行政相对人"), "registry:entity_create"),
        (User, _("新增用户"), "accounts:user_create"),
    ]
    return [(label, reverse(url_name)) for model, label, url_name in offered if can(user, model, roles.ADD)]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {
        "cards": cards_for(user, dt.date.today()),
        "quick_links": _quick_links(user),
    }
    if user.role == roles.Role.SYSADMIN:
        context["cards"] = account_cards(user)
    if user.role == roles.Role.AUDITOR:
        context["latest_audit"] = AuditEntry.objects.restrict(user).order_by("-seq")[:LATEST_AUDIT_ON_HOME]
    return render(request, "core/home.html", context)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = paginate(request, form.apply(visible(request, AuditEntry)), per_page=50)
    return render_list(
        request, "core/audit_list.html", "core/_audit_table.html", {"form": form, "page": page}
    )


@login_required
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    entry = visible_get(visible(request, AuditEntry), seq=seq)
    return render(request, "core/audit_detail.html", {"entry": entry})
