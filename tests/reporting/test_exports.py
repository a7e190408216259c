"""CSV exports: every table, never identifying data, and the external export's small-count suppression."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from cases.models import Case
from cases.reporting import reports, suppression
from cases.reporting.tables import COUNT, RATE, STAT, format_value, header

pytestmark = pytest.mark.usefixtures("report_clock")
PERIOD = {"start": "2026-01-07", "end": "2026-03-15"}
EXTERNAL = sorted(slug for slug in reports.EXPORTS if slug not in ("removals-slowest-open", "queue-caseworker-load"))


def read(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def identifying(data, staff) -> list[str]:
    """Everything no export may contain: case references, request codes, names and addresses."""
    words = list(Case.objects.values_list("reference", flat=True))
    words += ["RR-", "Victim Name", "victim@example.org"]
    for user in staff.values():
        words += [user.email, user.first_name]
    return words


@pytest.mark.parametrize("slug", sorted(reports.EXPORTS))
def test_every_table_exports_its_figures_without_identifying_columns(supervisor_client, data, period, staff, slug):
    rows = read(supervisor_client.get(reverse("reporting:export", args=[slug]), PERIOD))
    table = reports.EXPORTS[slug](period)
    columns = [c for c in table.columns if not c.identifying]
    assert rows[0] == [header(c) or "Row" for c in columns]
    assert len(rows) - 1 == len(table.all_rows())
    for line, row in zip(rows[1:], table.all_rows(), strict=True):
        assert line == [format_value(row.get(c.key), c) for c in columns]
    text = "\n".join(",".join(line) for line in rows)
    found = [word for word in identifying(data, staff) if re.search(rf"\b{re.escape(word)}", text)]
    assert found == []


@pytest.mark.parametrize("slug", EXTERNAL)
def test_external_exports_show_no_count_from_one_to_nine_and_hide_what_is_built_on_one(
    supervisor_client, data, period, staff, slug
):
    rows = read(supervisor_client.get(reverse("reporting:export_external", args=[slug]), PERIOD))
    table = reports.EXPORTS[slug](period)
    columns = [c for c in table.columns if not c.identifying and not c.internal_only]
    assert rows[0] == [header(c) or "Row" for c in columns]
    for line, row in zip(rows[1:], table.all_rows(), strict=True):
        cells = dict(zip((c.key for c in columns), line, strict=True))
        for column in columns:
            value, text = row.get(column.key), cells[column.key]
            if column.kind == COUNT:
                if 0 < int(value) < 10:
                    assert text == "<10"
                else:
                    assert text in (str(int(value)), "suppressed")
            elif column.kind == RATE:
                denominator_line = rows[-1] if column.denominator_in_total else line
                parts = (cells[column.numerator], denominator_line[[c.key for c in columns].index(column.denominator)])
                if any(part in ("<10", "suppressed") for part in parts):
                    assert text == "suppressed"
            elif column.kind == STAT and column.base and 0 < int(row.get(column.base) or 0) < 10:
                assert text == "suppressed"
    # Read back from the file alone: no sum of the table has exactly one hidden cell.
    key_index = {c.key: i for i, c in enumerate(columns)}
    for relation in suppression.relations(table):
        marks = [rows[1 + i][key_index[key]] in ("<10", "suppressed") for i, key in relation.cells]
        assert sum(marks) != 1, (slug, relation)
    text = "\n".join(",".join(line) for line in rows)
    assert [w for w in identifying(data, staff) if re.search(rf"\b{re.escape(w)}", text)] == []


def test_the_oldest_unassigned_case_is_in_the_internal_export_only(supervisor_client, data):
    internal = read(supervisor_client.get(reverse("reporting:export", args=["queue-now"]), PERIOD))
    external = read(supervisor_client.get(reverse("reporting:export_external", args=["queue-now"]), PERIOD))
    assert "Unassigned age, oldest (hours)" in internal[0]
    assert "Unassigned age, oldest (hours)" not in external[0]
    assert "Unassigned age, median (hours)" in external[0]


def test_the_platform_table_of_the_data_set_needs_and_gets_secondary_suppression(supervisor_client, data):
    rows = read(supervisor_client.get(reverse("reporting:export_external", args=["removals-platforms"]), PERIOD))
    flat = [cell for line in rows[1:] for cell in line]
    assert "<10" in flat and "suppressed" in flat


@pytest.mark.parametrize("slug", ["removals-slowest-open", "queue-caseworker-load"])
def test_tables_of_single_requests_or_staff_have_no_external_export(supervisor_client, data, slug):
    assert supervisor_client.get(reverse("reporting:export_external", args=[slug]), PERIOD).status_code == 404
    internal = read(supervisor_client.get(reverse("reporting:export", args=[slug]), PERIOD))
    assert internal[0][0] not in ("Request", "Caseworker")  # the naming column is left out


def test_a_name_that_looks_like_a_formula_is_defused(supervisor_client, data):
    data.platforms["beta"].name = '=HYPERLINK("http://x.test")'
    data.platforms["beta"].save(update_fields=["name"])
    rows = read(supervisor_client.get(reverse("reporting:export", args=["removals-platforms"]), PERIOD))
    names = [line[0] for line in rows[1:]]
    assert '\'=HYPERLINK("http://x.test")' in names


def test_the_file_is_named_after_the_table_and_period(supervisor_client, db):
    response = supervisor_client.get(reverse("reporting:export_external", args=["cases-weekly"]), PERIOD)
    assert response["Content-Disposition"] == (
        'attachment; filename="helpline-cases-weekly-2026-01-07-2026-03-15-external.csv"'
    )


def test_the_weekly_cases_export_matches_the_figures_of_the_data_set(supervisor_client, data):
    from tests.reporting import expected

    rows = read(supervisor_client.get(reverse("reporting:export", args=["cases-weekly"]), PERIOD))
    want, total = expected.cases_weekly(data)
    assert [line[0] for line in rows[1:-1]] == [row["week"].isoformat() for row in want]
    assert rows[-1] == [
        "Total",
        *(str(total[k]) for k in ("opened", "urgent", "not_urgent")),
        f"{total['urgent_share']}%",
        str(total["resolved"]),
        str(total["closed"]),
    ]
