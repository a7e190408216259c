"""Entry points other parts of the portal call to have removal requests drafted (after commit)."""

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
