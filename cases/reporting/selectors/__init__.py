"""The reports' reads: every figure is aggregated by PostgreSQL (GROUP BY, FILTER, ROLLUP, percentile_cont) in
one query per table; Python only names the rows. Each function takes a Period and returns a tables.Table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from cases.casework.models import CaseAssignment
from cases.models import Case, CaseEvent
from cases.removals.models import Platform, RemovalRequest, RequestTransition

# Table names from the models, so a renamed table breaks loudly here and not in a string somewhere.
TABLES = {
    "case": Case._meta.db_table,
    "event": CaseEvent._meta.db_table,
    "request": RemovalRequest._meta.db_table,
    "transition": RequestTransition._meta.db_table,
    "platform": Platform._meta.db_table,
    "assignment": CaseAssignment._meta.db_table,
}

# The Monday of every week the period touches, in the helpline's time zone.
WEEKS_CTE = """
weeks AS (
    SELECT generate_series(
        date_trunc('week', %(start)s::timestamptz AT TIME ZONE %(tz)s),
        %(end)s::timestamptz AT TIME ZONE %(tz)s - interval '1 day',
        interval '1 week'
    )::date AS week
)"""


# The weeks above as ranges of moments, local midnight to local midnight clipped to the period: a row is counted in
# week w exactly when week_of(its moment) = w and it falls in the period. Counting each week over its own range
# (an index range scan per week) saves working out the week of every row and grouping or sorting all of them.
WEEK_RANGE = """
week_range AS (
    SELECT week,
           greatest(week::timestamp AT TIME ZONE %(tz)s, %(start)s::timestamptz) AS lo,
           least((week + 7)::timestamp AT TIME ZONE %(tz)s, %(end)s::timestamptz) AS hi
    FROM weeks
)"""
WEEK_RANGES_CTE = f"{WEEKS_CTE},{WEEK_RANGE}"


def week_of(column: str) -> str:
    return f"date_trunc('week', {column} AT TIME ZONE %(tz)s)::date"


# Report queries read hundreds of thousands of rows once: JIT compilation costs more than it saves at this size
# (half a second per query in the benchmark), and sorts for percentiles and grouping should stay in memory.
REPORT_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"


@contextmanager
def report_transaction() -> Iterator[None]:
    """Read a page's tables in one read-only snapshot (its totals agree from table to table) with the settings
    above. Inside an outer transaction (tests) the snapshot is the outer one's."""
    outer = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            snapshot = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; " if outer else ""
            cursor.execute(snapshot + REPORT_SETTINGS)
        yield


def fetch(sql: str, params: dict, **tables: str) -> list[dict]:
    """Rows of one query as dicts. `{name}` in the SQL is a table name: the core ones above, or `tables`."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES, **tables), params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def split_total(rows: list[dict]) -> tuple[list[dict], dict | None]:
    """Separate the ROLLUP total row (the query marks it `is_total`, from GROUPING()) from the others."""
    body = [row for row in rows if not row["is_total"]]
    total = next((row for row in rows if row["is_total"]), None)
    return body, total
