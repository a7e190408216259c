"""What each channel achieved lately: removal rate and median time to removal over the last 90 days, shown where a
caseworker chooses a channel, with the one that worked best for the same choice suggested.

The figures come from the reporting rollups (cases/reporting/models.py, RemovalDay, kept per platform and channel)
for the days still exact, and the rest worked out live by the same SQL (cases/reporting/selectors/removals_report.py,
channel_outcomes): the 90 days are the helpline's last 90 calendar days, today included; a request counts as
removed as the removals report counts it (it, or its escalation, reached "removed"), and the median is over the
exact times from sending to removal, which the rollup keeps per day. A channel with fewer than MIN_SENT requests
shows its counts but is never suggested: three lucky removals are not a track record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cases.reporting.period import Period
from cases.reporting.selectors import removals_report

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


def channel_outcomes(channel_ids: set[int] | list[int], *, now=None) -> dict[int, ChannelOutcome]:
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    period = Period(first_day=today - timedelta(days=WINDOW_DAYS - 1), last_day=today, now=now, tz=settings.TIME_ZONE)
    found = {
        row["channel_id"]: ChannelOutcome(
            channel_id=row["channel_id"],
            sent=row["sent"],
            removed=row["removed"],
            median_hours=float(row["median_hours"]) if row["median_hours"] is not None else None,
        )
        for row in removals_report.channel_outcomes(period, ids)
        if row["channel_id"] is not None
    }
    return {i: found.get(i, ChannelOutcome(channel_id=i, sent=0, removed=0, median_hours=None)) for i in ids}


def best_channel(outcomes: list[ChannelOutcome]) -> ChannelOutcome | None:
    """The highest removal rate among channels with enough requests; the faster median breaks a tie."""
    ranked = [o for o in outcomes if o.enough]
    if not ranked:
        return None
    return max(ranked, key=lambda o: (o.rate, -(o.median_hours if o.median_hours is not None else 1e12)))
