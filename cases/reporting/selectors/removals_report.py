"""Removal requests per platform and search engine: outcomes, removal rate, time to removal, TAKE IT DOWN 48-hour
breaches, and the slowest requests still waiting on a platform."""

from __future__ import annotations

from django.urls import reverse

from cases.removals import state
from cases.removals.models import RemovalRequest
from cases.reporting.models import RemovalDay, RemovalSenderDay, RollupDay
from cases.reporting.period import Period, midnight, split_period
from cases.reporting.selectors import TABLES, fetch
from cases.reporting.tables import COUNT, DATE, LABEL, RATE, STAT, TEXT, Chart, Column, Table

# Requests a platform still has to answer. An escalated request waits on its escalation, which is listed itself.
# Spelled into the SQL (not a parameter) so PostgreSQL can use the partial index reporting_request_awaiting_idx,
# whose predicate lists the same states: tests/reporting check they agree.
AWAITING = sorted(state.AWAITING_PLATFORM - {state.ESCALATED})
TAKE_IT_DOWN_HOURS = 48
# Up to this many live days, a caseworker's own requests are found by testing each request of those days.
FEW_LIVE_DAYS = 14
REPORT = "removals"
ROLLUP_TABLES = {
    "removal_day": RemovalDay._meta.db_table,
    "removal_sender_day": RemovalSenderDay._meta.db_table,
    "rollup_day": RollupDay._meta.db_table,
}

# The requests (first requests and follow-ups, not escalations) sent in the period, each with one outcome:
#   removed  - it, or its escalation, reached "removed" (a removal won on appeal counts for the platform);
#   refused  - the platform refused and nothing was removed;
#   closed   - closed by the helpline without a removal;
#   overdue  - still waiting past a LEGAL deadline (deadline_statutory: TAKE IT DOWN's 48 hours through the
#              platform's designated process), marked overdue or past it before the hourly check ran;
#   follow_up_due - still waiting past the helpline's own follow-up target (every other deadline: DSA, platform
#              policy, DMCA...): late by our measure, not in breach of a law, so never called overdue;
#   pending  - anything else: waiting within its deadline, asked for information, escalated, being re-sent.
# `sent_at` is when the request was last sent (a re-send after "needs information" restarts it, as it restarts
# the platform's deadline). Under TAKE IT DOWN a platform has 48 hours from the request: a breach is a request
# with that basis not removed within 48 hours (removed later, or still not removed 48 hours on, unless the
# helpline closed it sooner).
#
# One row per request sent in the runs of days %(live_lo)s/%(live_hi)s, with its day (in the helpline's time
# zone), the seconds from sending to removal, and `flip_at`: the first moment its figures change by the clock
# alone (its deadline passes; 48 hours pass without a removal). The rollup keeps days of these rows aggregated.
OUTCOME_CTES = f"""
sent AS (
    -- One index range scan per run of days (LATERAL, so the planner cannot scan every request instead).
    SELECT r.id, r.platform_id, r.channel_id, r.status, r.basis, r.sent_at, r.deadline_at, r.deadline_statutory,
           r.status_changed_at, r.send_approved_by_id
    FROM unnest(%(live_lo)s::timestamptz[], %(live_hi)s::timestamptz[]) AS run(lo, hi)
    CROSS JOIN LATERAL (
        SELECT r.* FROM {{request}} r
        WHERE r.kind <> 'escalation' AND r.sent_at >= run.lo AND r.sent_at < run.hi {{sent_filter}}
    ) r
),
outcome AS (
    SELECT s.id, s.send_approved_by_id, s.platform_id, s.channel_id, (s.sent_at AT TIME ZONE %(tz)s)::date AS day,
           CASE
               WHEN removed_at IS NOT NULL OR s.status = 'removed' THEN 'removed'
               WHEN s.status = 'refused' THEN 'refused'
               WHEN s.status = 'closed' THEN 'closed'
               WHEN s.status = 'overdue'
                    OR (s.status IN ('sent', 'acknowledged') AND s.deadline_statutory AND s.deadline_at < %(now)s)
                   THEN 'overdue'
               WHEN s.status IN ('sent', 'acknowledged') AND NOT s.deadline_statutory AND s.deadline_at < %(now)s
                   THEN 'follow_up_due'
               ELSE 'pending'
           END AS outcome,
           s.basis = 'take_it_down' AS tida,
           s.basis = 'take_it_down' AND s.sent_at + interval '{TAKE_IT_DOWN_HOURS} hours' < coalesce(
               removed_at, CASE WHEN s.status = 'closed' THEN s.status_changed_at END, %(now)s
           ) AS tida_breached,
           extract(epoch FROM removed_at - s.sent_at)::float8 AS seconds,
           least(
               CASE WHEN s.status IN ('sent', 'acknowledged') AND s.deadline_at >= %(now)s THEN s.deadline_at END,
               CASE WHEN s.basis = 'take_it_down' AND removed_at IS NULL AND s.status <> 'closed'
                         AND s.sent_at + interval '{TAKE_IT_DOWN_HOURS} hours' >= %(now)s
                    THEN s.sent_at + interval '{TAKE_IT_DOWN_HOURS} hours' END
           ) AS flip_at
    FROM sent s
    -- The moment it reached "removed", or an escalation of it did. "Removed" leads only to "closed", or back to
    -- where it was when staff take it back as a mistake (a later correction row out of "removed"): those
    -- don't count (cases/removals/services.py, removal_correct_last_move).
    CROSS JOIN LATERAL (
        SELECT least(
            (SELECT min(t.at) FROM {{transition}} t WHERE t.request_id = s.id AND t.to_status = 'removed'
             AND NOT EXISTS (SELECT 1 FROM {{transition}} c WHERE c.request_id = t.request_id
                             AND c.from_status = 'removed' AND c.actor_label = '{state.CORRECTION_LABEL}'
                             AND c.at >= t.at)),
            (SELECT min(t.at) FROM {{request}} e JOIN {{transition}} t ON t.request_id = e.id
             WHERE e.escalates_id = s.id AND t.to_status = 'removed')
        ) AS removed_at
        OFFSET 0  -- worked out once per request, not once per use below
    ) removal
)"""  # noqa: S608 - built from constants in this module; values are parameters

