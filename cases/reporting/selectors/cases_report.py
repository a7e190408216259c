"""Cases in a period: opened, resolved and closed by week; by category; by language; the urgent share."""

from __future__ import annotations

import json

from django.conf import settings

from cases.models import Case
from cases.reporting.period import Period
from cases.reporting.selectors import WEEK_RANGES_CTE, fetch, split_total
from cases.reporting.tables import LABEL, RATE, Chart, Column, Table

# A case counts as resolved in each week a caseworker moved it to "resolved" (once per week, however often);
# as closed in the week of its closed_at (kept while it stays closed; reopening clears it); as opened in the
# week it was filed.
#
# Each week is counted over its own range of moments (WEEK_RANGES_CTE); the distinct "resolved" count sorts one
# week's events at a time.
WEEKLY_SQL = f"""
WITH {WEEK_RANGES_CTE},
weekly AS (
    SELECT b.week, o.opened, o.urgent, r.resolved, x.closed
    FROM week_range b
    CROSS JOIN LATERAL (
        SELECT count(*) AS opened, count(*) FILTER (WHERE c.is_urgent) AS urgent
        FROM {{case}} c WHERE c.created_at >= b.lo AND c.created_at < b.hi
    ) o
    CROSS JOIN LATERAL (
        SELECT count(DISTINCT e.case_id) AS resolved
        FROM {{event}} e
        WHERE e.kind = 'case_status_changed' AND (e.detail ->> 'status_to') = 'resolved'
          AND e.at >= b.lo AND e.at < b.hi
    ) r
    CROSS JOIN LATERAL (
        SELECT count(*) AS closed FROM {{case}} c WHERE c.closed_at >= b.lo AND c.closed_at < b.hi
    ) x
)
SELECT week, GROUPING(week) = 1 AS is_total,
       sum(opened)::int AS opened, sum(urgent)::int AS urgent, sum(opened - urgent)::int AS not_urgent,
       round(100.0 * sum(urgent) / nullif(sum(opened), 0), 1) AS urgent_share,
       sum(resolved)::int AS resolved, sum(closed)::int AS closed
FROM weekly
GROUP BY ROLLUP (week)
ORDER BY week NULLS LAST
"""  # noqa: S608 - built from constants in this module; values are parameters


# A case with several categories counts once in each (`?` tests membership of a JSON array, so a value listed
# twice still counts once); one with none given counts under "none given"; values outside Case.Category count
# as "other". One pass over the period's cases, no unnesting: the cases are first counted per categories value (there
# are few distinct lists), and the membership tests run once per list, weighted by its count.
def _category_sql() -> str:
    known = [str(value) for value in Case.Category.values]
    counts = ",\n".join(
        f"coalesce(sum(n) FILTER (WHERE c ? '{value}'), 0)::bigint"
        if value != "other"
        else "coalesce(sum(n) FILTER (WHERE c ? 'other' OR NOT c <@ %(known)s::jsonb), 0)::bigint"
        for value in known
    )
    rows = ", ".join(f"('{value}', {i + 1}, counts[{i + 1}])" for i, value in enumerate(known))
    return f"""
WITH lists AS (
    SELECT c.categories, count(*) AS n
    FROM {{case}} c
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
    GROUP BY c.categories
),
opened AS (
    SELECT CASE WHEN jsonb_typeof(categories) = 'array' THEN categories ELSE '[]'::jsonb END AS c, n FROM lists
),
tally AS (
    SELECT coalesce(sum(n), 0)::bigint AS total,
           coalesce(sum(n) FILTER (WHERE c = '[]'::jsonb), 0)::bigint AS none_given,
           ARRAY[{counts}] AS counts
    FROM opened
)
SELECT v.category, v.position, false AS is_total, v.cases::int AS cases,
       round(100.0 * v.cases / nullif(total, 0), 1) AS share
FROM tally CROSS JOIN LATERAL (VALUES {rows}, ('', {len(known) + 1}, none_given)) AS v(category, position, cases)
UNION ALL
SELECT NULL, NULL, true, total::int, CASE WHEN total > 0 THEN 100.0 END FROM tally
ORDER BY is_total, position
"""  # noqa: S608 - built from constants in this module; values are parameters


