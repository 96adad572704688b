from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from web.accounts.models import Agency, Profile, Unit


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "abbreviation", "province")
    search_fields = ("name", "abbreviation")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "agency", "parent")
    list_filter = ("agency",)
    search_fields = ("name", "code")


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "full_name", "role", "agency", "unit", "must_change_password")
    list_filter = ("role", "agency")
    search_fields = ("user__username", "full_name")
