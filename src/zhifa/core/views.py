from __future__ import annotations

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.accounts.actions import attempt_login


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        result = attempt_login(request.POST.get("username", ""), request.POST.get("password", ""))
        if result.ok:
            login(request, result.user, backend="zhifa.accounts.backends.LockoutAwareBackend")
            return redirect(request.GET.get("next") or "home")
        error = result.message
    return render(request, "core/login.html", {"error": error})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})
