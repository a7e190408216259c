"""Admin for the platform directory (editable) and removal requests (read-only, no personal data shown)."""

from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from cases.removals.directory import directory_changed
from cases.removals.models import DirectoryLoad, Platform, PlatformDomain, RemovalRequest, ReportingChannel

# Addresses typed without a scheme are read as https (Django 6's default), never http.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}

FILE_NOTE = (
    "Entries with a key come from cases/removals/data/directory.yaml: the next load of a newer version of the "
    "file overwrites edits made here. Change the file instead (see README, 'Updating the platform directory')."
)


@admin.display(description="Source")
def source_link(obj) -> str:
    if not obj.source_url:
        return "none"
    return format_html('<a href="{}" rel="noreferrer noopener" target="_blank">source</a>', obj.source_url)


@admin.display(description="Checked")
def checked(obj) -> str:
    if obj.verified and obj.last_verified:
        return f"verified {obj.last_verified:%d %b %Y}"
    if obj.last_verified:
        return f"not verified (source read {obj.last_verified:%d %b %Y})"
    return "not verified"


class PlatformDomainInline(admin.TabularInline):
    model = PlatformDomain
    extra = 1


class ReportingChannelInline(admin.StackedInline):
    model = ReportingChannel
    extra = 0
    formfield_overrides = HTTPS_URLS
    readonly_fields = ("key", "retired")
    fields = (
        ("key", "retired"),
        ("purpose", "method", "priority"),
        "label",
        ("url", "email"),
        ("situations", "bases"),
        ("takeitdown_designated", "language", "countries"),
        ("verified", "last_verified"),
        "source_url",
        "notes",
    )


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = (
        "name", "slug", "kind", "country", "covered_platform", "deadline_hours", "is_hash_partner", checked,
        source_link,
    )  # fmt: skip
    list_filter = ("kind", "covered_platform", "is_hash_partner", "verified", "country")
    search_fields = ("name", "slug", "domains__domain")
    inlines = [PlatformDomainInline, ReportingChannelInline]
    formfield_overrides = HTTPS_URLS

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", {})["notes"] = FILE_NOTE
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        directory_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        directory_changed()


@admin.register(ReportingChannel)
class ReportingChannelAdmin(admin.ModelAdmin):
    """Every channel with its source and date, to review what is verified and what is stale."""

    list_display = (
        "label", "platform", "purpose", "method", "takeitdown_designated", "language", checked, source_link,
        "retired",
    )  # fmt: skip
    list_filter = ("verified", "purpose", "method", "takeitdown_designated", "retired", "platform__kind")
    search_fields = ("label", "key", "platform__name", "url", "email")
    list_select_related = ("platform",)
    readonly_fields = ("key", "retired")
    formfield_overrides = HTTPS_URLS

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        directory_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        directory_changed()


@admin.register(DirectoryLoad)
class DirectoryLoadAdmin(admin.ModelAdmin):
    list_display = ("version", "file_date", "loaded_at", "sha256")
    readonly_fields = ("version", "file_date", "loaded_at", "sha256", "summary")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
