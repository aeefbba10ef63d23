"""The one scope mechanism: `Model.objects.restrict(user, action)`.

Every page, list, detail, count, export and API endpoint reads user-visible records through
`restrict`. It combines the role matrix (`zhifa.core.roles.PERMISSIONS`) with the record's
place, declared once per model as a `ScopePolicy`:

* agency roles see records of their own agency (or, for region-wide reference data such as
  entities, records in their agency's region subtree);
* supervisors and hotline operators see records whose region lies in their region subtree;
* records outside scope are simply absent, so detail lookups answer 404, never 403.

Region subtrees are matched on `Region.path` ("33/3305/330502/") with a prefix test, which
is an index range scan on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self

from django.db import models

from zhifa.core import roles

if TYPE_CHECKING:
    from zhifa.core.models import Region


class ScopedUser(Protocol):
    is_authenticated: bool
    is_active: bool
    role: str
    agency_id: int | None

    @property
    def scope_region(self) -> Region | None: ...


@dataclass(frozen=True)
class ScopePolicy:
    """Where a record sits. Lookups are ORM paths from the model; "" means the record itself."""

    agency: str | None = None  # path to the owning Agency (pk), None if not agency-owned
    region: str | None = None  # path to the Region the record belongs to
    region_wide: bool = False  # agency roles read it across their agency's region subtree
    public: bool = False  # reference data: readable in full by everyone permitted to view it
    unscoped: bool = False  # scoped by role only (audit trail for auditors, accounts for sysadmin)


def model_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _join(prefix: str, suffix: str) -> str:
    return f"{prefix}__{suffix}" if prefix else suffix


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = roles.VIEW) -> Self:
        policy: ScopePolicy | None = getattr(self.model, "scope", None)
        if policy is None:
            raise TypeError(f"{model_label(self.model)} declares no ScopePolicy")
        if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
            return self.none()
        role = getattr(user, "role", None)
        if not roles.allowed(role, model_label(self.model), action):
            return self.none()
        if policy.unscoped or (policy.public and action == roles.VIEW):
            return self
        if role in roles.AGENCY_ROLES:
            return self._restrict_to_agency(user, policy)
        if role in roles.REGION_ROLES or role == roles.Role.SYSADMIN:
            return self._restrict_to_region(user.scope_region, policy)
        return self.none()

    def _restrict_to_agency(self, user: Any, policy: ScopePolicy) -> Self:
        if user.agency_id is None:
            return self.none()
        if policy.region_wide or policy.agency is None:
            return self._restrict_to_region(user.scope_region, policy)
        return self.filter(**{_join(policy.agency, "pk"): user.agency_id})

    def _restrict_to_region(self, region: Region | None, policy: ScopePolicy) -> Self:
        if region is None or policy.region is None:
            return self.none()
        return self.filter(**{_join(policy.region, "path__startswith"): region.path})


def can(user: Any, model: type[models.Model], action: str) -> bool:
    """Whether the user's role may perform `action` on this kind of record at all."""
    return roles.allowed(getattr(user, "role", None), model_label(model), action)
