"""Writes for platform replies: filing an inbound mail, recording its ticket, confirming or dismissing a suggestion."""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.casework.audit import Origin, audit_record
from cases.casework.evidence import EvidenceRefused, clean_screenshot
from cases.casework.models import AuditRecord
from cases.models import CaseEvent
from cases.removals import state
from cases.removals.models import RemovalRequest
from cases.removals.replies import rules as reply_rules
from cases.removals.replies.models import PlatformReply, ReplyAttachment
from cases.removals.replies.parse import ParsedMail, parse_mail
from cases.removals.replies.tokens import check_addresses
from cases.timeline import event_record

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
# Kept as received (not images): a platform's decision letter. Anything else is recorded (type, size, hash) only.
KEPT_AS_IS = {"application/pdf", "text/plain"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


class ReplyError(Exception):
    """A person's action on a reply could not be done; the message says why."""


def _match(parsed: ParsedMail) -> tuple[RemovalRequest | None, str]:
    token = check_addresses(parsed.recipients)
    if token.request_id is not None:
        request = RemovalRequest.objects.filter(pk=token.request_id).select_related("platform").first()
        if request is not None:
            return request, PlatformReply.Match.TOKEN
    if parsed.in_reply_to:
        request = (
            RemovalRequest.objects.filter(message_id__in=parsed.in_reply_to).exclude(message_id="")
            .select_related("platform").first()
        )  # fmt: skip
        if request is not None:
            return request, PlatformReply.Match.THREAD
    return None, PlatformReply.Match.FORGED if token.forged else PlatformReply.Match.NONE


AUTO_REPLY_FLOOD = 5


def _auto_reply_flood(request_id: int) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = PlatformReply.objects.filter(request_id=request_id, is_auto_reply=True, received_at__gte=since)
    return recent.count() >= AUTO_REPLY_FLOOD


def _keep_attachment(reply: PlatformReply, content_type: str, data: bytes, problems: list[str]) -> None:
    digest = hashlib.sha256(data).hexdigest()
    row = ReplyAttachment(reply=reply, content_type=content_type[:100], size=len(data), sha256=digest)
    if len(data) > MAX_ATTACHMENT_BYTES:
        row.refused = f"Larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB; not kept (its hash is recorded)."
    elif content_type in IMAGE_TYPES:
        try:
            clean = clean_screenshot(io.BytesIO(data), size=len(data))
        except EvidenceRefused as exc:
            row.refused = str(exc)[:300]
        else:
            row.stored_sha256 = clean.sha256
            row.content_type = clean.content_type
            row.file.save(f"reply-image.{clean.extension}", ContentFile(clean.data), save=False)
    elif content_type in KEPT_AS_IS:
        row.stored_sha256 = digest
        row.file.save(
            "reply-file.pdf" if content_type == "application/pdf" else "reply-file.txt", ContentFile(data), save=False
        )
    else:
        row.refused = f"Files of type {content_type[:60]} are not kept (archives and programs could hide anything)."
    if row.refused:
        problems.append(f"An attachment was not kept: {row.refused}")
    row.save()


def reply_ingest(*, raw: bytes, route: str) -> tuple[PlatformReply, bool]:
    """File one inbound mail: on its request if the reply token or the thread says which, else for staff triage.
    Returns the row and whether it is new; the same Message-ID again returns the stored row and changes nothing."""
    parsed = parse_mail(raw)
    existing = PlatformReply.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing, False
    request, match = _match(parsed)
    problems = list(parsed.problems)
    if match == PlatformReply.Match.FORGED:
        problems.append("The reply address carried a token that did not verify: left for staff to check.")
    suggestion = reply_rules.Suggestion(status="", ticket="")
    if request is not None and parsed.is_auto_reply and _auto_reply_flood(request.pk):
        # The portal never answers mail, so it cannot feed a loop; but a responder looping with someone else
        # still gets every message stored, without suggestions that would bury the real answer.
        problems.append("Many automatic replies to this request within an hour: stored, no suggestion made.")
    elif request is not None:
        suggestion = reply_rules.suggest(
            request.platform.reply_rules or {}, subject=parsed.subject, text=parsed.text,
            is_auto_reply=parsed.is_auto_reply,
        )  # fmt: skip
    try:
        with transaction.atomic():
            reply = PlatformReply.objects.create(
                request=request,
                route=route,
                match=match,
                message_id=parsed.message_id,
                sender=parsed.sender,
                subject=parsed.subject,
                body=parsed.text,
                is_auto_reply=parsed.is_auto_reply,
                suggested_status=suggestion.status,
                suggested_ticket=suggestion.ticket,
            )
            attachments = parsed.attachments
            if len(attachments) > MAX_ATTACHMENTS:
                problems.append(f"The mail had {len(attachments)} attachments; the first {MAX_ATTACHMENTS} were read.")
                attachments = attachments[:MAX_ATTACHMENTS]
            for attachment in attachments:
                _keep_attachment(reply, attachment.content_type, attachment.data, problems)
            reply.problems = problems
            if request is not None and suggestion.status == state.ACKNOWLEDGED and suggestion.ticket:
                # A platform's automatic acknowledgement records its ticket number and moves nothing.
                locked = RemovalRequest.objects.select_for_update().get(pk=request.pk)
                if not locked.ticket_number:
                    RemovalRequest.objects.filter(pk=locked.pk).update(ticket_number=suggestion.ticket)
                    reply.ticket_recorded = True
            reply.save(update_fields=["problems", "ticket_recorded"])
            if request is not None:
                event_record(
                    case=request.case,
                    kind=CaseEvent.Kind.REMOVAL_REPLY_RECEIVED,
                    request_id=request.pk,
                    reply_id=reply.pk,
                    suggested=suggestion.status,
                    ticket_recorded=reply.ticket_recorded,
                )
    except IntegrityError:
        # Another worker filed the same message first (IMAP and webhook at once): that row stands.
        return PlatformReply.objects.get(message_id=parsed.message_id), False
    log.info("reply %s filed: match=%s request=%s", reply.pk, match, request.pk if request else None)
    return reply, True


def _lock_undecided(reply_id: int) -> PlatformReply:
    reply = PlatformReply.objects.select_for_update().get(pk=reply_id)
    if reply.decided_at is not None:
        raise ReplyError("Someone has already dealt with this reply.")
    return reply


def reply_confirm(*, reply_id: int, actor, origin: Origin, expected_status: str) -> RemovalRequest:
    """The caseworker accepts the suggested move (and ticket): made through the request's one state service."""
    from cases.removals import services as removal_services

    with transaction.atomic():
        reply = _lock_undecided(reply_id)
        if reply.request_id is None or not reply.suggested_status:
            raise ReplyError("This reply has no suggestion to confirm; record the answer on the request instead.")
        try:
            request = removal_services.removal_transition(
                request_id=reply.request_id,
                to_status=reply.suggested_status,
                actor=actor,
                expected_status=expected_status,
                note=f"From the platform's reply of {timezone.localtime(reply.received_at):%Y-%m-%d %H:%M}.",
                ticket_number=reply.suggested_ticket,
            )
        except removal_services.RemovalError as exc:
            raise ReplyError(str(exc)) from exc
        if reply.suggested_ticket and not request.ticket_number:
            RemovalRequest.objects.filter(pk=request.pk).update(ticket_number=reply.suggested_ticket)
        reply.decided_at, reply.decided_by, reply.decision = timezone.now(), actor, "confirmed"
        reply.save(update_fields=["decided_at", "decided_by", "decision"])
        audit_record(
            action=AuditRecord.Action.REMOVAL_CHANGE, actor=actor, origin=origin, case=request.case, obj=request,
            step="reply_confirm", reply_id=reply.pk, to_status=reply.suggested_status,
        )  # fmt: skip
    return request


def reply_dismiss(*, reply_id: int, actor, origin: Origin) -> PlatformReply:
    """The suggestion was wrong: nothing moves; the reply stays on its request."""
    with transaction.atomic():
        reply = _lock_undecided(reply_id)
        reply.decided_at, reply.decided_by, reply.decision = timezone.now(), actor, "dismissed"
        reply.save(update_fields=["decided_at", "decided_by", "decision"])
        audit_record(
            action=AuditRecord.Action.REMOVAL_CHANGE, actor=actor, origin=origin,
            case=reply.request.case if reply.request_id else None, obj=reply, step="reply_dismiss",
        )  # fmt: skip
    return reply


def reply_file(*, reply_id: int, request_id: int, actor, origin: Origin) -> PlatformReply:
    """Staff file a triaged mail on the request it answers."""
    with transaction.atomic():
        reply = PlatformReply.objects.select_for_update().get(pk=reply_id)
        if reply.request_id is not None:
            raise ReplyError("This reply is already filed on a request.")
        request = RemovalRequest.objects.select_related("platform", "case").filter(pk=request_id).first()
        if request is None:
            raise ReplyError("No removal request has that number; check the RR- reference.")
        suggestion = reply_rules.suggest(
            request.platform.reply_rules or {},
            subject=reply.subject,
            text=reply.body,
            is_auto_reply=reply.is_auto_reply,
        )
        reply.request, reply.match = request, PlatformReply.Match.STAFF
        reply.suggested_status, reply.suggested_ticket = suggestion.status, suggestion.ticket
        reply.save(update_fields=["request", "match", "suggested_status", "suggested_ticket"])
        audit_record(
            action=AuditRecord.Action.REMOVAL_CHANGE, actor=actor, origin=origin, case=request.case, obj=request,
            step="reply_file", reply_id=reply.pk,
        )  # fmt: skip
        event_record(
            case=request.case,
            kind=CaseEvent.Kind.REMOVAL_REPLY_RECEIVED,
            actor=actor,
            request_id=request.pk,
            reply_id=reply.pk,
        )
    return reply


def replies_erase(*, case) -> int:
    """Part of case erasure (cases/removals/services.py, removals_erase): the platforms' replies may name the
    victim or quote the images' places, so their texts go and their kept files are deleted; the rows stay (dates,
    routes, decisions) as anonymous figures. Returns the replies touched."""
    attachments = ReplyAttachment.objects.filter(reply__request__case=case).exclude(file="")
    names = list(attachments.values_list("file", flat=True))
    attachments.update(file="")
    from django.core.files.storage import default_storage

    for name in names:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return PlatformReply.objects.filter(request__case=case).update(
        sender="", subject="", body="", suggested_ticket="", problems=[]
    )