COUNTS = """count(*) AS sent,
           count(*) FILTER (WHERE outcome = 'removed') AS removed,
           count(*) FILTER (WHERE outcome = 'refused') AS refused,
           count(*) FILTER (WHERE outcome = 'pending') AS pending,
           count(*) FILTER (WHERE outcome = 'follow_up_due') AS follow_up_due,
           count(*) FILTER (WHERE outcome = 'overdue') AS overdue,
           count(*) FILTER (WHERE outcome = 'closed') AS closed,
           count(*) FILTER (WHERE tida) AS tida,
           count(*) FILTER (WHERE tida_breached) AS tida_breached,
           coalesce(array_agg(seconds) FILTER (WHERE seconds IS NOT NULL), '{{}}') AS removal_seconds"""

# The live days and the rolled-up days (%(rolled)s) together, per platform; counts add up, and the percentiles
# sort every removal time of the period, from both. Each row's times are sorted by one aggregate (both fractions
# from one sort) over just that platform's (or group's) times, picked out per row: grouping sets over the
# unnested times would first sort every (group, platform, time) row, which cost more than the percentiles.
PLATFORM_SQL = f"""
WITH {OUTCOME_CTES},
parts AS (
    SELECT platform_id, {COUNTS} FROM outcome GROUP BY platform_id
    UNION ALL
    SELECT platform_id, sent, removed, refused, pending, follow_up_due, overdue, closed, tida, tida_breached,
           removal_seconds
    FROM {{rolled_source}} AND day = ANY(%(rolled)s::date[])
),
grouped AS (
    SELECT CASE WHEN p.kind = 'search_engine' THEN 'search_engines' ELSE 'platforms' END AS grp, parts.*
    FROM parts JOIN {{platform}} p ON p.id = parts.platform_id
),
counts AS (
    SELECT grp, platform_id, GROUPING(platform_id) = 1 AS is_total,
           sum(sent)::int AS sent, sum(removed)::int AS removed, sum(refused)::int AS refused,
           sum(pending)::int AS pending, sum(follow_up_due)::int AS follow_up_due,
           sum(overdue)::int AS overdue, sum(closed)::int AS closed,
           round(100.0 * sum(removed) / sum(sent), 1) AS removal_rate,
           sum(tida)::int AS tida, sum(tida_breached)::int AS tida_breached,
           sum(tida - tida_breached)::int AS tida_met
    FROM grouped
    GROUP BY GROUPING SETS ((grp, platform_id), (grp))
)
SELECT c.*, t.p[1] / 3600 AS median_hours, t.p[2] / 3600 AS p90_hours,
       (SELECT p.name FROM {{platform}} p WHERE p.id = c.platform_id) AS platform
FROM counts c
CROSS JOIN LATERAL (
    SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) AS p
    FROM grouped g CROSS JOIN LATERAL unnest(g.removal_seconds) AS seconds
    WHERE g.grp = c.grp AND (c.is_total OR g.platform_id = c.platform_id)
) t
ORDER BY c.grp, c.is_total, c.sent DESC, c.platform_id
"""  # noqa: S608 - built from constants in this module; values are parameters

