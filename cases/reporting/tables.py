"""What a report table is: columns that know what their figures mean, rows from SQL, a total row and the sums
that tie cells together (which the external export's suppression needs), and the chart drawn from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

# Column kinds.
LABEL = "label"  # the row's name (week, platform, category)
COUNT = "count"  # a number of cases, requests, hashes: small ones are suppressed externally
RATE = "rate"  # a percentage of two counts: suppressed with either of them
STAT = "stat"  # a median, percentile or maximum over `base` values: suppressed when there are 1 to 9 of them
TEXT = "text"  # other text (a status)
DATE = "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    numerator: str = ""  # RATE: the counts it is built on
    denominator: str = ""
    denominator_in_total: bool = False  # RATE: the denominator is the total row's cell (a share of all)
    base: str = ""  # STAT: the count of values it summarises
    unit: str = ""  # shown after STAT and RATE values: "%", "h", "days"
    sums_down: bool = True  # COUNT: the total row is the sum of the rows
    identifying: bool = False  # names a case, a request or a person: shown to supervisors, never exported
    internal_only: bool = False  # one record's value (a maximum): left out of the external export

    @property
    def is_numeric(self) -> bool:
        return self.kind in (COUNT, RATE, STAT)


@dataclass(frozen=True)
class Chart:
    """A chart of some of a table's columns against its label column."""

    kind: str  # "bar", "line", "stacked"
    series: tuple[str, ...]  # column keys
    horizontal: bool = False


@dataclass
class Table:
    """One report table. `rows` and `total` map column keys to values straight from SQL.

    `parts` lists the sums within a row: (("urgent", "not_urgent"), "opened") says urgent + not_urgent = opened in
    every row and in the total. Together with `sums_down` columns they are every way one cell can be worked out
    from others, which is what secondary suppression must defeat.
    """

    slug: str
    title: str
    columns: list[Column]
    rows: list[dict]
    total: dict | None = None
    parts: tuple[tuple[tuple[str, ...], str], ...] = ()
    description: str = ""
    external: bool = True  # may go in the external export (aggregates only)
    chart: Chart | None = None
    links: list[str | None] = field(default_factory=list)  # per row: a staff page, shown on the page only

    @property
    def label_column(self) -> Column:
        return self.columns[0]

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def all_rows(self) -> list[dict]:
        return [*self.rows, self.total] if self.total is not None else list(self.rows)


def format_value(value, column: Column) -> str:
    """A figure as the page and the CSV show it."""
    if value is None:
        return "" if column.kind in (LABEL, TEXT, DATE) else "\u2013"  # an en dash: no figure
    if column.kind == COUNT:
        return str(int(value))
    if column.kind in (RATE, STAT):
        number = float(value) if isinstance(value, Decimal) else value
        text = f"{number:.1f}"
        return f"{text}{column.unit}" if column.unit == "%" else text
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def header(column: Column) -> str:
    if column.kind in (RATE, STAT) and column.unit and column.unit != "%":
        return f"{column.label} ({column.unit})"
    return column.label