CATEGORY_SQL = _category_sql()

# One pass over the period's cases: the share's denominator is the sum of the language rows (the total row's count),
# taken by a window over the grouped rows rather than by counting the cases a second time.
LANGUAGE_SQL = """
SELECT c.language, GROUPING(c.language) = 1 AS is_total, count(*)::int AS cases,
       count(*) FILTER (WHERE c.is_urgent)::int AS urgent, count(*) FILTER (WHERE NOT c.is_urgent)::int AS not_urgent,
       round(100.0 * count(*) / nullif(sum(count(*)) OVER (PARTITION BY GROUPING(c.language)), 0), 1) AS share
FROM {case} c
WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
GROUP BY ROLLUP (c.language)
ORDER BY GROUPING(c.language), count(*) DESC, c.language
"""


NONE_GIVEN = "none given"


def cases_weekly(period: Period) -> Table:
    rows, total = split_total(fetch(WEEKLY_SQL, period.sql_params()))
    if total is not None:
        total["week"] = "Total"
    return Table(
        slug="cases-weekly",
        title="Cases by week",
        description=(
            "Weeks start on Monday. Opened: cases filed. Resolved: cases a caseworker marked resolved that week. "
            "Closed: cases whose closing date falls in the week (a reopened case no longer counts)."
        ),
        columns=[
            Column("week", "Week of", LABEL),
            Column("opened", "Opened"),
            Column("urgent", "Urgent"),
            Column("not_urgent", "Not urgent"),
            Column("urgent_share", "Urgent share", RATE, numerator="urgent", denominator="opened", unit="%"),
            Column("resolved", "Resolved"),
            Column("closed", "Closed"),
        ],
        rows=rows,
        total=total,
        parts=((("urgent", "not_urgent"), "opened"),),
        chart=Chart("line", ("opened", "resolved", "closed")),
    )


def cases_by_category(period: Period) -> Table:
    labels = dict(Case.Category.choices)
    known = json.dumps([str(value) for value in Case.Category.values])
    rows, total = split_total(fetch(CATEGORY_SQL, {**period.sql_params(), "known": known}))
    for row in rows:
        row["category"] = labels.get(row["category"], NONE_GIVEN.capitalize())
    if total is not None:
        total["category"] = "All cases opened"
    return Table(
        slug="cases-by-category",
        title="Cases opened by category",
        description=(
            "A case can have several categories, so the categories add up to more than all cases; "
            "the share is of all cases opened."
        ),
        columns=[
            Column("category", "Category", LABEL),
            Column("cases", "Cases", sums_down=False),
            Column(
                "share",
                "Share of cases",
                RATE,
                numerator="cases",
                denominator="cases",
                denominator_in_total=True,
                unit="%",
            ),
        ],
        rows=rows,
        total=total,
        chart=Chart("bar", ("cases",), horizontal=True),
    )


def cases_by_language(period: Period) -> Table:
    names = dict(settings.LANGUAGES)
    rows, total = split_total(fetch(LANGUAGE_SQL, period.sql_params()))
    for row in rows:
        row["language"] = names.get(row["language"], row["language"] or "unknown")
    if total is not None:
        total["language"] = "Total"
    return Table(
        slug="cases-by-language",
        title="Cases opened by language",
        columns=[
            Column("language", "Language", LABEL),
            Column("cases", "Cases"),
            Column("urgent", "Urgent"),
            Column("not_urgent", "Not urgent"),
            Column(
                "share",
                "Share of cases",
                RATE,
                numerator="cases",
                denominator="cases",
                denominator_in_total=True,
                unit="%",
            ),
        ],
        rows=rows,
        total=total,
        parts=((("urgent", "not_urgent"), "cases"),),
        chart=Chart("bar", ("cases",), horizontal=True),
    )
