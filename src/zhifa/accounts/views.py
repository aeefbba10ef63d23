"""User management for the system administrator. Every change goes through accounts.actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhifa.accounts import actions
from zhifa.accounts.forms import PasswordForm, UserFilterForm, UserForm
from zhifa.accounts.models import User
from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.scope import can
from zhifa.core.web import (
    changeable_get,
    login_required,
    paginate,
    raise_http,
    render_form,
    render_list,
    submit,
    visible,
)
from zhifa.registry.models import Agency


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = visible(request, User).select_related("agency", "region")
    form = UserFilterForm(request.GET)
    page = paginate(request, form.apply(users))
    context = {
        "form": form,
        "page": page,
        "now": timezone.now(),
        "can_add": can(request.user, User, roles.ADD),
    }
    return render_list(request, "accounts/user_list.html", "accounts/_user_table.html", context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, User, roles.ADD):
        raise PermissionDenied
    form = UserForm(request.POST or None, agencies=Agency.objects.restrict(request.user))
    created = submit(
        request,
        form,
        lambda: actions.do_create_user(request.user, form.to_input(), form.cleaned_data["password"]),
    )
    if created is not None:
        messages.success(request, _("用户 %(name)s 已创建") % {"name": created.username})
        return redirect("accounts:user_list")
    return render_form(request, form, {"title": _("新增用户"), "cancel_url": reverse("accounts:user_list")})


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = changeable_get(request, User, pk=pk)
    form = UserForm(
        request.POST or None,
        agencies=Agency.objects.restrict(request.user),
        editing=True,
        initial=UserForm.initial_from(user),
    )
    saved = submit(request, form, lambda: actions.do_update_user(request.user, user.pk, form.to_input()))
    if saved is not None:
        messages.success(request, _("用户 %(name)s 已保存") % {"name": user.username})
        return redirect("accounts:user_list")
    title = _("修改用户：%(name)s") % {"name": user.username}
    return render_form(request, form, {"title": title, "cancel_url": reverse("accounts:user_list")})


@login_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = changeable_get(request, User, pk=pk)
    form = PasswordForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: actions.do_set_password(request.user, user.pk, form.cleaned_data["password"]) or True,
    )
    if done:
        messages.success(request, _("用户 %(name)s 的密码已重置") % {"name": user.username})
        return redirect("accounts:user_list")
    title = _("重置密码：%(name)s") % {"name": user.username}
    return render_form(request, form, {"title": title, "cancel_url": reverse("accounts:user_list")})


@require_POST
@login_required
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = changeable_get(request, User, pk=pk)
    try:
        actions.do_unlock_user(request.user, user.pk)
    except ActionError as error:
        raise_http(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("用户 %(name)s 已解除锁定") % {"name": user.username})
    return redirect("accounts:user_list")
