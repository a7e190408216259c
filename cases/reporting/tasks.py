"""Celery task of the reports: keep the daily rollups up to date (cases/reporting/rollup.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cases.reporting import rollup

logger = logging.getLogger(__name__)


# Safe to run twice or at once: one refresh runs at a time (an advisory lock), the other returns.
# Working out many changed days may take longer than the default limits; the advisory lock ends with the process.
@shared_task(
    name="reporting.refresh_rollups",
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    soft_time_limit=900,
    time_limit=960,
)
def refresh_rollups() -> str:
    done = rollup.refresh_rollups()
    if done is None:
        return "another refresh is running"
    logger.info("reporting rollups: days worked out %s", done)
    return ", ".join(f"{report}: {days} days" for report, days in done.items())
