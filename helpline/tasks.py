"""Operational tasks: the worker heartbeat that proves queued work runs, and the nightly purge of expired data."""

from __future__ import annotations

import socket

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db.models import F
from django.utils import timezone

from helpline.counters import counters_purge_expired
from helpline.models import WorkerHeartbeat


@shared_task(name="helpline.heartbeat")
def heartbeat() -> str:
    hostname = socket.gethostname()
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(hostname=hostname).update(last_seen_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(hostname=hostname, defaults={"last_seen_at": now, "beats": 1})
    return hostname


@shared_task(name="helpline.purge_expired")
def purge_expired() -> dict[str, int]:
    """Delete expired sessions (what `clearsessions` does) and rate-limit counters whose window ended; safe to
    run twice. Abandoned intake drafts go with their sessions."""
    sessions = Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]
    return {"sessions": sessions, "counters": counters_purge_expired()}
