"""The sweeper (every minute from Celery beat): re-queue work a lost message or a killed worker left behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from cases.models import Case, CaseEvent, CaseURL
from cases.removals import queueing
from cases.removals.models import RemovalRequest, UrlCheck
from cases.timeline import event_record

# A send claimed this long ago and not finished belongs to a worker that died.
STALE_CLAIM = timedelta(minutes=10)
# URLs younger than this may still be in a drafting task that is running; the sweeper leaves them alone.
DRAFTING_GRACE = timedelta(seconds=60)


@dataclass
class SweepResult:
    cases_requeued: int = 0
    sends_requeued: int = 0
    sends_interrupted: int = 0
    checks_released: int = 0


def removals_sweep(*, now: datetime | None = None, limit: int = 500) -> SweepResult:
    """Catch up on work a lost message or a killed worker left behind. Runs every minute from Celery beat."""
    now = now or timezone.now()
    result = SweepResult()
    # Cases with URLs that no request covers: the drafting message was lost (broker down) or never sent.
    case_ids = list(
        CaseURL.objects.filter(
            created_at__lt=now - DRAFTING_GRACE,
            request_links__isnull=True,
            case__erased_at__isnull=True,
        )
        .exclude(case__status=Case.Status.CLOSED)
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()[:limit]
    )
    for case_id in case_ids:
        queueing.queue_drafting(case_id=case_id)
    result.cases_requeued = len(case_ids)

    # Email sends whose worker died. Before the SMTP conversation: send again. During or after it: we cannot
    # know whether the platform got it, so a person decides rather than the portal sending it twice.
    stale = RemovalRequest.objects.filter(send_claimed_at__lt=now - STALE_CLAIM).values_list(
        "pk", "send_claim_token", "send_attempted_at", "message_id", "case_id"
    )
    for request_id, token, attempted_at, message_id, case_id in stale:
        if attempted_at is None:
            if RemovalRequest.objects.filter(pk=request_id, send_claim_token=token).update(send_claimed_at=now):
                queueing.queue_send(request_id=request_id, token=token)
                result.sends_requeued += 1
            continue
        problem = (
            "Sending was interrupted. Check the helpline's sent mail for Message-ID "
            f"{message_id}: if it went out, mark the request sent; if not, approve it again."
        )
        if RemovalRequest.objects.filter(pk=request_id, send_claim_token=token).update(
            send_claimed_at=None, send_claim_token="", send_attempted_at=None, send_problem=problem
        ):
            event_record(
                case=Case(pk=case_id), kind=CaseEvent.Kind.REMOVAL_REQUEST_SEND_INTERRUPTED, request_id=request_id
            )
            result.sends_interrupted += 1

    result.checks_released = UrlCheck.objects.filter(claimed_at__lt=now - STALE_CLAIM).update(claimed_at=None)
    return result
