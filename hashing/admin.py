"""Admin for the hash bank: partners and their keys (issued, rotated and revoked here), and read-only bank records."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse

from hashing.bank.partners import partner_key_issue, partner_key_revoke, partner_key_rotate
from hashing.models import BankEntry, BankEntryCase, Partner, PartnerApiCall, PartnerFeedback, PartnerKey

KEY_ISSUED_TEMPLATE = "admin/hashing/partner/key_issued.html"


def _show_keys(request: HttpRequest, issued: list[tuple[Partner, str]], *, title: str) -> TemplateResponse:
    """The one page that ever shows these keys: they are stored hashed and cannot be shown again."""
    context = {**admin.site.each_context(request), "title": title, "issued": issued, "opts": Partner._meta}
    return TemplateResponse(request, KEY_ISSUED_TEMPLATE, context)


class PartnerKeyInline(admin.TabularInline):
    model = PartnerKey
    fields = ("prefix", "created_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "scope_fetch", "scope_match", "scope_feedback", "rate_limit_per_minute")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "is_active", "scope_fetch", "scope_match", "scope_feedback", "rate_limit_per_minute")
    inlines = [PartnerKeyInline]
    actions = ["rotate_key", "revoke_keys"]

    def response_add(self, request, obj, post_url_continue=None):
        _key, raw_key = partner_key_issue(partner=obj)
        return _show_keys(request, [(obj, raw_key)], title=f"API key for {obj.name}")

    @admin.action(description="Rotate key (issue a new key, revoke the old ones)")
    def rotate_key(self, request, queryset):
        issued = [(partner, partner_key_rotate(partner=partner)[1]) for partner in queryset]
        return _show_keys(request, issued, title="New API keys")

    @admin.action(description="Revoke every key (the partner is locked out until a key is rotated in)")
    def revoke_keys(self, request, queryset):
        count = 0
        for key in PartnerKey.objects.filter(partner__in=queryset, revoked_at__isnull=True):
            partner_key_revoke(key=key)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "partner", "created_at", "revoked_at")
    list_filter = ("partner",)
    search_fields = ("prefix", "partner__name")
    fields = ("partner", "prefix", "created_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are issued from the partner page, which shows them once

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            partner_key_revoke(key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """The bank changes only through its services; the admin shows it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BankEntryCaseInline(admin.TabularInline):
    model = BankEntryCase
    fields = ("case", "status", "changed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BankEntry)
class BankEntryAdmin(_ReadOnlyAdmin):
    list_display = ("id", "signal_type", "short_value", "status", "seq", "last_modified")
    list_filter = ("signal_type", "status")
    search_fields = ("=value",)
    fields = ("signal_type", "value", "status", "pdq_quality", "variant_list", "seq", "last_modified", "created_at")
    readonly_fields = fields
    inlines = [BankEntryCaseInline]

    @admin.display(description="value")
    def short_value(self, obj: BankEntry) -> str:
        return f"{obj.value[:16]}…"

    @admin.display(description="PDQ variants")
    def variant_list(self, obj: BankEntry) -> str:
        return "\n".join(obj.pdq_variant_hexes) or "-"


@admin.register(PartnerFeedback)
class PartnerFeedbackAdmin(_ReadOnlyAdmin):
    list_display = ("partner", "value", "entry", "at")
    list_filter = ("partner", "value")


@admin.register(PartnerApiCall)
class PartnerApiCallAdmin(_ReadOnlyAdmin):
    list_display = ("at", "partner", "key_prefix", "endpoint", "status", "hashes_in", "hashes_out", "duration_ms")
    list_filter = ("partner", "endpoint", "status")
    date_hierarchy = "at"
