"""Entry points other parts of the portal call to have removal work queued (after commit).

Each swallows a broker failure after logging it: nothing is lost, because the periodic sweeper finds cases
without requests, stale send claims and due re-checks and queues them again.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def queue_drafting(*, case_id: int) -> None:
    """Queue drafting for a case. Call it from transaction.on_commit. If the broker is down the case is
    still safe: the periodic sweeper finds cases without requests and queues them again."""
    from cases.removals.tasks import draft_for_case

    try:
        draft_for_case.delay(case_id)
    except Exception:  # broker down: logged without personal data; the sweeper catches up
        logger.warning("could not queue drafting for case id %s; the sweeper will retry", case_id, exc_info=True)


def queue_send(*, request_id: int, token: str) -> None:
    """Queue the email send of an approved request (the sweeper re-queues a claim left unsent)."""
    from cases.removals.tasks import send_request

    try:
        send_request.delay(request_id, token)
    except Exception:
        logger.warning("could not queue sending request id %s; the sweeper will retry", request_id, exc_info=True)


def queue_recheck(*, case_url_id: int) -> None:
    from cases.removals.tasks import recheck_url

    try:
        recheck_url.delay(case_url_id)
    except Exception:
        logger.warning("could not queue a re-check of URL id %s; it is tried again later", case_url_id, exc_info=True)
