"""Celery task for the reply mailbox (thin: poll, log counts; the poll is safe to run twice)."""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cases.removals.replies import imap

logger = logging.getLogger(__name__)


@shared_task(
    name="removals.poll_replies",
    autoretry_for=(OperationalError, InterfaceError, socket.timeout, ConnectionError),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def poll_replies() -> str:
    try:
        counts = imap.poll_mailbox()
    except imap.MailboxNotConfigured as exc:
        return f"not polled: {exc}"
    except (imaplib.IMAP4.error, ssl.SSLError) as exc:
        # Wrong password or certificate: retrying will not help; the next beat tries again after it is fixed.
        logger.error("reply mailbox refused the poll: %s", type(exc).__name__)
        return "mailbox refused the poll"
    return ", ".join(f"{k} {v}" for k, v in counts.items())
