"""Admin for cases: no personal data is listed or searchable here, and a case is erased, never deleted."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse

from cases.models import Case
from cases.services import case_erase


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
    actions = ["erase_cases"]

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would skip erasure: evidence files left in storage, the bank never told, no audit
        # record. The action below erases through the same service as "delete my case" instead.
        return False

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("cases.delete_case")

    @admin.action(description="Erase the selected cases", permissions=["erase"])
    def erase_cases(self, request, queryset):
        cases = list(queryset.filter(erased_at__isnull=True).order_by("reference"))
        if request.POST.get("erase_confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/cases/case/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase cases",
                    "cases": cases,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        for case in cases:
            case_erase(case=case, actor=request.user, actor_label="staff", reason="erased_in_admin", request=request)
        self.message_user(request, f"{len(cases)} case(s) erased.", messages.SUCCESS)
        return None