# The refresh (cases/reporting/rollup.py), once it deleted days %(days)s: those days again, from the same rows, for
# the helpline per platform and channel (RemovalDay) and per person who sent them per platform (RemovalSenderDay: who
# moved each to "sent", or approved it for the portal to email, as the live `sent_filter` below finds them), with
# each day's latest staff send.
ROLLUP_SQL = f"""
WITH {OUTCOME_CTES},
written AS (
    INSERT INTO {{removal_day}}
        (day, platform_id, channel_id, sent, removed, refused, pending, follow_up_due, overdue, closed, tida,
         tida_breached, removal_seconds)
    SELECT day, platform_id, channel_id, {COUNTS} FROM outcome GROUP BY day, platform_id, channel_id
),
staff_sends AS (
    SELECT o.id, o.day, t.actor_id, t.at
    FROM outcome o JOIN {{transition}} t ON t.request_id = o.id AND t.to_status = 'sent' AND t.actor_id IS NOT NULL
),
senders AS (
    SELECT id, actor_id AS sender_id FROM staff_sends
    UNION
    SELECT id, send_approved_by_id FROM outcome WHERE send_approved_by_id IS NOT NULL
),
by_sender AS (
    SELECT o.*, s.sender_id FROM outcome o JOIN senders s ON s.id = o.id
),
written_by_sender AS (
    INSERT INTO {{removal_sender_day}} (day, platform_id, sender_id, sent, removed, refused, pending,
                                        follow_up_due, overdue, closed, tida, tida_breached, removal_seconds)
    SELECT day, platform_id, sender_id, {COUNTS} FROM by_sender GROUP BY day, platform_id, sender_id
)
INSERT INTO {{rollup_day}} (report, day, tz, computed_at, stable_until, sends_until)
SELECT %(report)s, d.day, %(tz)s, %(now)s, f.stable_until, s.sends_until
FROM unnest(%(days)s::date[]) AS d(day)
LEFT JOIN (SELECT day, min(flip_at) AS stable_until FROM outcome GROUP BY day) f ON f.day = d.day
LEFT JOIN (SELECT day, max(at) AS sends_until FROM staff_sends GROUP BY day) s ON s.day = d.day
"""  # noqa: S608 - built from constants in this module; values are parameters


def rollup_sql() -> str:
    return ROLLUP_SQL.replace("{sent_filter}", "").format(**TABLES, **ROLLUP_TABLES)


