"""Staff views for removal requests: the case board and one POST endpoint per action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.casework import access
from cases.casework.audit import Origin
from cases.casework.views import mark_follow_up, next_or
from cases.models import Case
from cases.removals import abuse_lookup, selectors, services
from cases.removals.forms import ActionForm, AnswerForm, CorrectionForm, EditDraftForm, MarkSentForm
from cases.removals.models import RemovalRequest
from helpline.staff import roles

CASEWORK = (roles.CASEWORKER, roles.SUPERVISOR)


def _origin(request) -> Origin:
    return Origin.from_request(request)


def _do_ready(request, removal, data):
    return services.removal_mark_ready(
        request_id=removal.pk, actor=request.user, expected_status=data["from_status"], origin=_origin(request)
    )


def _do_reopen(request, removal, data):
    return services.removal_reopen(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        note=data["note"],
        origin=_origin(request),
    )


def _do_edit(request, removal, data):
    return services.removal_edit_draft(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        basis=data["basis"],
        channel_id=data["channel"],
        abuse_contact=data["abuse_contact"],
        copyright_confirmed=data["copyright_confirmed"],
        explanation_extra=data["explanation_extra"],
        origin=_origin(request),
    )


def _do_send(request, removal, data):
    return services.removal_approve_send(
        request_id=removal.pk, actor=request.user, expected_status=data["from_status"], origin=_origin(request)
    )


def _do_mark_sent(request, removal, data):
    return services.removal_mark_sent(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        ticket_number=data["ticket_number"],
        note=data["note"],
        submitted_at=data["submitted_at"],
        origin=_origin(request),
    )


def _do_approve_disclosure(request, removal, data):
    return services.removal_approve_disclosure(request_id=removal.pk, actor=request.user, origin=_origin(request))


def _do_answer(request, removal, data):
    return services.removal_record_answer(
        request_id=removal.pk,
        actor=request.user,
        answer=data["answer"],
        expected_status=data["from_status"],
        note=data["note"],
        ticket_number=data["ticket_number"],
        origin=_origin(request),
    )


def _do_escalate(request, removal, data):
    return services.removal_escalate(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        note=data["note"],
        origin=_origin(request),
    )


def _do_close(request, removal, data):
    return services.removal_close(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        note=data["note"],
        origin=_origin(request),
    )


def _do_correct(request, removal, data):
    return services.removal_correct_last_move(
        request_id=removal.pk,
        actor=request.user,
        expected_status=data["from_status"],
        reason=data["note"],
        origin=_origin(request),
    )


ACTIONS = {
    "ready": (ActionForm, _do_ready, "Marked ready."),
    "reopen": (ActionForm, _do_reopen, "Back to draft: edit it and mark it ready again."),
    "edit": (EditDraftForm, _do_edit, "Draft updated."),
    "send": (ActionForm, _do_send, "Approved: the portal is sending it by email."),
    "mark-sent": (MarkSentForm, _do_mark_sent, "Recorded as sent; the deadline runs from now."),
    "answer": (AnswerForm, _do_answer, "Answer recorded."),
    "approve-disclosure": (ActionForm, _do_approve_disclosure, "Approved: this request names the victim."),
    "escalate": (ActionForm, _do_escalate, "Escalated: an escalation draft is on the board."),
    "close": (ActionForm, _do_close, "Closed."),
    "correct": (CorrectionForm, _do_correct, "Last move taken back; record the right answer now."),
}
# Every action's service writes its audit row inside its own transaction.


@require_GET
@roles.staff_required(*CASEWORK)
def case_board(request, reference: str):
    case = selectors.case_for_board(reference)
    # The requests name the victim and list where the images are: the same rule as the case page's details.
    if not access.can_see_pii(request.user, case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can see its requests.")
    rows = [] if case.erased_at else selectors.board_rows(case)
    request_ids = [row.request.pk for row in rows]
    services.board_viewed(case=case, actor=request.user, request_ids=request_ids, origin=_origin(request))
    categories = [Case.Category(c).label for c in case.categories or [] if c in Case.Category.values]
    return render(request, "removals/case_board.html", {"case": case, "rows": rows, "category_labels": categories})


@require_POST
@roles.staff_required(*CASEWORK)
def request_action(request, reference: str, request_id: int, action: str):
    if action not in ACTIONS:
        raise Http404("No such action.")
    removal = get_object_or_404(RemovalRequest.objects.select_related("case"), pk=request_id, case__reference=reference)
    if not access.can_work(request.user, removal.case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can act on its requests.")
    form_class, perform, done = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        messages.error(request, f"{removal.code}: that form was not filled in right ({problems}).")
    else:
        try:
            perform(request, removal, form.cleaned_data)
        except services.RemovalError as exc:
            messages.error(request, f"{removal.code}: {exc}")
        else:
            messages.success(request, f"{removal.code}: {done}")
            mark_follow_up(request, removal.case)
    back = next_or(request, reverse("removals:case_board", args=[reference]))
    return redirect(f"{back}#request-{removal.pk}")


@require_POST
@roles.staff_required(*CASEWORK)
def evidence_confirm(request, reference: str):
    """The caseworker confirms the evidence was captured: requests held for it may be sent."""
    case = get_object_or_404(Case, reference=reference)
    if not access.can_work(request.user, case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can confirm evidence.")
    services.case_evidence_confirm(case=case, actor=request.user, origin=_origin(request))
    messages.success(request, "Evidence confirmed: the requests are no longer held.")
    return redirect(next_or(request, reverse("removals:case_board", args=[reference])))


@require_http_methods(["GET", "POST"])
@roles.staff_required(*CASEWORK)
def abuse_contact_lookup(request, reference: str, request_id: int):
    """For a request to an unknown site: look up its abuse contact (cases.removals.abuse_lookup) on a POST, so
    that no prefetch or reload sends look-ups; the GET shows what will be looked up."""
    removal = get_object_or_404(
        RemovalRequest.objects.select_related("case", "platform"), pk=request_id, case__reference=reference
    )
    if not access.can_see_pii(request.user, removal.case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can look this up.")
    result, refused = None, ""
    if request.method == "POST" and removal.host:
        try:
            result = abuse_lookup.lookup_abuse_contact(removal.host)
        except abuse_lookup.LookupRefused as exc:
            refused = str(exc)
    return render(
        request,
        "removals/abuse_lookup.html",
        {"case": removal.case, "removal": removal, "result": result, "refused": refused},
        status=400 if refused else 200,
    )
