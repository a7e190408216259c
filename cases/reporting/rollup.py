"""The daily rollups: which days of a period a page may read from them, and the refresh that works days out again.

A report with a rollup (removal outcomes by the day a request was sent; time to first action by the day a case was
filed) is read as: rolled-up days that are still exact, plus the rest of the period worked out live by the same
SQL. A rolled-up day is exact while (1) no change was marked on it since it was worked out (triggers, migration
0002, write a `RollupDirty` row in the transaction of the change), (2) the clock has not reached its
`stable_until` (a deadline passing or a TAKE IT DOWN request reaching 48 hours changes a figure with no write),
and (3) it was worked out for the same TIME_ZONE; for a caseworker's own removal figures also (4) its staff sends
all came before the period's end (`sends_until`). Everything else is live, so no figure is ever stale: the
rollup only saves work. The beat task `reporting.refresh_rollups` works out again the days that are not exact,
and days not rolled up yet, up to yesterday.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases.reporting.models import FirstActionDay, RemovalDay, RemovalSenderDay, RollupDay, RollupDirty
from cases.reporting.period import day_ranges
from cases.reporting.selectors import queue_report, removals_report

DIRTY = RollupDirty._meta.db_table
DAYS = RollupDay._meta.db_table
# One refresh at a time (a session lock taken before the refresh's snapshot; see refresh_rollups).
LOCK_KEY = 0x7265706F7274  # "report"


# ---- The refresh ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollup:
    report: str
    # The earliest moment the report's rows are keyed on (nothing to roll up before its day).
    floor_sql: str
    # Writes the rows of days %(days)s (deleted just before) from the live SQL over runs %(live_lo)s/%(live_hi)s,
    # and each day's RollupDay with its stable_until.
    rebuild_sql: Callable[[], str]
    data_tables: tuple[str, ...]


def _rollups() -> list[Rollup]:
    return [
        Rollup(
            "removals",
            "SELECT min(sent_at) FROM {request} WHERE kind <> 'escalation'",
            removals_report.rollup_sql,
            (RemovalDay._meta.db_table, RemovalSenderDay._meta.db_table),
        ),
        Rollup(
            "first_action",
            "SELECT min(created_at) FROM {case}",
            queue_report.rollup_sql,
            (FirstActionDay._meta.db_table,),
        ),
    ]


def _refresh_one(rollup: Rollup, now: datetime, tz: str) -> int:
    from cases.reporting.selectors import TABLES

    yesterday = timezone.localtime(now, zoneinfo.ZoneInfo(tz)).date() - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, (at AT TIME ZONE %s)::date FROM {DIRTY} WHERE report = %s", [tz, rollup.report])  # noqa: S608
        dirty = cursor.fetchall()
        cursor.execute(f"DELETE FROM {DAYS} WHERE report = %s AND tz <> %s", [rollup.report, tz])  # noqa: S608
        if cursor.rowcount:  # worked out for another time zone: none of it holds
            for table in rollup.data_tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"SELECT day, stable_until FROM {DAYS} WHERE report = %s",  # noqa: S608
            [rollup.report],
        )
        covered = {day: stable for day, stable in cursor.fetchall()}
        cursor.execute(rollup.floor_sql.format(**TABLES))
        floor_at = cursor.fetchone()[0]
        todo = {day for _id, day in dirty if day <= yesterday}
        todo |= {day for day, stable in covered.items() if stable is not None and stable < now}
        if floor_at is not None:
            day = timezone.localtime(floor_at, zoneinfo.ZoneInfo(tz)).date()
            while day <= yesterday:
                if day not in covered:
                    todo.add(day)
                day += timedelta(days=1)
        if todo:
            days = sorted(todo)
            lows, highs = day_ranges(days, tz)
            for table in rollup.data_tables:
                cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%s::date[])", [days])  # noqa: S608
            cursor.execute(f"DELETE FROM {DAYS} WHERE report = %s AND day = ANY(%s::date[])", [rollup.report, days])  # noqa: S608
            cursor.execute(
                rollup.rebuild_sql(),
                {
                    "report": rollup.report,
                    "days": days,
                    "live_lo": lows,
                    "live_hi": highs,
                    "start": lows[0],
                    "now": now,
                    "tz": tz,
                },
            )
        if dirty:
            cursor.execute(f"DELETE FROM {DIRTY} WHERE id = ANY(%s)", [[row[0] for row in dirty]])  # noqa: S608
    return len(todo)


def refresh_rollups(*, now: datetime | None = None) -> dict[str, int] | None:
    """Work out again every day that is not exact, and roll up new days up to yesterday. Returns the number of days
    worked out per report, or None when another refresh is running (that one does the work).

    Each report in one REPEATABLE READ transaction: its rows, and the dirty marks it deletes, come from one
    snapshot, so a change committed meanwhile keeps its mark and its day stays live. Running it twice is safe:
    the second run finds nothing to do, or does the same work again."""
    now = now or timezone.now()
    tz = settings.TIME_ZONE
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
    try:
        done = {}
        for rollup in _rollups():
            outer = not connection.in_atomic_block
            with transaction.atomic():
                with connection.cursor() as cursor:
                    settings_sql = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"
                    if outer:
                        settings_sql = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; " + settings_sql
                    cursor.execute(settings_sql)
                done[rollup.report] = _refresh_one(rollup, now, tz)
        return done
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
