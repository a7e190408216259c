"""Casework pages: the queue, the case page and its actions, evidence files and the audit log."""

from __future__ import annotations

import csv
from datetime import UTC
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from cases.casework import access, selectors, services, states
from cases.casework.audit import Origin
from cases.casework.audit_labels import readable_line
from cases.casework.evidence import EvidenceRefused
from cases.casework.forms import (
    AssignForm,
    AuditFilterForm,
    EvidenceForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    StatusForm,
)
from cases.casework.models import AuditRecord
from cases.casework.queue import QueueRow, Tab, queue_counts, queue_page, queue_platforms, queue_row
from cases.casework.safe_contact import may_email
from cases.casework.selectors import PII_FIELDS
from cases.models import BankHoldReason, Case
from cases.removals.selectors import board_rows
from helpline.staff import roles

# ---- Queue -------------------------------------------------------------------------------------------


@require_GET
@roles.staff_required()
@vary_on_headers("HX-Request")
def queue(request):
    staff = selectors.staff_choices()
    form = QueueFilterForm(request.GET, platforms=queue_platforms(), staff=staff)
    query = form.query()
    result = queue_page(user=request.user, query=query)
    _link_rows(result.rows)
    context = {"form": form, "result": result, "tabs": _tabs(result.counts), "query": query}
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "casework/_queue.html" if partial else "casework/queue.html", context)


def _link_rows(rows: list[QueueRow]) -> None:
    """Each row's links, from one reverse() per kind rather than three {% url %} per row (the queue is hot)."""
    case_path = reverse("casework:case", args=["REFERENCE"])
    claim_path = reverse("casework:claim", args=["REFERENCE"])
    for row in rows:
        row.url = case_path.replace("REFERENCE", row.case.reference)
        row.claim_url = claim_path.replace("REFERENCE", row.case.reference)


def _tabs(counts: dict[str, int]) -> list[dict]:
    return [{"key": key, "label": Tab.LABELS[key], "count": counts.get(key, 0)} for key in Tab.ALL]


@require_POST
@roles.staff_required()
def case_claim(request, reference: str):
    case = get_object_or_404(Case.objects.defer(*PII_FIELDS), reference=reference)
    try:
        services.case_claim(case=case, actor=request.user, origin=Origin.from_request(request))
    except services.ClaimRefused as exc:
        claimed, notice = False, str(exc)
    else:
        claimed, notice = True, f"You claimed {case.reference}. Its details are now open to you."
    if request.htmx and request.POST.get("from") == "queue":
        row = queue_row(case_id=case.pk)
        _link_rows([row])
        context = {
            "row": row,
            "tabs": _tabs(queue_counts(user=request.user)),
            "claimed": claimed,
            "notice": notice,
        }
        return render(request, "casework/_claimed_row.html", context)
    (messages.success if claimed else messages.warning)(request, notice)
    return redirect(next_or(request, reverse("casework:case", args=[case.reference])))


