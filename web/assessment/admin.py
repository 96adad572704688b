from django.contrib import admin

from web.assessment.models import Assignment, Extension, IssuedAccount, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["unit", "campaign", "tier", "state", "late", "submitted_at"]
    list_filter = ["state", "tier", "late"]
    # The state changes only through the state machine (web.assessment.states), never by editing the row.
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["unit", "campaign", "phase", "until", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "campaign", "body", "parent_unit"]


@admin.register(IssuedAccount)
class IssuedAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "kind", "campaign", "issued_at"]
    readonly_fields = [f.name for f in IssuedAccount._meta.fields]
