"""Admin for cases: no personal data is listed or searchable here."""

from django.contrib import admin

from cases.models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "is_urgent", "language", "assigned_to", "created_at")
    list_filter = ("status", "is_urgent", "language")
    search_fields = ("reference",)
    fields = (
        "reference",
        "status",
        "is_urgent",
        "language",
        "assigned_to",
        "created_at",
        "closed_at",
        "closing_reason",
    )
    readonly_fields = ("reference", "created_at")
