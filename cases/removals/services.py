"""Every write on removal requests: moves, edits, sending, deadlines, escalation and the sweeper."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from cases.casework.audit import Origin, audit_record
from cases.casework.models import AuditRecord
from cases.models import Case, CaseEvent
from cases.removals import legal, queueing, state
from cases.removals.legal.choice import STATUTORY_HOURS
from cases.removals.models import Basis, RemovalRequest, ReportingChannel, RequestTransition, RequestURL
from cases.removals.replies.services import replies_erase
from cases.removals.replies.tokens import reply_address
from cases.timeline import event_record


class RemovalError(Exception):
    """A request that cannot be done as asked; the message says what was wrong and what to do."""


class RemovalConflict(RemovalError):
    """Someone else moved the request first."""


def _conflict(current: str) -> RemovalConflict:
    return RemovalConflict(
        f"Someone else has just changed this request: it is now {state.label(current).lower()}. "
        "Nothing was changed; look at it again before you act."
    )


def _actor_label(actor) -> str:
    return "staff" if actor is not None else "system"


def _audit_change(request: RemovalRequest, *, actor, origin: Origin | None, step: str) -> None:
    """A staff member's change to a request, audit-logged inside the caller's transaction. Moves the system makes
    (tasks, the sweeper) have no actor and are in the request's history instead."""
    if actor is None:
        return
    audit_record(
        action=AuditRecord.Action.REMOVAL_CHANGE,
        actor=actor,
        origin=origin or Origin.system(),
        case=request.case,
        obj=request,
        step=step,
    )


def request_urls(request: RemovalRequest) -> list[str]:
    """The URLs a request covers, in the order they were reported (decrypted)."""
    return [link.case_url.url for link in request.request_urls.select_related("case_url")]


def render(request: RemovalRequest) -> legal.Rendered:
    return legal.render_request(request, case=request.case, urls=request_urls(request), original=request.escalates)


def lock_request(request_id: int) -> RemovalRequest:
    """The request, locked FOR UPDATE until the transaction ends: moves of one request run one at a time."""
    return (
        RemovalRequest.objects.select_for_update(of=("self",))
        .select_related("case", "platform", "channel", "escalates")
        .get(pk=request_id)
    )


