"""Celery task of the hash bank: keep the host's shared index snapshots close to the bank (hashing.bank.store)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from hashing.bank.live import index_snapshot_write
from hashing.models import SignalType

logger = logging.getLogger(__name__)


# Safe to run twice or at once: the store's file lock lets one writer in at a time, and the second finds the
# snapshot already current. It must run on the host whose BANK_INDEX_DIR the web processes map.
@shared_task(
    name="bank.index_snapshot",
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    soft_time_limit=900,
    time_limit=960,
)
def index_snapshot() -> str:
    written = {
        signal_type: index_snapshot_write(
            signal_type=signal_type, min_changes=settings.BANK_INDEX_SNAPSHOT_AFTER_CHANGES
        )
        for signal_type in (SignalType.IMAGE_PDQ, SignalType.PHASH, SignalType.VPDQ)
    }
    logger.info("bank index snapshots: %s", written)
    return ", ".join(f"{kind}: {name or 'current'}" for kind, name in written.items())
