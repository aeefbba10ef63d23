"""Helpers for the server-rendered pages: scoped reads, HTMX partials, pagination, form errors.

Pages follow the same rules as the API (zhifa.core.api_helpers) but answer with Django's
HTTP exceptions: a role that may not see a kind of record gets 403, a record outside the
caller's scope is indistinguishable from an absent one (404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from zhifa.core import roles
from zhifa.core.errors import ActionError, NotFound
from zhifa.core.errors import PermissionDenied as ActionPermissionDenied
from zhifa.core.models import AuditEntry
from zhifa.core.scope import can, model_label

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")
View = Callable[..., HttpResponse]

PAGE_SIZE = 20
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Card:
    """One figure on the home page, with where to look at the records behind it."""

    label: str
    value: str
    url: str = ""
    note: str = ""


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX swap request. History restoration after a cache miss needs the full page."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def login_required(view: View) -> View:
    """Like Django's decorator, but an HTMX request with an expired session is sent to the
    login page as a whole (HX-Redirect) instead of getting the login form swapped into a table."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        response = redirect_to_login(request.get_full_path())
        if is_htmx(request):
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response

    return wrapper


def visible(request: HttpRequest, model: type[M], action: str = roles.VIEW) -> models.QuerySet[M]:
    """The records of `model` the user may see (or change); 403 if the role may not at all."""
    if not can(request.user, model, action):
        raise PermissionDenied
    return model.objects.restrict(request.user, action)


def visible_get(queryset: models.QuerySet[M], **lookup: Any) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def changeable_get(request: HttpRequest, model: type[M], **lookup: Any) -> M:
    """The record to edit: 404 when outside the view scope, 403 when visible but not changeable."""
    visible_get(visible(request, model), **lookup)
    if not can(request.user, model, roles.CHANGE):
        raise PermissionDenied
    obj = model.objects.restrict(request.user, roles.CHANGE).filter(**lookup).first()
    if obj is None:
        raise PermissionDenied
    return obj


def may_change(user: Any, obj: models.Model) -> bool:
    """Whether to offer an edit button for this record."""
    model = type(obj)
    return (
        can(user, model, roles.CHANGE)
        and model.objects.restrict(user, roles.CHANGE).filter(pk=obj.pk).exists()
    )


def paginate(request: HttpRequest, queryset: models.QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def render_list(
    request: HttpRequest, template: str, partial: str, context: Mapping[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or only the results fragment when HTMX asks for it (search, paging)."""
    response = render(
        request, partial if is_htmx(request) else template, {**context, "partial": partial}, status=status
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


def raise_http(error: ActionError) -> None:
    """Turn an action's 404 or permission refusal into the page's 404 or 403."""
    if isinstance(error, NotFound):
        raise Http404(error.message) from error
    if isinstance(error, ActionPermissionDenied):
        raise PermissionDenied(error.message) from error


def apply_action_error(form: forms.BaseForm, error: ActionError) -> None:
    """Show a refused action's Chinese message next to the field it names (else above the form).

    404 and permission refusals are not form problems: they propagate as HTTP errors."""
    raise_http(error)
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def redirect_after_step(request: HttpRequest, url: str) -> HttpResponse:
    """After a step run from an HTMX form: tell HTMX to load the whole page at `url` (the state,
    the allowed next steps and the timeline all changed); a plain POST gets a normal redirect."""
    if is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def object_history(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The audit entries about this one record, newest first.

    The documented exception to the role matrix: whoever may see a record may see its own
    history (time, actor, action, outcome), without access to the rest of the audit trail."""
    return AuditEntry.objects.filter(object_type=model_label(type(obj)), object_id=str(obj.pk)).order_by(
        "-seq"
    )[:HISTORY_LIMIT]


def submit(request: HttpRequest, form: forms.BaseForm, perform: Callable[[], T]) -> T | None:
    """Run the action behind a POSTed form. None when the form was not posted, did not parse,
    or the action refused (its message is then attached to the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return perform()
    except ActionError as error:
        apply_action_error(form, error)
        return None


def render_form(request: HttpRequest, form: forms.BaseForm, context: Mapping[str, Any]) -> HttpResponse:
    """The shared form page; a POST that comes back here was refused, so it answers 422."""
    status = 422 if request.method == "POST" else 200
    return render(request, "form_page.html", {**context, "form": form}, status=status)
