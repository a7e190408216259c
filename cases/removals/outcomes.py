"""What each channel achieved lately: removal rate and median time to removal over the last 90 days, shown where a
caseworker chooses a channel, with the one that worked best for the same choice suggested.

The reporting rollups (cases/reporting/models.py, RemovalDay) are per platform, not per channel, so these figures
come from one aggregate over the requests themselves (sent in the window, escalations aside), worked out by
PostgreSQL. A channel with fewer than MIN_SENT requests shows its counts but is never suggested: three lucky
removals are not a track record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from cases.removals import state
from cases.removals.models import RemovalRequest

WINDOW_DAYS = 90
MIN_SENT = 5


@dataclass(frozen=True)
class ChannelOutcome:
    channel_id: int
    sent: int
    removed: int
    median_hours: float | None

    @property
    def rate(self) -> float:
        return self.removed / self.sent if self.sent else 0.0

    @property
    def enough(self) -> bool:
        return self.sent >= MIN_SENT

    @property
    def summary(self) -> str:
        if not self.sent:
            return "no requests in the last 90 days"
        text = f"removed {self.removed} of {self.sent} ({self.rate:.0%})"
        if self.median_hours is not None:
            text += f", median {self.median_hours:.0f} h to removal"
        return text + ("" if self.enough else "; too few to compare")


# The table name is the model's own constant, not input; every value is a bound parameter.
_SQL = f"""
SELECT channel_id,
       count(*) AS sent,
       count(*) FILTER (WHERE status = %(removed)s) AS removed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM status_changed_at - sent_at))
           FILTER (WHERE status = %(removed)s) AS median_seconds
  FROM {RemovalRequest._meta.db_table}
 WHERE channel_id = ANY(%(channels)s) AND sent_at >= %(since)s AND kind <> %(escalation)s
 GROUP BY channel_id
"""  # noqa: S608


def channel_outcomes(channel_ids: set[int] | list[int], *, now=None) -> dict[int, ChannelOutcome]:
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    params = {
        "removed": state.REMOVED,
        "channels": ids,
        "since": since,
        "escalation": RemovalRequest.Kind.ESCALATION,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        rows = cursor.fetchall()
    found = {
        row[0]: ChannelOutcome(
            channel_id=row[0], sent=row[1], removed=row[2], median_hours=row[3] / 3600 if row[3] is not None else None
        )
        for row in rows
    }
    return {i: found.get(i, ChannelOutcome(channel_id=i, sent=0, removed=0, median_hours=None)) for i in ids}


def best_channel(outcomes: list[ChannelOutcome]) -> ChannelOutcome | None:
    """The highest removal rate among channels with enough requests; the faster median breaks a tie."""
    ranked = [o for o in outcomes if o.enough]
    if not ranked:
        return None
    return max(ranked, key=lambda o: (o.rate, -(o.median_hours if o.median_hours is not None else 1e12)))
