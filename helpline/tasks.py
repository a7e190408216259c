"""Operational tasks: the worker heartbeat that proves queued work runs."""

from __future__ import annotations

import socket

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from helpline.models import WorkerHeartbeat


@shared_task(name="helpline.heartbeat")
def heartbeat() -> str:
    hostname = socket.gethostname()
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(hostname=hostname).update(last_seen_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(hostname=hostname, defaults={"last_seen_at": now, "beats": 1})
    return hostname
