"""Admin for the platform directory (editable) and removal requests (read-only, no personal data shown)."""

from django.contrib import admin

from cases.removals.directory import directory_changed
from cases.removals.models import Platform, PlatformDomain, RemovalRequest, ReportingChannel


class PlatformDomainInline(admin.TabularInline):
    model = PlatformDomain
    extra = 1


class ReportingChannelInline(admin.StackedInline):
    model = ReportingChannel
    extra = 0


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "deadline_hours", "is_hash_partner", "verified")
    list_filter = ("kind", "is_hash_partner", "verified")
    search_fields = ("name", "slug", "domains__domain")
    inlines = [PlatformDomainInline, ReportingChannelInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        directory_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        directory_changed()


@admin.register(RemovalRequest)
class RemovalRequestAdmin(admin.ModelAdmin):
    list_display = ("code", "case", "platform", "host", "kind", "sequence", "status", "deadline_at")
    list_filter = ("status", "kind", "platform")
    search_fields = ("case__reference", "ticket_number")
    fields = (
        "case",
        "platform",
        "host",
        "kind",
        "sequence",
        "status",
        "basis",
        "channel",
        "sent_at",
        "sent_via",
        "message_id",
        "ticket_number",
        "deadline_at",
        "missing_elements",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A request is history (what was sent where, when): it goes only with its case's erasure.
        return False
