from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from web.accounts.admin_scope import AgencyScopedAdmin, is_operator
from web.accounts.models import Agency, Profile, Unit


@admin.register(Agency)
class AgencyAdmin(AgencyScopedAdmin, SimpleHistoryAdmin):
    list_display = ("name", "abbreviation", "province")
    search_fields = ("name", "abbreviation")
    agency_lookup = "pk"

    # Agencies are created and removed by the installation's operator, not by an agency's quản trị.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)


@admin.register(Unit)
class UnitAdmin(AgencyScopedAdmin, SimpleHistoryAdmin):
    list_display = ("name", "code", "agency", "parent")
    list_filter = (("agency", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "code")


@admin.register(Profile)
class ProfileAdmin(AgencyScopedAdmin, SimpleHistoryAdmin):
    list_display = ("user", "full_name", "role", "agency", "unit", "must_change_password")
    list_filter = ("role", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "full_name")


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class ScopedUserAdmin(AgencyScopedAdmin, UserAdmin):  # type: ignore[type-arg]
    agency_lookup = "profile__agency"
