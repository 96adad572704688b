from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from web.accounts.admin_scope import AgencyScopedAdmin
from web.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedAdmin):
    agency_lookup = "agency_id_value"
    list_display = ("at", "username", "address", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_repr", "note")

    # The log is read-only for everyone, the quản trị included.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
