"""The online campaign in the admin, scoped by agency like every other record; the state of a submission is
read-only here (it changes only through the state machine) and the first passwords are never shown anywhere."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from web.accounts.admin_scope import AgencyScopedAdmin
from web.assessment.models import Assignment, Extension, IssuedAccount, Submission


class _ReadOnly(AgencyScopedAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(_ReadOnly):
    list_display = ["unit", "campaign", "tier", "state", "late", "submitted_at"]
    list_filter = ["state", "tier", "late"]


@admin.register(Extension)
class ExtensionAdmin(_ReadOnly):
    agency_lookup = "campaign__agency"
    list_display = ["unit", "campaign", "phase", "until", "granted_by", "granted_at"]


@admin.register(Assignment)
class AssignmentAdmin(_ReadOnly):
    agency_lookup = "campaign__agency"
    list_display = ["user", "campaign", "body", "parent_unit"]


@admin.register(IssuedAccount)
class IssuedAccountAdmin(_ReadOnly):
    agency_lookup = "campaign__agency"
    list_display = ["user", "unit", "kind", "campaign", "issued_at"]
