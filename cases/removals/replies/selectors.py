"""Reads for platform replies."""

from __future__ import annotations

from cases.removals.replies.models import PlatformReply


def triage_replies(limit: int = 200) -> list[PlatformReply]:
    """Unfiled mail, oldest first: none is ever dropped, so the oldest is the most urgent."""
    return list(PlatformReply.objects.filter(request__isnull=True).prefetch_related("attachments")[:limit])
