"""Casework writes: claim, assign, status, notes, messages, evidence; each writes an audit record and an event."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import F, Value, When
from django.utils import timezone

from cases.casework import access, states
from cases.casework.audit import Origin, audit_record
from cases.casework.evidence import clean_screenshot
from cases.casework.models import AuditRecord, CaseAssignment, CaseMessage, CaseNote, Evidence
from cases.casework.safe_contact import SafeContact
from cases.models import Case, CaseEvent
from cases.timeline import event_record
from helpline.staff import roles

logger = logging.getLogger(__name__)

Action = AuditRecord.Action
NOTE_MAX_CHARS = 10_000
MESSAGE_MAX_CHARS = 5_000


class CaseworkError(Exception):
    """A casework action that cannot go ahead; the message is fit to show to the caseworker."""


@dataclass
class ClaimRefused(CaseworkError):
    """Someone else got the case first (or it is not open); says who and when."""

    holder: object | None
    assigned_at: datetime | None
    message: str

    def __str__(self) -> str:
        return self.message


ASSIGNMENT_EVENTS = {
    CaseAssignment.Kind.CLAIM: CaseEvent.Kind.CASE_CLAIMED,
    CaseAssignment.Kind.ASSIGN: CaseEvent.Kind.CASE_ASSIGNED,
    CaseAssignment.Kind.REASSIGN: CaseEvent.Kind.CASE_REASSIGNED,
    CaseAssignment.Kind.UNASSIGN: CaseEvent.Kind.CASE_UNASSIGNED,
}


def _require_staff(actor) -> None:
    if roles.role_of(actor) is None:
        raise access.NotAllowed("Only helpline staff can do this.")


def _require_not_erased(case: Case) -> None:
    if case.erased_at is not None:
        raise CaseworkError("This case was erased; nothing more can be added to it.")


def case_claim(*, case: Case, actor, origin: Origin) -> Case:
    """Take an unassigned open case. One conditional UPDATE decides: of two simultaneous claims exactly one
    matches `assigned_to IS NULL`; the other updates no row and is told who has the case."""
    _require_staff(actor)
    now = timezone.now()
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case.pk, assigned_to__isnull=True, status__in=states.OPEN).update(
            assigned_to=actor,
            assigned_at=now,
            updated_at=now,
            status=SqlCase(
                When(status=Case.Status.NEW, then=Value(Case.Status.IN_PROGRESS)),
                default=F("status"),
            ),
        )
        if claimed:
            status_before = case.status
            case.refresh_from_db(fields=["assigned_to", "assigned_at", "status", "updated_at"])
            CaseAssignment.objects.create(
                case=case, kind=CaseAssignment.Kind.CLAIM, assigned_to=actor, by=actor, at=now
            )
            audit_record(action=Action.CASE_CLAIM, actor=actor, origin=origin, case=case, status=case.status)
            event_record(
                case=case,
                kind=CaseEvent.Kind.CASE_CLAIMED,
                actor=actor,
                status_from=status_before,
                status_to=case.status,
            )
            return case
    current = Case.objects.select_related("assigned_to").get(pk=case.pk)
    if current.assigned_to_id == actor.pk:
        message = "You already have this case."
    elif current.assigned_to_id is not None:
        when = timezone.localtime(current.assigned_at).strftime("%H:%M") if current.assigned_at else "just now"
        message = f"{current.assigned_to} claimed this case first, at {when}."
    else:
        message = f"This case is {current.get_status_display().lower()}; reopen it before claiming it."
    raise ClaimRefused(holder=current.assigned_to, assigned_at=current.assigned_at, message=message)


def case_assign(*, case: Case, to, actor, origin: Origin) -> Case:
    """A supervisor assigns, reassigns or (with to=None) unassigns a case."""
    access.require_supervisor(actor)
    if to is not None and roles.role_of(to) not in (roles.CASEWORKER, roles.SUPERVISOR):
        raise CaseworkError(f"{to} is not an active caseworker or supervisor.")
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        previous_id = locked.assigned_to_id
        new_id = to.pk if to is not None else None
        if previous_id == new_id:
            raise CaseworkError(f"The case is already {'assigned to ' + str(to) if to else 'unassigned'}.")
        kind = (
            CaseAssignment.Kind.UNASSIGN
            if to is None
            else CaseAssignment.Kind.ASSIGN
            if previous_id is None
            else CaseAssignment.Kind.REASSIGN
        )
        status_before = locked.status
        locked.assigned_to = to
        locked.assigned_at = now if to is not None else None
        if to is not None and locked.status == Case.Status.NEW:
            locked.status = Case.Status.IN_PROGRESS
        locked.save(update_fields=["assigned_to", "assigned_at", "status", "updated_at"])
        CaseAssignment.objects.create(case=locked, kind=kind, assigned_to=to, previous_id=previous_id, by=actor, at=now)
        audit_record(
            action=Action.CASE_ASSIGN,
            actor=actor,
            origin=origin,
            case=locked,
            kind=kind,
            assigned_to_id=new_id,
            previous_id=previous_id,
        )
        event_record(
            case=locked,
            kind=ASSIGNMENT_EVENTS[kind],
            actor=actor,
            assigned_to_id=new_id,
            previous_id=previous_id,
            status_from=status_before,
            status_to=locked.status,
        )
    return locked


def case_status_change(*, case: Case, status: str, actor, origin: Origin, closing_reason: str = "") -> Case:
    """Move a case to another status (closing needs a reason from the fixed list; reopening clears it)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        access.require_work(actor, locked)
        if locked.erased_at is not None and status in states.OPEN:
            raise CaseworkError("This case was erased at the victim's request; it cannot be reopened.")
        try:
            move = states.check_move(locked.status, status, closing_reason=closing_reason)
        except states.IllegalMove as exc:
            raise CaseworkError(str(exc)) from None
        before = locked.status
        reopened = move.reopens
        locked.status = status
        if status == Case.Status.CLOSED:
            locked.closed_at = timezone.now()
            locked.closing_reason = closing_reason
        elif reopened:
            locked.closed_at = None
            locked.closing_reason = ""
        locked.save(update_fields=["status", "closed_at", "closing_reason", "updated_at"])
        detail: dict[str, Any] = {"status_from": before, "status_to": status}  # audit detail: any JSON value
        if status == Case.Status.CLOSED:
            detail["closing_reason"] = closing_reason
        audit_record(action=Action.CASE_STATUS, actor=actor, origin=origin, case=locked, reopened=reopened, **detail)
        event_record(
            case=locked,
            kind=CaseEvent.Kind.CASE_REOPENED if reopened else CaseEvent.Kind.CASE_STATUS_CHANGED,
            actor=actor,
            **detail,
        )
    return locked


