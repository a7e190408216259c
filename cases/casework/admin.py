"""Admin for casework: the audit log is read-only here (no add, change or delete); notes and messages are not
listed at all (they are personal data, read on the case page where the read is audited)."""

from django.contrib import admin

from cases.casework.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_email", "action", "case_reference", "object_type", "object_id", "ip")
    list_filter = ("action",)
    search_fields = ("case_reference", "actor_email")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