def move_request(
    request: RemovalRequest,
    to_status: str,
    *,
    actor=None,
    note: str = "",
    ticket_number: str = "",
    extra: dict | None = None,
) -> RemovalRequest:
    """Perform one move on a request locked by lock_request: checks, a conditional UPDATE, the history row and
    the timeline event. Every move of every request goes through here."""
    by = state.STAFF if actor is not None else state.SYSTEM
    current = request.status
    move = state.MOVES.get(current, {}).get(to_status)
    missing: list[legal.Missing] = []
    if move is not None and move.needs_complete:
        missing = render(request).missing
    try:
        state.check_move(current, to_status, by=by, complete=not missing)
    except state.IllegalMove as exc:
        if missing:
            raise RemovalError(f"{exc} Missing: {'; '.join(m.message for m in missing)}.") from None
        raise RemovalError(str(exc)) from None
    now = timezone.now()
    fields = {"status": to_status, "status_changed_at": now, **(extra or {})}
    if ticket_number:
        fields["ticket_number"] = ticket_number
    if to_status == state.SENT:
        sent_at = (extra or {}).get("sent_at") or now
        fields.update(sent_at=sent_at, overdue_notified_at=None, missing_elements=[], **deadline_for(request, sent_at))
    # The row is locked, so this cannot miss; the WHERE is the second guard should a caller forget the lock.
    if RemovalRequest.objects.filter(pk=request.pk, status=current).update(**fields) != 1:
        raise _conflict(RemovalRequest.objects.get(pk=request.pk).status)
    RequestTransition.objects.create(
        request=request,
        from_status=current,
        to_status=to_status,
        at=now,
        actor=actor,
        actor_label=_actor_label(actor),
        note=note,
        ticket_number=ticket_number,
    )
    event_record(
        case=request.case,
        kind=CaseEvent.Kind.REMOVAL_REQUEST_MOVED,
        actor=actor,
        request_id=request.pk,
        platform=request.platform.slug,
        from_status=current,
        to_status=to_status,
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def deadline_for(request: RemovalRequest, sent_at) -> dict:
    """The deadline a request gets when sent: 48 hours under TAKE IT DOWN when made through the covered platform's
    designated process (47 U.S.C. 223a(a)(3)); otherwise the helpline's own follow-up target, which is no legal
    duty. Escalations get none: the caseworker follows them up."""
    if request.kind == RemovalRequest.Kind.ESCALATION:
        return {"deadline_at": None, "deadline_statutory": False}
    if legal.starts_statutory_deadline(request):
        hours = STATUTORY_HOURS[request.basis]
        return {"deadline_at": sent_at + timedelta(hours=hours), "deadline_statutory": True}
    return {
        "deadline_at": sent_at + timedelta(hours=settings.REMOVALS_FOLLOW_UP_HOURS),
        "deadline_statutory": False,
    }


def removal_transition(
    *,
    request_id: int,
    to_status: str,
    actor=None,
    expected_status: str | None = None,
    note: str = "",
    ticket_number: str = "",
    origin: Origin | None = None,
    step: str = "move",
) -> RemovalRequest:
    """Move a request. `expected_status` is the state the person saw: if it changed meanwhile, refuse. A staff
    member's move is audit-logged as `step` in the same transaction."""
    with transaction.atomic():
        request = lock_request(request_id)
        if expected_status is not None and request.status != expected_status:
            raise _conflict(request.status)
        move_request(request, to_status, actor=actor, note=note, ticket_number=ticket_number)
        _audit_change(request, actor=actor, origin=origin, step=step)
        return request


def removal_mark_ready(
    *, request_id: int, actor, expected_status: str = state.DRAFTED, origin: Origin | None = None
) -> RemovalRequest:
    return removal_transition(
        request_id=request_id,
        to_status=state.READY,
        actor=actor,
        expected_status=expected_status,
        origin=origin,
        step="ready",
    )


def removal_reopen(
    *, request_id: int, actor, expected_status: str, note: str = "", origin: Origin | None = None
) -> RemovalRequest:
    """Back to draft, to be edited and marked ready again."""
    return removal_transition(
        request_id=request_id,
        to_status=state.DRAFTED,
        actor=actor,
        expected_status=expected_status,
        note=note,
        origin=origin,
        step="reopen",
    )


def removal_record_answer(
    *,
    request_id: int,
    actor,
    answer: str,
    expected_status: str,
    note: str = "",
    ticket_number: str = "",
    origin: Origin | None = None,
) -> RemovalRequest:
    if answer not in state.ANSWERS:
        raise RemovalError("Choose what the platform answered: acknowledged, removed, refused or needs information.")
    return removal_transition(
        request_id=request_id,
        to_status=answer,
        actor=actor,
        expected_status=expected_status,
        note=note,
        ticket_number=ticket_number,
        origin=origin,
        step="answer",
    )


def removal_close(
    *, request_id: int, actor, expected_status: str, note: str = "", origin: Origin | None = None
) -> RemovalRequest:
    return removal_transition(
        request_id=request_id,
        to_status=state.CLOSED,
        actor=actor,
        expected_status=expected_status,
        note=note,
        origin=origin,
        step="close",
    )


CORRECTION_LABEL = state.CORRECTION_LABEL


def removal_correct_last_move(
    *, request_id: int, actor, expected_status: str, reason: str, origin: Origin
) -> RemovalRequest:
    """Take back the last move of a request (a platform's answer or closing, recorded by mistake): the request
    goes back to the state before it, with its own history row and timeline event, and an audit row, all in one
    transaction. The mistaken move stays in the history."""
    reason = (reason or "").strip()
    if not reason:
        raise RemovalError("Say in a few words what was wrong with the last move; the history keeps the reason.")
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status != expected_status:
            raise _conflict(request.status)
        last = request.transitions.order_by("-at", "-id").first()
        makers = {"staff": state.STAFF, "system": state.SYSTEM, CORRECTION_LABEL: state.CORRECTION}
        last_by = makers.get(last.actor_label) if last is not None else None
        try:
            back_to = state.check_correction(
                request.status,
                last_from=last.from_status if last else None,
                last_to=last.to_status if last else None,
                last_by=last_by,
            )
        except state.IllegalMove as exc:
            raise RemovalError(str(exc)) from None
        now = timezone.now()
        # Back to where it was: the deadline, sending time and ticket number were left as they were by the move.
        if (
            RemovalRequest.objects.filter(pk=request.pk, status=request.status).update(
                status=back_to, status_changed_at=now
            )
            != 1
        ):
            raise _conflict(RemovalRequest.objects.get(pk=request.pk).status)
        RequestTransition.objects.create(
            request=request,
            from_status=request.status,
            to_status=back_to,
            at=now,
            actor=actor,
            actor_label=CORRECTION_LABEL,
            note=f"Correction: {reason}",
        )
        event_record(
            case=request.case,
            kind=CaseEvent.Kind.REMOVAL_REQUEST_CORRECTED,
            actor=actor,
            request_id=request.pk,
            platform=request.platform.slug,
            from_status=request.status,
            to_status=back_to,
        )
        audit_record(
            action=AuditRecord.Action.REMOVAL_CHANGE,
            actor=actor,
            origin=origin,
            case=request.case,
            obj=request,
            step="correct",
            from_status=request.status,
            to_status=back_to,
        )
        request.status, request.status_changed_at = back_to, now
    return request


def escalation_channels(request: RemovalRequest) -> list[ReportingChannel]:
    """Channels an escalation of `request` may use: its platform's appeal routes and the regulators."""
    return list(
        ReportingChannel.objects.filter(platform=request.platform_id, retired=False)
        .exclude(purpose=ReportingChannel.Purpose.REPORT)
        .union(ReportingChannel.objects.filter(purpose=ReportingChannel.Purpose.REGULATOR, retired=False))
        .order_by("purpose", "priority", "id")
    )


def removal_edit_draft(
    *,
    request_id: int,
    actor,
    expected_status: str = state.DRAFTED,
    basis: str,
    channel_id: int | None,
    abuse_contact: str = "",
    copyright_confirmed: bool = False,
    explanation_extra: str = "",
    origin: Origin | None = None,
) -> RemovalRequest:
    """Change a draft's legal basis, channel and the facts the caseworker supplies."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status != expected_status:
            raise _conflict(request.status)
        if request.status != state.DRAFTED:
            raise RemovalError("Only a drafted request can be edited; use 'Edit again' first.")
        if request.kind == RemovalRequest.Kind.ESCALATION:
            allowed_bases: list[str] = [Basis.APPEAL, Basis.REGULATOR_COMPLAINT]
            channels = {c.pk: c for c in escalation_channels(request)}
        else:
            # A retired channel is offered for nothing: what the board lists is what the edit accepts.
            platform_channels = list(request.platform.channels.filter(retired=False))
            allowed_bases = legal.allowed_bases(
                request.platform, platform_channels, case=request.case, kind=request.kind
            )
            wanted = {ReportingChannel.Purpose.REPORT, ReportingChannel.Purpose.CHILD_SAFETY}
            channels = {c.pk: c for c in platform_channels if c.purpose in wanted}
        if basis not in allowed_bases:
            raise RemovalError(_basis_refusal(request, basis))
        channel = None
        if channel_id is not None:
            channel = channels.get(channel_id)
            if channel is None:
                raise RemovalError("That channel does not belong to this platform; choose one from the list.")
            if channel.retired:
                raise RemovalError(f"'{channel.label}' was taken out of the directory; choose another channel.")
            if channel.bases and basis not in channel.bases and request.kind != RemovalRequest.Kind.ESCALATION:
                raise RemovalError(f"'{channel.label}' does not take this legal basis; choose another channel.")
            if basis == Basis.TAKE_IT_DOWN and not legal.is_designated_tida(request.platform, channel):
                raise RemovalError(
                    "A TAKE IT DOWN request must go through the process the covered platform designated under the "
                    "Act; choose that channel."
                )
        abuse_contact = abuse_contact.strip()
        if abuse_contact and "@" in abuse_contact:
            try:
                validate_email(abuse_contact)
            except ValidationError:
                raise RemovalError("The abuse contact looks like an email address but is not a valid one.") from None
        request.basis = basis
        request.channel = channel
        request.abuse_contact = abuse_contact
        request.copyright_confirmed = copyright_confirmed
        request.explanation_extra = explanation_extra.strip()
        request.missing_elements = [m.code for m in render(request).missing]
        request.save(
            update_fields=[
                "basis",
                "channel",
                "abuse_contact",
                "copyright_confirmed",
                "explanation_extra",
                "missing_elements",
            ]
        )
        event_record(case=request.case, kind=CaseEvent.Kind.REMOVAL_REQUEST_EDITED, actor=actor, request_id=request.pk)
        _audit_change(request, actor=actor, origin=origin, step="edit")
        return request


def _basis_refusal(request: RemovalRequest, basis: str) -> str:
    case = request.case
    if case.is_minor and basis != Basis.CHILD_SAFETY:
        return "The person pictured is under 18: only a child-safety report can be sent, never an adult request."
    if basis == Basis.DMCA:
        return (
            "A DMCA notice only holds when the person pictured took the images themselves, and never for "
            "AI-generated images; choose another legal basis."
        )
    if basis == Basis.TAKE_IT_DOWN:
        return (
            f"{request.platform.name} has no TAKE IT DOWN process in the directory (or is not a covered platform): "
            "choose another legal basis."
        )
    return f"This legal basis does not apply to {request.platform.name} for this case; choose one from the list."


def removal_approve_disclosure(*, request_id: int, actor, origin: Origin | None = None) -> RemovalRequest:
    """A caseworker approves naming the victim in one request to a destination that is unknown or unverified.
    Audit-logged in the same transaction."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status not in state.UNSENT:
            raise RemovalError("Only a request not sent yet can be changed; this one has gone.")
        if request.case.is_minor:
            raise RemovalError("A child is never named in a report of abuse material.")
        if request.disclosure_approved_at is not None:
            return request
        now = timezone.now()
        RemovalRequest.objects.filter(pk=request.pk).update(disclosure_approved_at=now, disclosure_approved_by=actor)
        request.disclosure_approved_at = now
        request.disclosure_approved_by = actor
        event_record(
            case=request.case, kind=CaseEvent.Kind.REMOVAL_DISCLOSURE_APPROVED, actor=actor, request_id=request.pk
        )
        audit_record(
            action=AuditRecord.Action.REMOVAL_CHANGE,
            actor=actor,
            origin=origin or Origin.system(),
            case=request.case,
            obj=request,
            step="approve_disclosure",
        )
        request.missing_elements = [m.code for m in render(request).missing]
        request.save(update_fields=["missing_elements"])
        return request


def case_evidence_confirm(*, case: Case, actor, origin: Origin | None = None) -> Case:
    """A caseworker confirms the evidence was captured (screenshots, URLs, dates): held requests may go now."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.evidence_confirmed_at is not None:
            return case
        case.evidence_confirmed_at = timezone.now()
        case.evidence_confirmed_by = actor
        case.save(update_fields=["evidence_confirmed_at", "evidence_confirmed_by", "updated_at"])
        event_record(case=case, kind=CaseEvent.Kind.EVIDENCE_CONFIRMED, actor=actor)
        audit_record(
            action=AuditRecord.Action.CASE_STATUS,
            actor=actor,
            origin=origin or Origin.system(),
            case=case,
            step="evidence_confirmed",
        )
        return case


def email_recipient(request: RemovalRequest) -> str:
    """The address the portal may send this request to, or '' when it goes by web form or in the app."""
    if request.channel is not None:
        return request.channel.email if request.channel.method == ReportingChannel.Method.EMAIL else ""
    if request.platform.is_catch_all:
        try:
            validate_email(request.abuse_contact)
        except ValidationError:
            return ""
        return request.abuse_contact
    return ""


def removal_approve_send(
    *, request_id: int, actor, expected_status: str = state.READY, origin: Origin | None = None
) -> RemovalRequest:
    """A caseworker approves an email request; a task sends it after commit (claimed, so it goes once)."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status != expected_status:
            raise _conflict(request.status)
        if request.status not in (state.READY, state.NEEDS_INFO):
            raise RemovalError("Only a request that is ready (or needs information) can be sent.")
        if not email_recipient(request):
            raise RemovalError("This request goes by web form or in the app: send it there and mark it sent.")
        missing = render(request).missing
        if missing:
            raise RemovalError(f"This request is not complete: {'; '.join(m.message for m in missing)}.")
        if request.send_claimed_at is not None:
            raise RemovalError("This request is already being sent.")
        token = secrets.token_hex(16)
        now = timezone.now()
        RemovalRequest.objects.filter(pk=request.pk).update(
            send_claimed_at=now,
            send_claim_token=token,
            send_approved_by=actor,
            send_attempted_at=None,
            send_problem="",
        )
        event_record(
            case=request.case, kind=CaseEvent.Kind.REMOVAL_REQUEST_SEND_APPROVED, actor=actor, request_id=request.pk
        )
        _audit_change(request, actor=actor, origin=origin, step="send")
        transaction.on_commit(lambda: queueing.queue_send(request_id=request.pk, token=token))
    request.refresh_from_db()
    return request


def removal_send_email(*, request_id: int, token: str) -> str:
    """Send an approved request by email and mark it sent. Returns what happened, for the task's log.

    The Message-ID is saved before the SMTP conversation: if the worker dies after the platform got the
    email but before the request is marked sent, the sweeper does not send it again but tells the caseworker
    which message to look for."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.send_claim_token != token or request.status not in (state.READY, state.NEEDS_INFO):
            return "not claimed by this send (already sent or cancelled)"
        if request.send_attempted_at is not None:
            return "an earlier attempt may have sent it; left for the sweeper"
        rendered = render(request)
        recipient = email_recipient(request)
        if rendered.missing or not recipient:
            RemovalRequest.objects.filter(pk=request.pk).update(
                send_claimed_at=None, send_claim_token="", send_problem="Not sent: the request is incomplete."
            )
            return "incomplete"
        domain = (settings.DEFAULT_FROM_EMAIL or "").rpartition("@")[2] or "localhost"
        message_id = make_msgid(idstring=request.code, domain=domain)
        RemovalRequest.objects.filter(pk=request.pk).update(send_attempted_at=timezone.now(), message_id=message_id)
    email = EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        # Replies carry the request's token (cases/removals/replies/tokens.py) and thread by the Message-ID.
        reply_to=[reply_address(legal.reply_to(), request_id)],
        headers={"Message-ID": message_id},
    )
    email.send(fail_silently=False)
    with transaction.atomic():
        request = lock_request(request_id)
        if request.send_claim_token != token:
            return "claim reset while sending"
        move_request(
            request,
            state.SENT,
            actor=None,
            note=f"Sent by email; approved by {request.send_approved_by or 'staff'}.",
            extra={
                "sent_via": RemovalRequest.SentVia.EMAIL,
                "sent_to": recipient,
                "sent_body": rendered.body,
                "message_id": message_id,
                "send_claimed_at": None,
                "send_claim_token": "",
            },
        )
    return "sent"


def removal_send_failed(*, request_id: int, token: str, reason: str) -> None:
    """The email could not be sent (permanently, or after retries): release the claim and say why."""
    RemovalRequest.objects.filter(pk=request_id, send_claim_token=token).update(
        send_claimed_at=None, send_claim_token="", send_attempted_at=None, send_problem=reason[:300]
    )


def removal_mark_sent(
    *,
    request_id: int,
    actor,
    expected_status: str,
    ticket_number: str = "",
    note: str = "",
    sent_via: str = "",
    submitted_at: datetime | None = None,
    origin: Origin | None = None,
) -> RemovalRequest:
    """The caseworker sent it through a web form or in the app: record it with the platform's ticket number.
    `submitted_at` is when they submitted the form, if not just now: a legal deadline counts from then."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status != expected_status:
            raise _conflict(request.status)
        if request.send_claimed_at is not None:
            raise RemovalError("The portal is sending this request by email right now; wait for it.")
        now = timezone.now()
        if submitted_at is not None:
            if submitted_at > now + timedelta(minutes=5):
                raise RemovalError("The submission time is in the future; give the time you submitted the form.")
            if submitted_at < request.status_changed_at - timedelta(minutes=5):
                raise RemovalError(
                    "The submission time is before the request was marked ready; give the time you submitted it."
                )
        rendered = render(request)
        method = request.channel.method if request.channel else ""
        extra: dict[str, Any] = {
            "sent_via": sent_via or method or RemovalRequest.SentVia.OTHER,
            "sent_to": rendered.recipient,
            "sent_body": rendered.body,
        }
        if submitted_at is not None:
            extra["sent_at"] = min(submitted_at, now)
        move_request(request, state.SENT, actor=actor, note=note, ticket_number=ticket_number.strip(), extra=extra)
        _audit_change(request, actor=actor, origin=origin, step="mark-sent")
        return request


def _escalation_route(request: RemovalRequest) -> tuple[str, ReportingChannel | None]:
    """The platform's appeal channel, or a complaint to the enforcing authority under TAKE IT DOWN (and the
    DSA's coordinator when there is no appeal route)."""
    channels = escalation_channels(request)
    # An authority serving some countries only (a member state's Digital Services Coordinator, eSafety, the
    # AEPD) is chosen only for a victim from one of them: never a default coordinator for everyone. A DSA
    # complaint goes to the coordinator of the victim's own member state (DSA Art. 53), never another's.
    country = (request.case.country or "").upper()
    regulator = [
        c
        for c in channels
        if c.purpose == ReportingChannel.Purpose.REGULATOR
        and request.basis in c.bases
        and (not c.countries or country in c.countries)
        and (request.basis != Basis.DSA_ART16 or (c.platform.country and c.platform.country == country))
    ]
    appeals = [
        c for c in channels if c.purpose == ReportingChannel.Purpose.APPEAL and c.platform_id == request.platform_id
    ]
    if request.basis == Basis.TAKE_IT_DOWN and regulator:
        return Basis.REGULATOR_COMPLAINT, regulator[0]
    if appeals:
        return Basis.APPEAL, appeals[0]
    if regulator:
        return Basis.REGULATOR_COMPLAINT, regulator[0]
    return Basis.APPEAL, None


def escalation_prepare(*, request: RemovalRequest) -> RemovalRequest:
    """Draft the escalation of a refused or overdue request, once."""
    existing = request.escalations.first()
    if existing is not None:
        return existing
    basis, channel = _escalation_route(request)
    sequence = (
        RemovalRequest.objects.filter(
            case=request.case_id, platform=request.platform_id, host=request.host, kind=RemovalRequest.Kind.ESCALATION
        ).count()
        + 1
    )
    escalation = RemovalRequest.objects.create(
        case=request.case,
        platform=request.platform,
        host=request.host,
        kind=RemovalRequest.Kind.ESCALATION,
        sequence=sequence,
        escalates=request,
        basis=basis,
        channel=channel,
        language=request.language,
        explanation_extra=request.explanation_extra,
    )
    RequestURL.objects.bulk_create(
        [RequestURL(request=escalation, case_url_id=link.case_url_id) for link in request.request_urls.all()]
    )
    escalation.missing_elements = [m.code for m in render(escalation).missing]
    escalation.save(update_fields=["missing_elements"])
    event_record(
        case=request.case,
        kind=CaseEvent.Kind.REMOVAL_ESCALATION_DRAFTED,
        request_id=escalation.pk,
        escalates=request.pk,
        basis=basis,
    )
    return escalation


def removal_escalate(
    *, request_id: int, actor, expected_status: str, note: str = "", origin: Origin | None = None
) -> RemovalRequest:
    """Move a refused, overdue or stuck request to escalated and draft its escalation."""
    with transaction.atomic():
        request = lock_request(request_id)
        if request.status != expected_status:
            raise _conflict(request.status)
        move_request(request, state.ESCALATED, actor=actor, note=note)
        escalation_prepare(request=request)
        _audit_change(request, actor=actor, origin=origin, step="escalate")
        return request


def board_viewed(*, case: Case, actor, request_ids: list[int], origin: Origin) -> None:
    """Rendering request texts shows a caseworker the victim's name and signature: record the read on the case's
    timeline and in the audit log, together."""
    if not request_ids:
        return
    with transaction.atomic():
        event_record(
            case=case, kind=CaseEvent.Kind.PII_VIEWED, actor=actor, what="removal_requests", request_ids=request_ids
        )
        audit_record(
            action=AuditRecord.Action.REMOVAL_VIEW, actor=actor, origin=origin, case=case, request_ids=request_ids
        )


# What an erased case's "other website" requests name as their host (see removals_erase).
ERASED_HOST = "erased-"


def removals_erase(*, case: Case) -> int:
    """Part of case erasure (cases.services.case_erase): blank what the case's requests say about the victim (the
    text sent, added explanations, notes, platforms' ticket numbers, where it was sent and the Message-ID that
    finds it in the mailbox, and the site of an "other website" request, which may carry the victim's name). The
    requests themselves stay, with platform, kind, status and dates, as anonymous figures for reporting.
    Returns the requests touched."""
    requests = RemovalRequest.objects.filter(case=case)
    replies_erase(case=case)
    RequestTransition.objects.filter(request__case=case).update(note="", ticket_number="")
    # A host becomes "erased-1", "erased-2", ...: still one name per site, so the uniqueness of (case, platform,
    # host, kind, sequence) holds and a site's follow-ups stay together, but nothing of the name is left.
    hosts = sorted(set(requests.exclude(host="").exclude(host__startswith=ERASED_HOST).values_list("host", flat=True)))
    for number, host in enumerate(hosts, start=1):
        requests.filter(host=host).update(host=f"{ERASED_HOST}{number}")
    return requests.update(
        explanation_extra="",
        sent_body="",
        ticket_number="",
        abuse_contact="",
        send_problem="",
        sent_to="",
        message_id="",
    )
