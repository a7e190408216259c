"""Staff views for platform replies: confirm or dismiss a suggested outcome, and the triage list of unmatched mail."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cases.casework import access
from cases.casework.audit import Origin, audit_record
from cases.casework.models import AuditRecord
from cases.removals.replies import selectors, services
from cases.removals.replies.models import PlatformReply
from helpline.staff import roles

CASEWORK = (roles.CASEWORKER, roles.SUPERVISOR)


class ConfirmForm(forms.Form):
    from_status = forms.CharField(max_length=20)


class FileForm(forms.Form):
    request_code = forms.RegexField(regex=r"^RR-\d{1,9}$", max_length=12, strip=True)


@require_POST
@roles.staff_required(*CASEWORK)
def reply_action(request, reply_id: int, action: str):
    reply = get_object_or_404(PlatformReply.objects.select_related("request__case"), pk=reply_id)
    origin = Origin.from_request(request)
    if action == "file":
        if roles.role_of(request.user) != roles.SUPERVISOR:
            raise PermissionDenied("Only a supervisor files unmatched mail.")
        form = FileForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give the request's reference as RR- and its number, e.g. RR-000012.")
            return redirect("removals:reply_triage")
        target = int(form.cleaned_data["request_code"][3:])
        from cases.removals.models import RemovalRequest

        removal = RemovalRequest.objects.select_related("case").filter(pk=target).first()
        if removal is None or not access.can_work(request.user, removal.case):
            messages.error(request, "No request you work on has that reference; check it and try again.")
            return redirect("removals:reply_triage")
        try:
            services.reply_file(reply_id=reply.pk, request_id=removal.pk, actor=request.user, origin=origin)
        except services.ReplyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Filed on {removal.code}.")
        return redirect("removals:reply_triage")
    if action not in ("confirm", "dismiss") or reply.request_id is None:
        raise Http404("No such action.")
    case = reply.request.case
    if not access.can_work(request.user, case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can act on its replies.")
    form = ConfirmForm(request.POST)
    try:
        if action == "confirm":
            if not form.is_valid():
                raise services.ReplyError("The form was incomplete; reload the board and try again.")
            services.reply_confirm(
                reply_id=reply.pk, actor=request.user, origin=origin, expected_status=form.cleaned_data["from_status"]
            )
            messages.success(request, f"{reply.request.code}: the platform's answer is recorded.")
        else:
            services.reply_dismiss(reply_id=reply.pk, actor=request.user, origin=origin)
            messages.success(request, f"{reply.request.code}: suggestion dismissed; nothing changed.")
    except services.ReplyError as exc:
        messages.error(request, f"{reply.request.code}: {exc}")
    return redirect(reverse("removals:case_board", args=[case.reference]) + f"#reply-{reply.pk}")


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def triage(request):
    """Mail that matched no request, for a supervisor to file. It may name a victim: the read is audited."""
    replies = selectors.triage_replies()
    if replies:
        audit_record(
            action=AuditRecord.Action.REMOVAL_VIEW, actor=request.user, origin=Origin.from_request(request),
            step="reply_triage", reply_ids=[r.pk for r in replies],
        )  # fmt: skip
    return render(request, "removals/reply_triage.html", {"replies": replies})
