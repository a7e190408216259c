"""Windowed event counters with an atomic increment, kept in one database table.

Rate limits and lock-outs used to live in Django's database cache, whose `incr` is a read followed by a `set()`
that resets the key's timeout to the default 300 s: a one-hour count of wrong PINs quietly became a five-minute
one. Here one `INSERT ... ON CONFLICT DO UPDATE` statement counts an event: PostgreSQL takes the row's lock, so
simultaneous hits each see the count before them, and the window is fixed by the first hit (a later hit never
moves its end). The table is the database's, so the limits keep working while Redis is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from helpline.models import WindowCounter

# One statement: PostgreSQL locks the row for the update, so concurrent hits serialise on it. (The table name is
# written out: it is WindowCounter's default db_table, checked by the tests.)
_HIT_SQL = """
    INSERT INTO helpline_windowcounter (key, count, window_ends_at) VALUES (%s, 1, %s)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN helpline_windowcounter.window_ends_at <= %s THEN 1 ELSE helpline_windowcounter.count + 1 END,
        window_ends_at = CASE WHEN helpline_windowcounter.window_ends_at <= %s
                              THEN EXCLUDED.window_ends_at ELSE helpline_windowcounter.window_ends_at END
    RETURNING count, window_ends_at
"""


@dataclass(frozen=True)
class Hit:
    count: int
    window_ends_at: datetime

    def seconds_left(self, now: datetime) -> float:
        return max(0.0, (self.window_ends_at - now).total_seconds())


def counter_hit(*, key: str, window_seconds: int, now: datetime | None = None) -> Hit:
    """Count one event under `key`; a window that has ended starts again at 1 with a new end."""
    now = now or timezone.now()
    ends = now + timedelta(seconds=window_seconds)
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores them, so comparisons hold
        cursor.execute(_HIT_SQL, [key, adapt(ends), adapt(now), adapt(now)])
        count, window_ends_at = cursor.fetchone()
    if isinstance(window_ends_at, str):  # SQLite (the no-database demo) returns text
        window_ends_at = datetime.fromisoformat(window_ends_at)
    if timezone.is_naive(window_ends_at):
        window_ends_at = window_ends_at.replace(tzinfo=UTC)
    return Hit(count=count, window_ends_at=window_ends_at)


def counter_value(*, key: str, now: datetime | None = None) -> int:
    """The count in the key's current window; 0 once the window has ended."""
    now = now or timezone.now()
    row = WindowCounter.objects.filter(key=key, window_ends_at__gt=now).values_list("count", flat=True).first()
    return row or 0


def counter_clear(*, key: str) -> None:
    WindowCounter.objects.filter(key=key).delete()


def counters_purge_expired(*, now: datetime | None = None) -> int:
    """Delete counters whose window has ended (they count as 0 anyway); run nightly."""
    deleted, _ = WindowCounter.objects.filter(window_ends_at__lte=now or timezone.now()).delete()
    return deleted