def case_bank_release(*, case: Case, actor, origin: Origin) -> Case:
    """Release a held filing's hashes to the partner bank (cases.intake.screening held them for review)."""
    from cases.services import case_bank_sync

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        access.require_work(actor, locked)
        _require_not_erased(locked)
        if not locked.bank_is_held:
            raise CaseworkError("This case's fingerprints are not waiting for review.")
        locked.bank_released_at = timezone.now()
        locked.save(update_fields=["bank_released_at", "updated_at"])
        locked.hashes.filter(bank_held=True).update(bank_held=False)
        case_bank_sync(case=locked)
        audit_record(
            action=Action.BANK_RELEASE, actor=actor, origin=origin, case=locked, reasons=locked.bank_hold_reasons
        )
        event_record(case=locked, kind=CaseEvent.Kind.BANK_RELEASED, actor=actor, reasons=locked.bank_hold_reasons)
    return locked


def note_add(*, case: Case, text: str, actor, origin: Origin) -> CaseNote:
    text = (text or "").strip()
    if not text:
        raise CaseworkError("The note is empty. Write something before saving it.")
    if len(text) > NOTE_MAX_CHARS:
        raise CaseworkError(f"The note is too long; keep it under {NOTE_MAX_CHARS} characters.")
    access.require_work(actor, case)
    _require_not_erased(case)
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=actor, text=text)
        audit_record(action=Action.NOTE_ADD, actor=actor, origin=origin, case=case, obj=note)
        event_record(case=case, kind=CaseEvent.Kind.NOTE_ADDED, actor=actor, note_id=note.pk)
    return note


def message_send(*, case: Case, body: str, actor, origin: Origin, email: bool = True) -> CaseMessage:
    """Post a message to the victim's status page; email them a notice only if their preferences allow it.

    The email never carries the message itself (a mailbox is shared more often than a reference and PIN)
    and names the helpline only if they said it may."""
    body = (body or "").strip()
    if not body:
        raise CaseworkError("The message is empty. Write something before sending it.")
    if len(body) > MESSAGE_MAX_CHARS:
        raise CaseworkError(f"The message is too long; keep it under {MESSAGE_MAX_CHARS} characters.")
    access.require_work(actor, case)
    _require_not_erased(case)
    Email = CaseMessage.Email
    if not email:
        email_status = Email.NOT_SENT
    elif not case.contact_email:
        email_status = Email.NO_ADDRESS
    elif not (case.consent_contact and SafeContact.parse(case.safe_contact).allows("email")):
        email_status = Email.FORBIDDEN
    else:
        email_status = Email.QUEUED
    with transaction.atomic():
        message = CaseMessage.objects.create(case=case, author=actor, body=body, email_status=email_status)
        audit_record(
            action=Action.MESSAGE_SEND, actor=actor, origin=origin, case=case, obj=message, email_status=email_status
        )
        event_record(
            case=case, kind=CaseEvent.Kind.MESSAGE_SENT, actor=actor, message_id=message.pk, email_status=email_status
        )
        if email_status == Email.QUEUED:
            message_id = message.pk
            transaction.on_commit(lambda: _queue_email_notice(message_id))
    return message


