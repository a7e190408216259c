"""The hash bank: hashes shared and withdrawn by week, the bank now by hash type, and partners' feedback."""

from __future__ import annotations

from cases.reporting.period import Period
from cases.reporting.selectors import WEEK_RANGES_CTE, fetch, split_total, week_of
from cases.reporting.tables import LABEL, Chart, Column, Table
from hashing.models import BankEntry, BankEntryCase, BankStatus, FeedbackValue, Partner, PartnerFeedback, SignalType

ACTIVE, WITHDRAWN, DELETED = BankStatus.ACTIVE.value, BankStatus.WITHDRAWN.value, BankStatus.DELETED.value
BLOCKED, NOT_BLOCKED = FeedbackValue.BLOCKED.value, FeedbackValue.NOT_BLOCKED.value

BANK_TABLES = {
    "entry": BankEntry._meta.db_table,
    "entry_case": BankEntryCase._meta.db_table,
    "feedback": PartnerFeedback._meta.db_table,
    "partner": Partner._meta.db_table,
}

# Shared: hash values that entered the bank. An entry stops being shared when its last case withdraws consent
# (Withdrawn) or is erased (Deleted): that is the latest change among its case links.
WEEKLY_SQL = f"""
WITH {WEEK_RANGES_CTE},
stopped AS (
    -- Entries no longer shared whose last link changed in the period: their links in the period lead to them.
    SELECT e.status, max(l.changed_at) AS at
    FROM {{entry}} e JOIN {{entry_case}} l ON l.entry_id = e.id
    WHERE e.status IN ('{WITHDRAWN}', '{DELETED}')
      AND e.id IN (
          SELECT c.entry_id FROM {{entry_case}} c
          WHERE c.status IN ('{WITHDRAWN}', '{DELETED}') AND c.changed_at >= %(start)s AND c.changed_at < %(end)s
      )
    GROUP BY e.id, e.status
),
stopped_weekly AS (
    SELECT {week_of("at")} AS week,
           count(*) FILTER (WHERE status = '{WITHDRAWN}') AS withdrawn,
           count(*) FILTER (WHERE status = '{DELETED}') AS deleted
    FROM stopped
    WHERE at >= %(start)s AND at < %(end)s
    GROUP BY 1
)
SELECT w.week, GROUPING(w.week) = 1 AS is_total,
       coalesce(sum(s.shared), 0)::int AS shared,
       coalesce(sum(x.withdrawn), 0)::int AS withdrawn,
       coalesce(sum(x.deleted), 0)::int AS deleted
FROM week_range w
-- Shared: counted over each week's range of creation times (an index-only range scan per week).
CROSS JOIN LATERAL (
    SELECT count(*) AS shared FROM {{entry}} e WHERE e.created_at >= w.lo AND e.created_at < w.hi
) s
LEFT JOIN stopped_weekly x USING (week)
GROUP BY ROLLUP (w.week)
ORDER BY w.week NULLS LAST
"""  # noqa: S608 - built from constants in this module; values are parameters

NOW_SQL = f"""
SELECT signal_type, GROUPING(signal_type) = 1 AS is_total,
       count(*)::int AS entries,
       count(*) FILTER (WHERE status = '{ACTIVE}')::int AS active,
       count(*) FILTER (WHERE status = '{WITHDRAWN}')::int AS withdrawn,
       count(*) FILTER (WHERE status = '{DELETED}')::int AS deleted
FROM {{entry}}
GROUP BY ROLLUP (signal_type)
ORDER BY GROUPING(signal_type), count(*) DESC, signal_type
"""  # noqa: S608 - built from constants in this module; values are parameters

PARTNER_SQL = f"""
SELECT f.partner_id, (SELECT p.name FROM {{partner}} p WHERE p.id = f.partner_id) AS partner,
       GROUPING(f.partner_id) = 1 AS is_total,
       count(*)::int AS feedback,
       count(*) FILTER (WHERE f.value = '{BLOCKED}')::int AS blocked,
       count(*) FILTER (WHERE f.value = '{NOT_BLOCKED}')::int AS not_blocked,
       count(*) FILTER (WHERE f.value NOT IN ('{BLOCKED}', '{NOT_BLOCKED}'))::int AS other,
       count(DISTINCT f.entry_id) FILTER (WHERE f.value = '{BLOCKED}')::int AS hashes_blocked
FROM {{feedback}} f
WHERE f.at >= %(start)s AND f.at < %(end)s
GROUP BY ROLLUP (f.partner_id)
ORDER BY GROUPING(f.partner_id), count(*) FILTER (WHERE f.value = '{BLOCKED}') DESC, f.partner_id
"""  # noqa: S608 - built from constants in this module; values are parameters


def _fetch(sql: str, params: dict) -> list[dict]:
    return fetch(sql, params, **BANK_TABLES)


def bank_weekly(period: Period) -> Table:
    rows, total = split_total(_fetch(WEEKLY_SQL, period.sql_params()))
    if total is not None:
        total["week"] = "Total"
    return Table(
        slug="bank-weekly",
        title="Hashes shared and withdrawn by week",
        description=(
            "Shared: hash values that entered the bank (two victims with the same image share one). Withdrawn: "
            "the last case sharing a hash withdrew its consent. Deleted: the last case sharing it was erased."
        ),
        columns=[
            Column("week", "Week of", LABEL),
            Column("shared", "Shared"),
            Column("withdrawn", "Withdrawn"),
            Column("deleted", "Deleted"),
        ],
        rows=rows,
        total=total,
        chart=Chart("line", ("shared", "withdrawn", "deleted")),
    )


def bank_now(period: Period) -> Table:
    labels = dict(SignalType.choices)
    rows, total = split_total(_fetch(NOW_SQL, {}))
    for row in rows:
        row["signal_type"] = labels.get(row["signal_type"], row["signal_type"])
    if total is None:
        total = {"is_total": True, "entries": 0, "active": 0, "withdrawn": 0, "deleted": 0}
    total["signal_type"] = "All hashes"
    return Table(
        slug="bank-now",
        title="The hash bank now",
        description="Every hash the bank holds today, by type and status (whatever the period).",
        columns=[
            Column("signal_type", "Hash type", LABEL),
            Column("entries", "Hashes"),
            Column("active", "Shared"),
            Column("withdrawn", "Withdrawn"),
            Column("deleted", "Deleted"),
        ],
        rows=rows,
        total=total,
        parts=((("active", "withdrawn", "deleted"), "entries"),),
        chart=Chart("stacked", ("active", "withdrawn", "deleted"), horizontal=True),
    )


def partner_feedback(period: Period) -> Table:
    rows, total = split_total(_fetch(PARTNER_SQL, period.sql_params()))
    if total is None:
        total = {"is_total": True, "feedback": 0, "blocked": 0, "not_blocked": 0, "other": 0, "hashes_blocked": 0}
    total["partner"] = "All partners"
    return Table(
        slug="bank-partners",
        title="Partner feedback",
        description=(
            "What partner platforms reported in the period about hashes they matched. Blocked: an upload matching "
            "the hash was blocked. Hashes blocked counts each hash once per partner (and once in the total)."
        ),
        columns=[
            Column("partner", "Partner", LABEL),
            Column("feedback", "Feedback"),
            Column("blocked", "Blocked uploads"),
            Column("not_blocked", "Not blocked"),
            Column("other", "Other (pending, unknown, ...)"),
            Column("hashes_blocked", "Hashes blocked", sums_down=False),
        ],
        rows=rows,
        total=total,
        parts=((("blocked", "not_blocked", "other"), "feedback"),),
        chart=Chart("bar", ("blocked",), horizontal=True),
    )
