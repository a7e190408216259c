"""The report pages and the tables on each, and how a table is laid out for a page or written as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from cases.reporting import suppression
from cases.reporting.period import Period
from cases.reporting.selectors import bank_report, cases_report, own_report, queue_report, removals_report
from cases.reporting.tables import LABEL, TEXT, Chart, Column, Table, format_value, header


@dataclass(frozen=True)
class Page:
    name: str  # URL name in the "reporting" namespace
    title: str
    lead: str
    build: Callable[..., list[Table]]


def _cases(period: Period) -> list[Table]:
    return [
        cases_report.cases_weekly(period),
        cases_report.cases_by_category(period),
        cases_report.cases_by_language(period),
    ]


def _removals(period: Period) -> list[Table]:
    outcomes = removals_report.outcome_tables(period)
    return [*outcomes.values(), removals_report.slowest_open_requests(period)]


def _queue(period: Period) -> list[Table]:
    return [queue_report.queue_now(period), queue_report.first_action(period), queue_report.caseworker_load(period)]


def _bank(period: Period) -> list[Table]:
    return [bank_report.bank_weekly(period), bank_report.bank_now(period), bank_report.partner_feedback(period)]


def _mine(period: Period, user) -> list[Table]:
    return [
        own_report.own_held(period, user),
        own_report.own_weekly(period, user),
        *own_report.own_requests(period, user).values(),
        own_report.own_first_action(period, user),
    ]


SUPERVISOR_PAGES = {
    "cases": Page("cases", "Cases", "Cases opened, resolved and closed, by week, category and language.", _cases),
    "removals": Page(
        "removals",
        "Removals",
        "How each platform and search engine answers our requests, and how fast.",
        _removals,
    ),
    "queue": Page("queue", "Queue health", "Open cases, waiting times and each caseworker's load.", _queue),
    "bank": Page(
        "bank", "Hash bank", "Hashes shared with partner platforms, withdrawals, and what partners blocked.", _bank
    ),
}
OWN_PAGE = Page("mine", "My figures", "Your own cases and requests. Nobody else's figures are on this page.", _mine)

# One table for an export, without running the page's other queries.
EXPORTS: dict[str, Callable[[Period], Table]] = {
    "cases-weekly": cases_report.cases_weekly,
    "cases-by-category": cases_report.cases_by_category,
    "cases-by-language": cases_report.cases_by_language,
    "removals-platforms": lambda period: removals_report.outcome_tables(period)["removals-platforms"],
    "removals-search-engines": lambda period: removals_report.outcome_tables(period)["removals-search-engines"],
    "removals-slowest-open": removals_report.slowest_open_requests,
    "queue-now": queue_report.queue_now,
    "queue-first-action": queue_report.first_action,
    "queue-caseworker-load": queue_report.caseworker_load,
    "bank-weekly": bank_report.bank_weekly,
    "bank-now": bank_report.bank_now,
    "bank-partners": bank_report.partner_feedback,
}
OWN_EXPORTS: dict[str, Callable[[Period, object], Table]] = {
    "mine-held": own_report.own_held,
    "mine-weekly": own_report.own_weekly,
    "mine-platforms": lambda period, user: own_report.own_requests(period, user)["mine-platforms"],
    "mine-search-engines": lambda period, user: own_report.own_requests(period, user)["mine-search-engines"],
    "mine-first-action": own_report.own_first_action,
}


# Page layout.


@dataclass
class Cell:
    text: str
    is_label: bool = False
    numeric: bool = False


@dataclass
class PresentedTable:
    table: Table
    headers: list[str]
    numeric: list[bool]
    rows: list[tuple[list[Cell], str | None]]  # cells, link
    total: list[Cell] | None
    chart: dict | None

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.table.slug}"

    @property
    def wide(self) -> bool:
        """Too many columns to sit beside a chart: the table goes under it, full width."""
        return len(self.headers) > 7


def _cells(row: dict, columns: list[Column]) -> list[Cell]:
    return [Cell(format_value(row.get(c.key), c), is_label=c.kind == LABEL, numeric=c.is_numeric) for c in columns]


def chart_data(table: Table) -> dict | None:
    chart: Chart | None = table.chart
    if chart is None or not table.rows:
        return None
    label = table.label_column
    series = [table.column(key) for key in chart.series]
    return {
        "type": chart.kind,
        "horizontal": chart.horizontal,
        "title": table.title,
        "labels": [format_value(row.get(label.key), label) for row in table.rows],
        "datasets": [
            {
                "label": column.label + (f" ({column.unit})" if column.unit and column.unit != "%" else ""),
                "data": [None if row.get(column.key) is None else float(row[column.key]) for row in table.rows],
            }
            for column in series
        ],
    }


def present(table: Table) -> PresentedTable:
    links = table.links or [None] * len(table.rows)
    return PresentedTable(
        table=table,
        headers=[header(c) for c in table.columns],
        numeric=[c.is_numeric for c in table.columns],
        rows=[(_cells(row, table.columns), link) for row, link in zip(table.rows, links, strict=True)],
        total=_cells(table.total, table.columns) if table.total is not None else None,
        chart=chart_data(table),
    )


# CSV.

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str, column: Column) -> str:
    # A spreadsheet runs a cell that starts like a formula; names typed in the admin could.
    if column.kind in (LABEL, TEXT) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def table_csv(table: Table, *, external: bool) -> str:
    """The table as CSV. Never the identifying columns; `external` applies small-count suppression and leaves out
    the values of single records (the oldest unassigned case's age)."""
    if external and not table.external:
        raise ValueError(f"{table.slug} holds row-level or staff figures and has no external export")
    columns = [c for c in table.columns if not c.identifying and not (external and c.internal_only)]
    hidden = suppression.suppressed_cells(table) if external else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(c) or "Row" for c in columns])
    for i, row in enumerate(table.all_rows()):
        line = []
        for column in columns:
            reason = hidden.get((i, column.key))
            text = suppression.shown_as(reason) if reason else format_value(row.get(column.key), column)
            line.append(_safe(text, column))
        writer.writerow(line)
    return out.getvalue()
