"""Queue health: open cases now and how long the unassigned ones have waited, time to first caseworker action,
and each caseworker's load."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.casework import states
from cases.reporting.period import Period
from cases.reporting.selectors import fetch, split_total
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
# status change, note, message, evidence, a move of one of its removal requests).
FIRST_ACTION_SQL = """
WITH opened AS (
    SELECT c.id, c.is_urgent, c.created_at,
           (SELECT min(e.at) FROM {event} e WHERE e.case_id = c.id AND e.actor_id IS NOT NULL) AS first_at
    FROM {case} c
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
)
SELECT is_urgent, GROUPING(is_urgent) = 1 AS is_total,
       count(*)::int AS cases, count(first_at)::int AS acted, (count(*) - count(first_at))::int AS waiting,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_at - created_at)) / 3600 AS median_hours,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_at - created_at)) / 3600 AS p90_hours
FROM opened
GROUP BY ROLLUP (is_urgent)
ORDER BY GROUPING(is_urgent), is_urgent DESC
"""

LOAD_SQL = """
WITH staff AS (
    SELECT u.id, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.email) AS name
    FROM {user} u
    WHERE u.is_active AND EXISTS (
        SELECT 1 FROM {user_groups} ug JOIN {group} g ON g.id = ug.group_id
        WHERE ug.user_id = u.id AND g.name = ANY(%(roles)s)
    )
),
facts AS (
    SELECT c.assigned_to_id AS user_id, 'held' AS fact, c.id AS case_id, c.is_urgent, c.status
    FROM {case} c
    WHERE c.status = ANY(%(open)s) AND c.assigned_to_id IS NOT NULL
    UNION ALL
    SELECT e.actor_id, 'resolved', e.case_id, NULL, NULL
    FROM {event} e
    WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'resolved'
      AND e.at >= %(start)s AND e.at < %(end)s AND e.actor_id IS NOT NULL
    UNION ALL
    SELECT e.actor_id, 'closed', e.case_id, NULL, NULL
    FROM {event} e
    WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'closed'
      AND e.at >= %(start)s AND e.at < %(end)s AND e.actor_id IS NOT NULL
)
SELECT s.id, s.name, GROUPING(s.id) = 1 AS is_total,
       count(DISTINCT f.case_id) FILTER (WHERE f.fact = 'held')::int AS open,
       count(DISTINCT f.case_id) FILTER (WHERE f.fact = 'held' AND f.is_urgent)::int AS urgent,
       count(DISTINCT f.case_id) FILTER (WHERE f.fact = 'held' AND f.status = 'waiting_on_victim')::int AS waiting,
       count(DISTINCT f.case_id) FILTER (WHERE f.fact = 'resolved')::int AS resolved,
       count(DISTINCT f.case_id) FILTER (WHERE f.fact = 'closed')::int AS closed
FROM staff s LEFT JOIN facts f ON f.user_id = s.id
GROUP BY GROUPING SETS ((s.id, s.name), ())
ORDER BY GROUPING(s.id), 4 DESC, s.name, s.id
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
    rows, total = split_total(fetch(FIRST_ACTION_SQL, period.sql_params()))
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
