"""Queue health: open cases now and how long the unassigned ones have waited, time to first caseworker action,
and each caseworker's load."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.casework import states
from cases.reporting.models import FirstActionDay, RollupDay
from cases.reporting.period import Period, split_period
from cases.reporting.selectors import TABLES, fetch, split_total
from cases.reporting.tables import COUNT, LABEL, STAT, Chart, Column, Table
from helpline.staff import roles

OPEN = [str(status) for status in states.OPEN]

QUEUE_SQL = """
SELECT is_urgent, GROUPING(is_urgent) = 1 AS is_total,
       count(*)::int AS open,
       count(*) FILTER (WHERE assigned_to_id IS NOT NULL)::int AS assigned,
       count(*) FILTER (WHERE assigned_to_id IS NULL)::int AS unassigned,
       count(*) FILTER (WHERE status = 'new')::int AS new,
       count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
       count(*) FILTER (WHERE status = 'waiting_on_victim')::int AS waiting,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM %(now)s - created_at))
           FILTER (WHERE assigned_to_id IS NULL) / 3600 AS unassigned_median_hours,
       max(extract(epoch FROM %(now)s - created_at)) FILTER (WHERE assigned_to_id IS NULL) / 3600
           AS unassigned_oldest_hours
FROM {case}
WHERE status = ANY(%(open)s)
GROUP BY ROLLUP (is_urgent)
ORDER BY GROUPING(is_urgent), is_urgent DESC
"""

# The first thing a member of staff did on the case: any timeline event with a staff actor (claim, assignment,
# status change, note, message, evidence, a move of one of its removal requests). One row per case filed in the
# runs of days %(live_lo)s/%(live_hi)s, with its day in the helpline's time zone, who acted first and how long after
# filing. The rollup keeps days of these rows aggregated (nothing in them changes by the clock alone).
FIRST_ACTION_CTES = """
opened AS (
    SELECT (c.created_at AT TIME ZONE %(tz)s)::date AS day, c.is_urgent, first.actor_id,
           extract(epoch FROM first.at - c.created_at)::float8 AS seconds
    FROM unnest(%(live_lo)s::timestamptz[], %(live_hi)s::timestamptz[]) AS run(lo, hi)
    CROSS JOIN LATERAL (
        SELECT c.id, c.created_at, c.is_urgent FROM {case} c WHERE c.created_at >= run.lo AND c.created_at < run.hi
    ) c
    LEFT JOIN LATERAL (
        SELECT e.at, e.actor_id FROM {event} e
        WHERE e.case_id = c.id AND e.actor_id IS NOT NULL
        ORDER BY e.at LIMIT 1
    ) first ON true
)"""

FIRST_ACTION_COUNTS = """count(*) AS cases,
           coalesce(array_agg(seconds) FILTER (WHERE seconds IS NOT NULL), '{{}}') AS first_action_seconds"""

# The live days and the rolled-up days (%(rolled)s) together, per urgency and first actor.
FIRST_ACTION_PARTS = f"""
WITH {FIRST_ACTION_CTES},
parts AS (
    SELECT is_urgent, actor_id, {FIRST_ACTION_COUNTS} FROM opened GROUP BY is_urgent, actor_id
    UNION ALL
    SELECT is_urgent, actor_id, cases, first_action_seconds
    FROM {{first_action_day}} WHERE day = ANY(%(rolled)s::date[])
)"""  # noqa: S608 - built from constants in this module; values are parameters

# The percentiles in one pass without grouping: each group's values are sorted once by one aggregate with FILTER
# (both fractions from that one sort), rather than sorting every (urgency, time) row for ROLLUP's groups first.
FIRST_ACTION_SQL = f"""{FIRST_ACTION_PARTS},
counts AS (
    SELECT is_urgent, GROUPING(is_urgent) = 1 AS is_total,
           coalesce(sum(cases), 0)::int AS cases,
           coalesce(sum(cases) FILTER (WHERE actor_id IS NOT NULL), 0)::int AS acted,
           coalesce(sum(cases) FILTER (WHERE actor_id IS NULL), 0)::int AS waiting
    FROM parts
    GROUP BY ROLLUP (is_urgent)
),
times AS (
    SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE is_urgent) AS urgent,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE NOT is_urgent)
               AS not_urgent,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) AS total
    FROM parts CROSS JOIN LATERAL unnest(parts.first_action_seconds) AS seconds
)
SELECT c.*, p[1] / 3600 AS median_hours, p[2] / 3600 AS p90_hours
FROM counts c CROSS JOIN times t
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.is_total THEN t.total WHEN c.is_urgent THEN t.urgent ELSE t.not_urgent END AS p
) pick
ORDER BY c.is_total, c.is_urgent DESC
"""  # noqa: S608 - built from constants in this module; values are parameters

# The refresh (cases/reporting/rollup.py), once it deleted days %(days)s: those days again, from the same rows.
ROLLUP_SQL = f"""
WITH {FIRST_ACTION_CTES},
written AS (
    INSERT INTO {{first_action_day}} (day, is_urgent, actor_id, cases, first_action_seconds)
    SELECT day, is_urgent, actor_id, {FIRST_ACTION_COUNTS} FROM opened GROUP BY day, is_urgent, actor_id
)
INSERT INTO {{rollup_day}} (report, day, tz, computed_at, stable_until)
SELECT %(report)s, d.day, %(tz)s, %(now)s, NULL FROM unnest(%(days)s::date[]) AS d(day)
"""  # noqa: S608 - built from constants in this module; values are parameters

REPORT = "first_action"
ROLLUP_TABLES = {"first_action_day": FirstActionDay._meta.db_table, "rollup_day": RollupDay._meta.db_table}


def rollup_sql() -> str:
    return ROLLUP_SQL.format(**TABLES, **ROLLUP_TABLES)


# Each figure aggregated on its own before the join with staff. Resolved and closed: one range scan of the
# period's status changes each (index-only), grouped by person with ROLLUP, so the total row counts each case once
# however many people resolved it; the sort is of two integers per change (the distinct counts sort case ids
# only), never of every (person, case, status) row hashed into one big table.
LOAD_SQL = """
WITH staff AS (
    SELECT u.id, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.email) AS name
    FROM {user} u
    WHERE u.is_active AND EXISTS (
        SELECT 1 FROM {user_groups} ug JOIN {group} g ON g.id = ug.group_id
        WHERE ug.user_id = u.id AND g.name = ANY(%(roles)s)
    )
),
held AS (
    SELECT c.assigned_to_id AS user_id, count(*) AS open, count(*) FILTER (WHERE c.is_urgent) AS urgent,
           count(*) FILTER (WHERE c.status = 'waiting_on_victim') AS waiting
    FROM {case} c
    WHERE c.status = ANY(%(open)s) AND c.assigned_to_id IS NOT NULL
    GROUP BY c.assigned_to_id
),
resolved AS (
    SELECT e.actor_id AS user_id, GROUPING(e.actor_id) = 1 AS is_total, count(DISTINCT e.case_id) AS cases
    FROM {event} e
    WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'resolved'
      AND e.at >= %(start)s AND e.at < %(end)s AND e.actor_id IN (SELECT id FROM staff)
    GROUP BY ROLLUP (e.actor_id)
),
closed AS (
    SELECT e.actor_id AS user_id, GROUPING(e.actor_id) = 1 AS is_total, count(DISTINCT e.case_id) AS cases
    FROM {event} e
    WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'closed'
      AND e.at >= %(start)s AND e.at < %(end)s AND e.actor_id IN (SELECT id FROM staff)
    GROUP BY ROLLUP (e.actor_id)
),
per_person AS (
    SELECT s.id, s.name, false AS is_total,
           coalesce(h.open, 0)::int AS open, coalesce(h.urgent, 0)::int AS urgent,
           coalesce(h.waiting, 0)::int AS waiting,
           coalesce(r.cases, 0)::int AS resolved, coalesce(x.cases, 0)::int AS closed
    FROM staff s
    LEFT JOIN held h ON h.user_id = s.id
    LEFT JOIN resolved r ON r.user_id = s.id AND NOT r.is_total
    LEFT JOIN closed x ON x.user_id = s.id AND NOT x.is_total
)
SELECT * FROM per_person
UNION ALL
SELECT NULL, NULL, true,
       coalesce(sum(open), 0)::int, coalesce(sum(urgent), 0)::int, coalesce(sum(waiting), 0)::int,
       (SELECT coalesce(sum(cases), 0) FROM resolved WHERE is_total)::int,
       (SELECT coalesce(sum(cases), 0) FROM closed WHERE is_total)::int
