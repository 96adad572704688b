"""The admin site scoped by agency: a quản trị sees, edits and picks (in lists, filters and drop-downs) only the
records of their own agency. An operator account (a superuser without a profile, created with
`python -m web.manage createsuperuser`) runs the installation and sees every agency."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from web.accounts.roles import agency_of


def is_operator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_superuser) and getattr(user, "profile", None) is None


class AgencyScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # The path from the model to its agency's id, as a queryset lookup ("agency", "profile__agency", "pk").
    agency_lookup = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if is_operator(request):
            return rows
        agency = agency_of(request.user)
        return rows.none() if agency is None else rows.filter(**{self.agency_lookup: agency})

    def agency_id_of(self, obj: Model) -> Any:
        """The agency of an object, a historical version included (it may no longer exist)."""
        *path, last = self.agency_lookup.split("__")
        target: Any = obj
        for step in path:
            target = getattr(target, step, None)
            if target is None:
                return None
        if last == "pk":
            return target.pk
        return getattr(target, f"{last}_id", getattr(target, last, None))

    def _owns(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None or is_operator(request):
            return True
        agency = agency_of(request.user)
        return agency is not None and self.agency_id_of(obj) == agency

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A drop-down lists only the agency's own records (other agencies' names are not shown either).
        related = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related, AgencyScopedAdmin) and "queryset" not in kwargs:
            kwargs["queryset"] = related.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
