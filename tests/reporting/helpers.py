"""Comparing a report table with the figures worked out in tests/reporting/expected.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.reporting.tables import COUNT, LABEL, RATE, STAT, Table


def figures(table: Table, row: dict) -> dict:
    """A row's figures (not its label), with floats for the statistics so they compare approximately."""
    result = {}
    for column in table.columns:
        if column.kind == LABEL or column.key not in row:
            continue
        value = row[column.key]
        if column.kind == STAT and value is not None:
            value = float(value)
        elif column.kind == RATE and value is not None:
            value = Decimal(value)
        elif column.kind == COUNT:
            value = int(value)
        result[column.key] = value
    return result


def approx(expected: dict) -> dict:
    return {
        key: pytest.approx(value, rel=1e-9, abs=1e-9) if isinstance(value, float) else value
        for key, value in expected.items()
    }


def assert_figures(table: Table, row: dict, expected: dict) -> None:
    got = figures(table, row)
    assert set(got) == set(expected), f"{table.slug}: columns differ"
    wrong = {key: (got[key], expected[key]) for key in got if got[key] != approx(expected)[key]}
    assert not wrong, f"{table.slug}, row {row.get(table.label_column.key)!r}: (report, expected) {wrong}"


def rows_by_label(table: Table) -> dict:
    label = table.label_column.key
    by_label = {row[label]: row for row in table.rows}
    assert len(by_label) == len(table.rows), f"{table.slug}: labels repeat"
    return by_label


def assert_outcome_tables(tables: dict[str, Table], want: dict, prefix: str) -> None:
    """The per-platform and per-search-engine outcome tables (`<prefix>-platforms`, ...) match every figure."""
    for group in ("platforms", "search_engines"):
        table = tables[f"{prefix}-{group.replace('_', '-')}"]
        rows, total = want[group]
        got = rows_by_label(table)
        assert set(got) == set(rows)
        for name, figures_wanted in rows.items():
            assert_figures(table, got[name], figures_wanted)
        assert_figures(table, table.total, total)