def next_or(request, default: str) -> str:
    """The form's `next` when it stays on this site (a path, or this host over the same scheme), else `default`:
    the one check for every staff redirect, so none can send a caseworker to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# ---- The case page -----------------------------------------------------------------------------------


@require_GET
@roles.staff_required()
def case_detail(request, reference: str):
    return _render_case(request, reference)


def _render_case(request, reference: str, *, forms: dict | None = None, status: int = 200):
    case = selectors.case_for_staff(reference=reference, viewer=request.user)
    if case is None:
        raise Http404("No case with this reference.")
    allowed = access.can_see_pii(request.user, case)
    supervisor = access.is_supervisor(request.user)
    forms = forms or {}
    context = {
        "case": case,
        "allowed": allowed,
        "supervisor": supervisor,
        "hashes": selectors.hash_summary(case),
        "timeline": selectors.case_timeline(case),
        "feedback": selectors.partner_feedback(case),
        "held_file_count": case.hashes.filter(bank_held=True).count() if case.bank_is_held else 0,
        "bank_hold_labels": [
            BankHoldReason(reason).label if reason in BankHoldReason.values else reason
            for reason in case.bank_hold_reasons
        ],
        "closing_reason_label": states.CLOSING_REASONS.get(case.closing_reason, case.closing_reason),
        "status_form": forms.get("status") or StatusForm(initial={"status": case.status}),
    }
    if not allowed:
        context["requests_summary"] = selectors.case_requests_summary(case)
    if allowed:
        details = selectors.victim_details(case)
        email_allowed = may_email(case, details)
        items = selectors.case_items(case)
        context.update(
            details=details,
            notes=items.notes,
            victim_messages=items.messages,
            evidence=items.evidence,
            email_allowed=email_allowed,
            note_form=forms.get("note") or NoteForm(),
            message_form=forms.get("message") or MessageForm(email_allowed=email_allowed),
            evidence_form=forms.get("evidence") or EvidenceForm(),
        )
        shown = [*details.shown, "notes", "messages", "evidence_list"]
        if not case.erased_at:
            # The board's request texts carry the victim's name, signature and the URLs.
            context["board_rows"] = board_rows(case)
            shown.append("removal_requests")
        follow_up = request.method == "GET" and request.session.pop(FOLLOW_UP_KEY, None) == case.reference
        services.pii_view_record(
            case=case, actor=request.user, origin=Origin.from_request(request), shown=shown, follow_up=follow_up
        )
    response = render(request, "casework/case_detail.html", context, status=status)
    origin = _signed_url_origin()
    if allowed and origin:
        # Evidence images load from the storage's signed URLs (after our authorised redirect).
        response._csp_update = {"img-src": [origin]}
    return response


def _case_for_action(request, reference: str) -> Case:
    case = get_object_or_404(Case.objects.select_related("assigned_to").defer(*PII_FIELDS), reference=reference)
    if not access.can_work(request.user, case):
        raise PermissionDenied("Only the assigned caseworker or a supervisor can change this case.")
    return case


FOLLOW_UP_KEY = "casework_follow_up"


def mark_follow_up(request, case: Case) -> None:
    """The next case page for `case` follows this person's own action on it: one view, not another
    (services.pii_view_record). Set in the session by the portal only, never from the request."""
    request.session[FOLLOW_UP_KEY] = case.reference


def _done(request, case: Case, text: str) -> HttpResponseRedirect:
    messages.success(request, text)
    mark_follow_up(request, case)
    return redirect("casework:case", reference=case.reference)


@require_http_methods(["GET", "POST"])
@roles.staff_required(roles.SUPERVISOR)
def case_assign(request, reference: str):
    """A supervisor assigns, reassigns or unassigns a case (its own small page keeps the case page lean)."""
    case = get_object_or_404(Case.objects.select_related("assigned_to").defer(*PII_FIELDS), reference=reference)
    initial = {"assignee": str(case.assigned_to_id or "none")}
    form = AssignForm(request.POST or None, staff=selectors.staff_choices(), initial=initial)
    if request.method == "POST" and form.is_valid():
        to = form.assignee_user()
        try:
            services.case_assign(case=case, to=to, actor=request.user, origin=Origin.from_request(request))
        except (services.CaseworkError, access.NotAllowed) as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, case, f"{case.reference} is now assigned to {to}." if to else "Case unassigned.")
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "history": selectors.assignment_history(case)}
    return render(request, "casework/assign.html", context, status=status)


@require_POST
@roles.staff_required()
def bank_release(request, reference: str):
    case = _case_for_action(request, reference)
    try:
        services.case_bank_release(case=case, actor=request.user, origin=Origin.from_request(request))
    except (services.CaseworkError, access.NotAllowed) as exc:
        messages.error(request, str(exc))
        return redirect("casework:case", reference=case.reference)
    return _done(request, case, "The fingerprints are released: partners receive them at their next fetch.")


@require_POST
@roles.staff_required()
def case_status(request, reference: str):
    case = _case_for_action(request, reference)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_status_change(
                case=case,
                status=form.cleaned_data["status"],
                closing_reason=form.cleaned_data["closing_reason"],
                actor=request.user,
                origin=Origin.from_request(request),
            )
        except (services.CaseworkError, access.NotAllowed) as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, case, f"The case is now {case.get_status_display().lower()}.")
    return _render_case(request, reference, forms={"status": form}, status=400)


@require_POST
@roles.staff_required()
def note_add(request, reference: str):
    case = _case_for_action(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                case=case, text=form.cleaned_data["text"], actor=request.user, origin=Origin.from_request(request)
            )
        except services.CaseworkError as exc:
            form.add_error("text", str(exc))
        else:
            return _done(request, case, "Note saved.")
    return _render_case(request, reference, forms={"note": form}, status=400)


@require_POST
@roles.staff_required()
def message_send(request, reference: str):
    case = _case_for_action(request, reference)
    # Whether email is allowed depends on the (encrypted) address and preferences: read them now, once.
    case.refresh_from_db(fields=["contact_email", "safe_contact", "consent_contact"])
    form = MessageForm(request.POST, email_allowed=may_email(case))
    if form.is_valid():
        try:
            message = services.message_send(
                case=case,
                body=form.cleaned_data["body"],
                email=form.cleaned_data["email"],
                actor=request.user,
                origin=Origin.from_request(request),
            )
        except services.CaseworkError as exc:
            form.add_error("body", str(exc))
        else:
            return _done(request, case, f"Message posted to their status page. {message.get_email_status_display()}.")
    return _render_case(request, reference, forms={"message": form}, status=400)


@require_POST
@roles.staff_required()
def evidence_add(request, reference: str):
    case = _case_for_action(request, reference)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                case=case,
                upload=form.cleaned_data["screenshot"],
                kind=form.cleaned_data["kind"],
                caption=form.cleaned_data["caption"],
                actor=request.user,
                origin=Origin.from_request(request),
            )
        except (EvidenceRefused, services.CaseworkError) as exc:
            form.add_error("screenshot", str(exc))
        else:
            return _done(request, case, "Screenshot added. Its hidden data (location, camera) was removed.")
    return _render_case(request, reference, forms={"evidence": form}, status=400)


@require_GET
@roles.staff_required()
def evidence_file(request, reference: str, evidence_id: int):
    """The only way to an evidence file: checked, recorded in the audit log, then a short-lived signed URL
    (S3) or the bytes streamed from private local storage."""
    evidence = selectors.evidence_for_staff(reference=reference, evidence_id=evidence_id)
    if evidence is None:
        raise Http404("No such evidence on this case.")
    if not access.can_see_pii(request.user, evidence.case):
        raise PermissionDenied("Only the assigned caseworker or a supervisor can open evidence.")
    services.evidence_view_record(evidence=evidence, actor=request.user, origin=Origin.from_request(request))
    storage = evidence.file.storage
    if getattr(storage, "querystring_auth", False):
        response = HttpResponseRedirect(storage.url(evidence.file.name))
    else:
        response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
        response["Content-Disposition"] = (
            f'inline; filename="evidence-{evidence.pk}.{evidence.file.name.rsplit(".", 1)[-1]}"'
        )
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response


def _signed_url_origin() -> str:
    """The origin of the storage's signed URLs (S3 or MinIO), for the case page's img-src; '' for local files."""
    from django.core.files.storage import default_storage

    if not getattr(default_storage, "querystring_auth", False):
        return ""
    parts = urlsplit(default_storage.url("evidence/origin-probe"))  # signing is local: no request is made
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


# ---- The audit log -----------------------------------------------------------------------------------


AUDIT_EXPORT_LIMIT = 100_000
AUDIT_CSV_COLUMNS = ["When (UTC)", "Who", "What", "Case", "Object", "Details", "From address", "Browser"]


def _csv_cell(value) -> str:
    """Spreadsheets run cells that start with these as formulas; a browser string or a note could be one."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def audit_export(request):
    form = AuditFilterForm(request.GET, staff=selectors.staff_choices())
    query = form.query()
    records = list(selectors.audit_records(query)[:AUDIT_EXPORT_LIMIT])
    filters = {name: str(v) for name, v in form.cleaned_data.items() if v not in (None, "") and name != "page"}
    services.audit_export_record(
        actor=request.user, origin=Origin.from_request(request), filters=filters, rows=len(records)
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(AUDIT_CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                _csv_cell(value)
                for value in (
                    record.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    record.actor_email,
                    record.get_action_display(),
                    record.case_reference,
                    f"{record.object_type} {record.object_id}".strip(),
                    readable_line(record.detail),
                    record.ip or "",
                    record.user_agent,
                )
            ]
        )
    return response


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def audit_log(request):
    staff = selectors.staff_choices()
    form = AuditFilterForm(request.GET, staff=staff)
    page = selectors.audit_page(form.query())
    return render(
        request, "casework/audit_log.html", {"form": form, "page": page, "actions": dict(AuditRecord.Action.choices)}
    )
