"""Celery tasks for removal requests (thin: load by id, call a service, classify errors).

Database and network trouble is transient: retried with backoff. A missing row is permanent: logged and
dropped. Every task is safe to run twice (see the services it calls).
"""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from cases.models import Case
from cases.removals import deadlines, drafting, recheck, services, sweeper
from cases.removals.replies import tasks as reply_tasks  # noqa: F401  (registers removals.poll_replies)

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 8}


@shared_task(name="removals.draft_for_case", **RETRY)
def draft_for_case(case_id: int) -> str:
    """Draft one request per (case, platform) and per (case, search engine)."""
    try:
        result = drafting.draft_for_case(case_id=case_id)
    except Case.DoesNotExist:
        logger.info("case id %s is gone; nothing to draft", case_id)
        return "case gone"
    return f"created {result.created}, extended {result.extended}, follow-ups {result.follow_ups} {result.skipped}"


@shared_task(bind=True, name="removals.send_request", max_retries=5)
def send_request(self, request_id: int, token: str) -> str:
    """Send an approved request by email."""
    try:
        return services.removal_send_email(request_id=request_id, token=token)
    except services.RemovalRequest.DoesNotExist:
        return "request gone"
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        # The send attempt was recorded before SMTP: release the claim with the reason instead of retrying
        # blindly, since the server may have accepted the message.
        services.removal_send_failed(
            request_id=request_id,
            token=token,
            reason=f"Email not confirmed ({exc.__class__.__name__}); "
            "check the sent mail, then approve again or mark it sent.",
        )
        logger.warning("sending request id %s failed", request_id, exc_info=True)
        return "failed"


@shared_task(name="removals.check_deadlines", **RETRY)
def check_deadlines() -> int:
    return deadlines.removal_deadlines_check()


@shared_task(name="removals.recheck_due", **RETRY)
def recheck_due() -> int:
    return recheck.rechecks_queue_due()


# The fetch gives up at its own deadline (recheck.DEADLINE_SECONDS) and decodes at most MAX_PIXELS: these limits
# only catch what those do not.
@shared_task(name="removals.recheck_url", soft_time_limit=90, time_limit=120, **RETRY)
def recheck_url(case_url_id: int) -> str:
    try:
        return recheck.url_recheck(case_url_id=case_url_id).result
    except recheck.CaseURL.DoesNotExist:
        return "url gone"
    except SoftTimeLimitExceeded:
        recheck.url_recheck_ran_out_of_time(case_url_id=case_url_id)
        return "out of time"


@shared_task(name="removals.sweep", **RETRY)
def sweep() -> str:
    result = sweeper.removals_sweep()
    return str(result)
