"""A caseworker's own figures: the cases they hold, what they did by week, how the requests they sent fared,
and how quickly they acted first on new cases. Every query is filtered to the one person asking."""

from __future__ import annotations

from cases.casework.models import CaseAssignment
from cases.reporting.period import Period, split_period
from cases.reporting.selectors import WEEKS_CTE, fetch, queue_report, split_total, week_of
from cases.reporting.selectors.queue_report import OPEN
from cases.reporting.selectors.removals_report import outcome_tables
from cases.reporting.tables import COUNT, LABEL, STAT, Chart, Column, Table

HELD_SQL = """
SELECT is_urgent, GROUPING(is_urgent) = 1 AS is_total,
       count(*)::int AS open,
       count(*) FILTER (WHERE status = 'new')::int AS new,
       count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
       count(*) FILTER (WHERE status = 'waiting_on_victim')::int AS waiting
FROM {case}
WHERE status = ANY(%(open)s) AND assigned_to_id = %(actor)s
GROUP BY ROLLUP (is_urgent)
ORDER BY GROUPING(is_urgent), is_urgent DESC
"""

WEEKLY_SQL = f"""
WITH {WEEKS_CTE},
taken AS (
    SELECT {week_of("a.at")} AS week, count(DISTINCT a.case_id) AS taken
    FROM {{assignment}} a
    WHERE a.assigned_to_id = %(actor)s AND a.kind <> '{CaseAssignment.Kind.UNASSIGN.value}'
      AND a.at >= %(start)s AND a.at < %(end)s
    GROUP BY 1
),
finished AS (
    SELECT {week_of("at")} AS week,
           count(DISTINCT case_id) FILTER (WHERE status = 'resolved') AS resolved,
           count(DISTINCT case_id) FILTER (WHERE status = 'closed') AS closed
    FROM (
        SELECT e.at, e.case_id, 'resolved' AS status FROM {{event}} e
        WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'resolved'
          AND e.actor_id = %(actor)s AND e.at >= %(start)s AND e.at < %(end)s
        UNION ALL
        SELECT e.at, e.case_id, 'closed' FROM {{event}} e
        WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'closed'
          AND e.actor_id = %(actor)s AND e.at >= %(start)s AND e.at < %(end)s
    ) changes
    GROUP BY 1
),
my_sends AS (
    SELECT t.request_id, t.at FROM {{transition}} t
    WHERE t.to_status = 'sent' AND t.actor_id = %(actor)s AND t.at >= %(start)s AND t.at < %(end)s
    UNION ALL  -- a move found twice counts once below (distinct requests)
    SELECT t.request_id, t.at FROM {{request}} r JOIN {{transition}} t ON t.request_id = r.id
    WHERE r.send_approved_by_id = %(actor)s AND t.to_status = 'sent' AND t.actor_id IS NULL
      AND t.at >= %(start)s AND t.at < %(end)s
),
sent AS (
    SELECT {week_of("at")} AS week, count(DISTINCT request_id) AS sent FROM my_sends GROUP BY 1
)
SELECT w.week, GROUPING(w.week) = 1 AS is_total,
       coalesce(sum(tk.taken), 0)::int AS taken,
       coalesce(sum(f.resolved), 0)::int AS resolved,
       coalesce(sum(f.closed), 0)::int AS closed,
       coalesce(sum(s.sent), 0)::int AS sent
FROM weeks w
LEFT JOIN taken tk USING (week) LEFT JOIN finished f USING (week) LEFT JOIN sent s USING (week)
GROUP BY ROLLUP (w.week)
ORDER BY w.week NULLS LAST
"""  # noqa: S608 - built from constants in this module; values are parameters

# Cases opened in the period on which this person made the first staff action (from the rollup where exact).
FIRST_ACTION_SQL = f"""{queue_report.FIRST_ACTION_PARTS}
SELECT coalesce(sum(cases), 0)::int AS cases,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM parts p, unnest(p.first_action_seconds) seconds
        WHERE p.actor_id = %(actor)s) / 3600 AS median_hours,
       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FROM parts p, unnest(p.first_action_seconds) seconds
        WHERE p.actor_id = %(actor)s) / 3600 AS p90_hours
FROM parts
WHERE actor_id = %(actor)s
"""  # noqa: S608 - built from constants in the selectors; values are parameters


def own_held(period: Period, user) -> Table:
    columns = [
        Column("urgency", "Cases", LABEL),
        Column("open", "Open cases you hold"),
        Column("new", "New"),
        Column("in_progress", "In progress"),
        Column("waiting", "Waiting on victim"),
    ]
    rows, total = split_total(fetch(HELD_SQL, {"open": OPEN, "actor": user.pk}))
    for row in rows:
        row["urgency"] = "Urgent" if row["is_urgent"] else "Not urgent"
    total = total or {"is_total": True, **{c.key: 0 for c in columns if c.kind == COUNT}}
    total["urgency"] = "All"
    return Table(
        slug="mine-held",
        title="Cases you hold now",
        columns=columns,
        rows=rows,
        total=total,
        parts=((("new", "in_progress", "waiting"), "open"),),
        external=False,
    )


def own_weekly(period: Period, user) -> Table:
    rows, total = split_total(fetch(WEEKLY_SQL, {**period.sql_params(), "actor": user.pk}))
    if total is not None:
        total["week"] = "Total"
    return Table(
        slug="mine-weekly",
        title="What you did, by week",
        description=(
            "Taken on: cases you claimed or were assigned. Resolved and closed: cases you moved to that status. "
            "Requests sent: requests you sent, or approved for the portal to email."
        ),
        columns=[
            Column("week", "Week of", LABEL),
            Column("taken", "Cases taken on"),
            Column("resolved", "Resolved"),
            Column("closed", "Closed"),
            Column("sent", "Requests sent"),
        ],
        rows=rows,
        total=total,
        external=False,
        chart=Chart("line", ("taken", "resolved", "closed", "sent")),
    )


def own_requests(period: Period, user) -> dict[str, Table]:
    tables = outcome_tables(period, sent_by=user, slug_prefix="mine-")
    for table in tables.values():
        table.external = False
        table.title = table.title.replace("Removal requests", "Your removal requests").replace(
            "De-indexing requests", "Your de-indexing requests"
        )
    return tables


def own_first_action(period: Period, user) -> Table:
    split = split_period(queue_report.REPORT, period)
    params = {**period.sql_params(), **split.params(), "actor": user.pk}
    rows = fetch(FIRST_ACTION_SQL, params, **queue_report.ROLLUP_TABLES)
    for row in rows:
        row["label"] = "Cases where you acted first"
    return Table(
        slug="mine-first-action",
        title="Your first actions on new cases",
        description="Cases opened in the period on which you were the first member of staff to act: time from filing.",
        columns=[
            Column("label", "", LABEL),
            Column("cases", "Cases"),
            Column("median_hours", "Time to first action, median", STAT, base="cases", unit="hours"),
            Column("p90_hours", "90th percentile", STAT, base="cases", unit="hours"),
        ],
        rows=rows,
        external=False,
    )
