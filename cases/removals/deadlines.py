"""The hourly deadline check. A legal deadline passed (TAKE IT DOWN, 48 h): the request is overdue under the Act,
the assignee told, an escalation drafted. The helpline's own follow-up target passed: the assignee is prompted
to follow up; nothing is called overdue and no appeal citing a legal duty is drafted."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent
from cases.removals import state
from cases.removals.models import RemovalRequest
from cases.removals.services import RemovalError, escalation_prepare, lock_request, move_request
from cases.timeline import event_record
from helpline.staff import roles

logger = logging.getLogger(__name__)


def _notify_overdue(request: RemovalRequest) -> None:
    """Tell the assignee (or, with none, the supervisors). No victim data: the case reference and platform."""
    case = request.case
    recipients = _recipients(request)
    if not recipients:
        return
    link = settings.PORTAL_BASE_URL + reverse("removals:case_board", args=[case.reference])
    send_mail(
        subject=f"Overdue: {request.target_name} has not acted on case {case.reference}",
        message=(
            f"The {request.get_kind_display().lower()} request {request.code} to {request.target_name} passed its "
            f"48-hour deadline under the TAKE IT DOWN Act ({request.deadline_at:%Y-%m-%d %H:%M} UTC) without a "
            "removal.\n"
            f"An escalation draft is ready for you to review: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def _recipients(request: RemovalRequest) -> list[str]:
    case = request.case
    if case.assigned_to is not None and case.assigned_to.email:
        return [case.assigned_to.email]
    return list(
        get_user_model().objects.filter(groups__name=roles.SUPERVISOR, is_active=True).values_list("email", flat=True)
    )


def _notify_follow_up(request: RemovalRequest) -> None:
    """The helpline's follow-up target passed: a prompt, with no victim data and no claim of a legal breach."""
    recipients = _recipients(request)
    if not recipients:
        return
    case = request.case
    link = settings.PORTAL_BASE_URL + reverse("removals:case_board", args=[case.reference])
    send_mail(
        subject=f"Follow up: {request.target_name} on case {case.reference}",
        message=(
            f"The {request.get_kind_display().lower()} request {request.code} to {request.target_name} reached the "
            f"helpline's follow-up target ({request.deadline_at:%Y-%m-%d %H:%M} UTC) without an answer. This is our "
            f"own target, not a legal deadline: check the links and follow up with the platform.\n{link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def _follow_ups_due(now: datetime) -> int:
    """Prompt once per request whose follow-up target passed (claimed by a conditional UPDATE)."""
    prompted = 0
    due = RemovalRequest.objects.filter(
        status__in=state.DEADLINE_RUNS, deadline_statutory=False, deadline_at__lt=now, overdue_notified_at__isnull=True
    ).values_list("pk", flat=True)
    for request_id in list(due):
        with transaction.atomic():
            claimed = RemovalRequest.objects.filter(pk=request_id, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not claimed:
                continue
            request = RemovalRequest.objects.select_related("case", "case__assigned_to", "platform").get(pk=request_id)
            event_record(case=request.case, kind=CaseEvent.Kind.REMOVAL_REQUEST_FOLLOW_UP_DUE, request_id=request.pk)
            transaction.on_commit(lambda r=request: _notify_follow_up(r))
        prompted += 1
    return prompted


def removal_deadlines_check(*, now: datetime | None = None) -> int:
    """Mark every request past its legal deadline overdue, tell the assignee and draft the escalation; prompt a
    follow-up for requests past the helpline's own target. Returns how many were marked overdue."""
    now = now or timezone.now()
    _follow_ups_due(now)
    due = list(
        RemovalRequest.objects.filter(
            status__in=state.DEADLINE_RUNS, deadline_statutory=True, deadline_at__lt=now
        ).values_list("pk", "status")
    )
    moved = 0
    for request_id, seen_status in due:
        try:
            with transaction.atomic():
                request = lock_request(request_id)
                if request.status != seen_status:
                    continue  # a caseworker recorded an answer meanwhile
                move_request(request, state.OVERDUE, note="Deadline passed without a removal.")
                escalation_prepare(request=request)
                RemovalRequest.objects.filter(pk=request.pk).update(overdue_notified_at=now)
                event_record(case=request.case, kind=CaseEvent.Kind.REMOVAL_REQUEST_OVERDUE, request_id=request.pk)
                transaction.on_commit(lambda r=request: _notify_overdue(r))
            moved += 1
        except RemovalError:
            logger.warning("request %s could not be marked overdue", request_id, exc_info=True)
    return moved