# Per reporting channel, for the board (cases/removals/outcomes.py): the same outcomes, the rolled-up days' rows of
# those channels plus the live days, and the median over every removal time of the period from both (the rollup
# keeps each day's times, so the median is exact, not binned).
CHANNEL_SQL = f"""
WITH {OUTCOME_CTES},
parts AS (
    SELECT channel_id, count(*) AS sent, count(*) FILTER (WHERE outcome = 'removed') AS removed,
           coalesce(array_agg(seconds) FILTER (WHERE seconds IS NOT NULL), '{{{{}}}}') AS removal_seconds
    FROM outcome GROUP BY channel_id
    UNION ALL
    SELECT channel_id, sent, removed, removal_seconds
    FROM {{removal_day}} WHERE day = ANY(%(rolled)s::date[]) AND channel_id = ANY(%(channels)s)
)
SELECT c.channel_id, sum(c.sent)::int AS sent, sum(c.removed)::int AS removed,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)
        FROM parts p CROSS JOIN LATERAL unnest(p.removal_seconds) AS seconds
        WHERE p.channel_id = c.channel_id) / 3600 AS median_hours
FROM parts c
GROUP BY c.channel_id
"""  # noqa: S608 - built from constants in this module; values are parameters


def channel_outcomes(period: Period, channel_ids: list[int]) -> list[dict]:
    """Requests sent in `period` through each of `channel_ids`: sent, removed (as the removals report counts it)
    and the median hours from sending to removal; channels with no request have no row."""
    params = period.sql_params()
    params.update(split_period(REPORT, period).params())
    params["channels"] = list(channel_ids)
    sql = CHANNEL_SQL.replace("{sent_filter}", "AND r.channel_id = ANY(%(channels)s)")
    return fetch(sql, params, **ROLLUP_TABLES)


SLOWEST_SQL = """
SELECT r.id, c.reference, p.name AS platform, r.kind, r.status, r.sent_at, r.deadline_at,
       extract(epoch FROM %(now)s - r.sent_at) / 86400 AS days_waiting,
       CASE WHEN r.deadline_statutory AND r.deadline_at < %(now)s
            THEN extract(epoch FROM %(now)s - r.deadline_at) / 3600 END AS hours_late,
       CASE WHEN NOT r.deadline_statutory AND r.deadline_at < %(now)s
            THEN extract(epoch FROM %(now)s - r.deadline_at) / 3600 END AS hours_past_follow_up
FROM {request} r
JOIN {platform} p ON p.id = r.platform_id
JOIN {case} c ON c.id = r.case_id
WHERE r.status IN ({awaiting}) AND r.sent_at IS NOT NULL
ORDER BY r.sent_at, r.id
LIMIT %(limit)s
""".replace("{awaiting}", ", ".join(f"'{s}'" for s in AWAITING))

SLOWEST_LIMIT = 20


def outcome_columns(label: str) -> list[Column]:
    return [
        Column("platform", label, LABEL),
        Column("sent", "Sent"),
        Column("removed", "Removed"),
        Column("refused", "Refused"),
        Column("pending", "Pending"),
        Column("follow_up_due", "Follow-up due"),
        Column("overdue", "Overdue"),
        Column("closed", "Closed, not removed"),
        Column("removal_rate", "Removal rate", RATE, numerator="removed", denominator="sent", unit="%"),
        Column("median_hours", "Sent to removed, median", STAT, base="removed", unit="hours"),
        Column("p90_hours", "Sent to removed, 90th percentile", STAT, base="removed", unit="hours"),
        Column("tida", "TAKE IT DOWN requests"),
        Column("tida_breached", "48-hour breaches"),
        Column("tida_met", "Within 48 hours"),
    ]


OUTCOME_PARTS = (
    (("removed", "refused", "pending", "follow_up_due", "overdue", "closed"), "sent"),
    (("tida_breached", "tida_met"), "tida"),
)
OUTCOME_DESCRIPTION = (
    "Requests sent in the period (escalations count with the request they escalate), by where each stands now. "
    "Removed includes removals won on appeal. Overdue: waiting past a legal deadline (TAKE IT DOWN's 48 hours, "
    "through the platform's designated process). Follow-up due: waiting past the helpline's own follow-up "
    "target, which is no legal deadline. Times are from "
    "sending to removal. A 48-hour breach is a TAKE IT DOWN request not removed within 48 hours of being sent."
)