def _queue_email_notice(message_id: int) -> None:
    from cases.casework.tasks import message_email_notice

    try:
        message_email_notice.delay(message_id)
    except Exception:  # broker down: the message is on the status page regardless; the status says queued
        logger.warning("could not queue the email notice for message id %s", message_id, exc_info=True)


def evidence_add(*, case: Case, upload, kind: str, actor, origin: Origin, caption: str = "") -> Evidence:
    """Attach a screenshot: checked and re-encoded without metadata, then stored as a private object."""
    if kind not in Evidence.Kind.values:
        raise CaseworkError("Choose what the screenshot shows.")
    access.require_work(actor, case)
    _require_not_erased(case)
    clean = clean_screenshot(upload)
    evidence = Evidence(
        case=case,
        added_by=actor,
        kind=kind,
        caption=(caption or "").strip()[:500],
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        size=len(clean.data),
        sha256=clean.sha256,
    )
    evidence.file.save(f"screenshot.{clean.extension}", ContentFile(clean.data), save=False)
    try:
        with transaction.atomic():
            evidence.save()
            audit_record(action=Action.EVIDENCE_ADD, actor=actor, origin=origin, case=case, obj=evidence, kind=kind)
            event_record(
                case=case, kind=CaseEvent.Kind.EVIDENCE_ADDED, actor=actor, evidence_id=evidence.pk, evidence_kind=kind
            )
    except Exception:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


# A page shown again right after the viewer's own action on it (the redirect after a POST) is the same view.
FOLLOW_UP_WINDOW = timedelta(minutes=10)


def pii_view_record(*, case: Case, actor, origin: Origin, shown: list[str], follow_up: bool = False) -> AuditRecord:
    """Record that victim details were shown; `shown` names the fields and sections, never their values.

    `follow_up` is true only when the view follows the viewer's own successful action on this case (the portal
    sets it server-side, in the session, never from the request): if the same viewer's last view of this case,
    within FOLLOW_UP_WINDOW, showed the same things, that record stands for this one and none is added."""
    shown = sorted(shown)
    if follow_up:
        last = (
            AuditRecord.objects.filter(
                action=Action.CASE_VIEW_PII,
                actor_id=actor.pk,
                case_id=case.pk,
                at__gte=timezone.now() - FOLLOW_UP_WINDOW,
            )
            .order_by("-at", "-id")
            .first()
        )
        if last is not None and last.detail.get("shown") == shown:
            return last
    return audit_record(action=Action.CASE_VIEW_PII, actor=actor, origin=origin, case=case, shown=shown)


def audit_export_record(*, actor, origin: Origin, filters: dict[str, str], rows: int) -> AuditRecord:
    """Record that `actor` exported `rows` records of the audit log with these filters."""
    return audit_record(action=Action.AUDIT_EXPORT, actor=actor, origin=origin, filters=filters, rows=rows)


def evidence_view_record(*, evidence: Evidence, actor, origin: Origin) -> AuditRecord:
    return audit_record(action=Action.EVIDENCE_VIEW, actor=actor, origin=origin, case=evidence.case, obj=evidence)


def casework_erase(*, case: Case, actor=None, origin: Origin | None = None) -> None:
    """Delete what casework holds about the victim (notes, messages, evidence files). Part of case erasure:
    call it inside the erasing transaction; the stored files go once the transaction commits."""
    origin = origin or Origin.system()
    with transaction.atomic():
        names = list(Evidence.objects.filter(case=case).values_list("file", flat=True))
        counts: dict[str, Any] = {
            "notes": CaseNote.objects.filter(case=case).delete()[0],
            "messages": CaseMessage.objects.filter(case=case).delete()[0],
            "evidence": Evidence.objects.filter(case=case).delete()[0],
        }
        audit_record(action=Action.CASEWORK_ERASE, actor=actor, origin=origin, case=case, **counts)

        def delete_files():
            for name in names:
                try:
                    default_storage.delete(name)
                except Exception:
                    logger.warning("could not delete an erased evidence file; remove it by hand", exc_info=True)

        transaction.on_commit(delete_files)
