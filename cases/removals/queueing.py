"""Entry points other parts of the portal call to have removal work queued (after commit).

Each swallows a broker failure after logging it: nothing is lost, because the periodic sweeper finds cases
without requests, stale send claims and due re-checks and queues them again.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)


def _not_queued(message: str, object_id: int) -> None:
    """Log work left to the sweeper: one line while the broker is unreachable (every filing during an outage would
    otherwise log a long traceback), the whole traceback for anything unexpected. No personal data either way."""
    from kombu.exceptions import OperationalError

    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, ConnectionError, TimeoutError)):
        logger.warning(message + " (%s: %s)", object_id, type(error).__name__, error)
    else:
        logger.warning(message, object_id, exc_info=True)


def queue_drafting(*, case_id: int) -> None:
    """Queue drafting for a case. Call it from transaction.on_commit. If the broker is down the case is
    still safe: the periodic sweeper finds cases without requests and queues them again."""
    from cases.removals.tasks import draft_for_case

    try:
        draft_for_case.delay(case_id)
    except Exception:  # broker down: logged without personal data; the sweeper catches up
        _not_queued("could not queue drafting for case id %s; the sweeper will retry", case_id)


def queue_send(*, request_id: int, token: str) -> None:
    """Queue the email send of an approved request (the sweeper re-queues a claim left unsent)."""
    from cases.removals.tasks import send_request

    try:
        send_request.delay(request_id, token)
    except Exception:
        _not_queued("could not queue sending request id %s; the sweeper will retry", request_id)


def queue_recheck(*, case_url_id: int) -> None:
    from cases.removals.tasks import recheck_url

    try:
        recheck_url.delay(case_url_id)
    except Exception:
        _not_queued("could not queue a re-check of URL id %s; it is tried again later", case_url_id)