FROM per_person
ORDER BY is_total, open DESC, name, id
"""


def _urgency_labels(rows: list[dict], total: dict | None, total_label: str) -> None:
    for row in rows:
        row["urgency"] = "Urgent" if row["is_urgent"] else "Not urgent"
    if total is not None:
        total["urgency"] = total_label


def _empty_total(columns: list[Column]) -> dict:
    return {"is_total": True, **{c.key: 0 for c in columns if c.kind == COUNT}}


def queue_now(period: Period) -> Table:
    columns = [
        Column("urgency", "Cases", LABEL),
        Column("open", "Open"),
        Column("assigned", "Assigned"),
        Column("unassigned", "Unassigned"),
        Column("new", "New"),
        Column("in_progress", "In progress"),
        Column("waiting", "Waiting on victim"),
        Column("unassigned_median_hours", "Unassigned age, median", STAT, base="unassigned", unit="hours"),
        Column(
            "unassigned_oldest_hours",
            "Unassigned age, oldest",
            STAT,
            base="unassigned",
            unit="hours",
            internal_only=True,
        ),
    ]
    rows, total = split_total(fetch(QUEUE_SQL, {"now": period.now, "open": OPEN}))
    total = total or _empty_total(columns)
    _urgency_labels(rows, total, "All open cases")
    return Table(
        slug="queue-now",
        title="Open cases now",
        description=(
            "Cases that are new, in progress or waiting on the victim, as of now (whatever the period). "
            "Unassigned age: time since the case was filed, for cases nobody holds."
        ),
        columns=columns,
        rows=rows,
        total=total,
        parts=((("assigned", "unassigned"), "open"), (("new", "in_progress", "waiting"), "open")),
        chart=Chart("stacked", ("assigned", "unassigned"), horizontal=True),
    )


def first_action(period: Period) -> Table:
    columns = [
        Column("urgency", "Cases opened", LABEL),
        Column("cases", "Cases"),
        Column("acted", "Acted on"),
        Column("waiting", "No staff action yet"),
        Column("median_hours", "Time to first action, median", STAT, base="acted", unit="hours"),
        Column("p90_hours", "Time to first action, 90th percentile", STAT, base="acted", unit="hours"),
    ]
    params = {**period.sql_params(), **split_period(REPORT, period).params()}
    rows, total = split_total(fetch(FIRST_ACTION_SQL, params, **ROLLUP_TABLES))
    total = total or _empty_total(columns)
    _urgency_labels(rows, total, "All cases opened")
    return Table(
        slug="queue-first-action",
        title="Time to first caseworker action",
        description=(
            "For cases opened in the period: time from filing to the first thing a member of staff did on the "
            "case (claimed, assigned, changed its status, wrote a note or message, added evidence, moved a request)."
        ),
        columns=columns,
        rows=rows,
        total=total,
        parts=((("acted", "waiting"), "cases"),),
        chart=Chart("bar", ("median_hours", "p90_hours")),
    )


def caseworker_load(period: Period) -> Table:
    user = get_user_model()
    params = {**period.sql_params(), "open": OPEN, "roles": list(roles.ROLES)}
    tables = {
        "user": user._meta.db_table,
        "user_groups": user.groups.through._meta.db_table,
        "group": Group._meta.db_table,
    }
    rows, total = split_total(fetch(LOAD_SQL, params, **tables))
    if total is not None:
        total["name"] = "All staff"
    return Table(
        slug="queue-caseworker-load",
        title="Caseworker load",
        description=(
            "Open cases each member of staff holds now, and the cases they resolved or closed in the period. "
            "Exports leave out names."
        ),
        columns=[
            Column("name", "Caseworker", LABEL, identifying=True),
            Column("open", "Open cases held"),
            Column("urgent", "Urgent"),
            Column("waiting", "Waiting on victim"),
            Column("resolved", "Resolved in period", sums_down=False),
            Column("closed", "Closed in period", sums_down=False),
        ],
        rows=rows,
        total=total,
        external=False,
        chart=Chart("bar", ("open", "urgent"), horizontal=True),
    )