def outcome_tables(period: Period, *, sent_by=None, slug_prefix: str = "removals-") -> dict[str, Table]:
    """The platforms table and the search engines table, from one query. `sent_by`: only requests this person sent."""
    params = period.sql_params()
    sent_filter = ""
    rolled_source = "{removal_day} WHERE true"
    # From the rollup where it is exact, the rest live. A person's own figures count their sends before the
    # period's end: a day is read from the rollup only if its staff sends all came before it.
    split = split_period(REPORT, period, sends_before=period.end if sent_by is not None else None)
    params.update(split.params())
    if sent_by is not None:
        rolled_source = "{removal_sender_day} WHERE sender_id = %(actor)s"
        # Sent by them (web form, in-app), or sent by the portal's email worker after they approved it. The same
        # test written two ways, for the planner: when a few days are live (the rollup is up to date), each of
        # their requests is checked with an index probe; when many are, the person's requests are fetched by id
        # (an array of ids) rather than every request of those days tested.
        # Days before the first rolled-up one held no request when the rollup was made (a period reaching back
        # before the helpline's first request): only the days from it on say how much is live.
        since = midnight(split.rolled[0], period.tz) if split.rolled else None
        if split.live_days(since) <= FEW_LIVE_DAYS:
            sent_filter = (
                "AND (r.send_approved_by_id = %(actor)s OR EXISTS (SELECT 1 FROM {transition} t "
                "WHERE t.request_id = r.id AND t.to_status = 'sent' AND t.actor_id = %(actor)s AND t.at < %(end)s))"
            )
        else:
            sent_filter = (
                "AND r.id = ANY(ARRAY(SELECT t.request_id FROM {transition} t WHERE t.to_status = 'sent' "
                "AND t.actor_id = %(actor)s AND t.at < %(end)s "
                "UNION SELECT a.id FROM {request} a WHERE a.send_approved_by_id = %(actor)s))"
            )
        params["actor"] = sent_by.pk
    sql = PLATFORM_SQL.replace("{sent_filter}", sent_filter).replace("{rolled_source}", rolled_source)
    found = fetch(sql, params, **ROLLUP_TABLES)
    tables = {}
    for grp, label, title in (
        ("platforms", "Platform", "Removal requests by platform"),
        ("search_engines", "Search engine", "De-indexing requests by search engine"),
    ):
        rows = [row for row in found if row["grp"] == grp and not row["is_total"]]
        total = next((row for row in found if row["grp"] == grp and row["is_total"]), None)
        if total is None:
            total = {"is_total": True, **{c.key: 0 for c in outcome_columns(label) if c.kind == COUNT}}
        total["platform"] = "Total"
        slug = slug_prefix + grp.replace("_", "-")
        tables[slug] = Table(
            slug=slug,
            title=title,
            description=OUTCOME_DESCRIPTION,
            columns=outcome_columns(label),
            rows=rows,
            total=total,
            parts=OUTCOME_PARTS,
            chart=Chart(
                "stacked", ("removed", "refused", "pending", "follow_up_due", "overdue", "closed"), horizontal=True
            ),
        )
    return tables


def slowest_open_requests(period: Period, *, limit: int = SLOWEST_LIMIT) -> Table:
    rows = fetch(SLOWEST_SQL, {"now": period.now, "limit": limit})
    kinds = dict(RemovalRequest.Kind.choices)
    for row in rows:
        row["code"] = f"RR-{row['id']:06d}"
        row["kind"] = kinds.get(row["kind"], row["kind"])
        row["status"] = state.label(row["status"])
    return Table(
        slug="removals-slowest-open",
        title="Slowest requests still waiting on a platform",
        description=(
            f"The {limit} requests that have waited longest since they were sent (sent, acknowledged, asked for "
            "information or overdue), whatever the period. Open the case to act on one. Exports leave out the "
            "request and case references."
        ),
        columns=[
            Column("code", "Request", LABEL, identifying=True),
            Column("platform", "Platform", TEXT),
            Column("kind", "Kind", TEXT),
            Column("status", "Status", TEXT),
            Column("sent_at", "Sent", DATE),
            Column("days_waiting", "Waiting", STAT, unit="days"),
            Column("hours_late", "Past the legal deadline", STAT, unit="hours"),
            Column("hours_past_follow_up", "Past our follow-up target", STAT, unit="hours"),
        ],
        rows=rows,
        external=False,
        links=[reverse("casework:case", args=[row["reference"]]) for row in rows],
    )
