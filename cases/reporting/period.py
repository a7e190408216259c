"""The period a report covers: whole days in the helpline's time zone, chosen with ?start=&end= (default 90 days)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.reporting.models import RollupDay, RollupDirty

DEFAULT_DAYS = 90
# Longer periods are refused: the weekly tables would run to hundreds of rows and the queries get slow.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Days `first_day` to `last_day` inclusive, in time zone `tz`; `now` is read once per page."""

    first_day: date
    last_day: date
    now: datetime
    tz: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=zoneinfo.ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=zoneinfo.ZoneInfo(self.tz))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def query(self) -> str:
        return f"start={self.first_day.isoformat()}&end={self.last_day.isoformat()}"

    def sql_params(self) -> dict:
        return {"start": self.start, "end": self.end, "now": self.now, "tz": self.tz}


def clock() -> datetime:
    """The time a report is worked out at (a seam for tests)."""
    return timezone.now()


def default_period(now: datetime | None = None) -> Period:
    now = now or clock()
    today = timezone.localtime(now).date()
    return Period(first_day=today - timedelta(days=DEFAULT_DAYS - 1), last_day=today, now=now, tz=settings.TIME_ZONE)


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(
                    "The start date is after the end date. Choose a start on or before the end."
                )
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    f"That period is longer than {MAX_DAYS} days. Choose a shorter one, or export it in parts."
                )
        return data


def period_from_query(params, now: datetime | None = None) -> tuple[Period, PeriodForm]:
    """The period the query string asks for; the default (last 90 days) when it asks for none or is invalid."""
    default = default_period(now)
    form = PeriodForm(params or None, initial={"start": default.first_day, "end": default.last_day})
    if not params or not form.is_valid():
        return default, form
    start = form.cleaned_data.get("start")
    end = form.cleaned_data.get("end")
    if start is None and end is None:
        return default, form
    if end is None:
        end = min(start + timedelta(days=DEFAULT_DAYS - 1), default.last_day) if start <= default.last_day else start
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if (end - start).days + 1 > MAX_DAYS:
        form.add_error(None, f"That period is longer than {MAX_DAYS} days. Choose a shorter one.")
        return default, form
    return Period(first_day=start, last_day=end, now=default.now, tz=default.tz), form


# ---- Which days of a period the daily rollups hold (cases/reporting/rollup.py keeps them) ------------------

_DIRTY = RollupDirty._meta.db_table
_DAYS = RollupDay._meta.db_table


def midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(tz))


def day_ranges(days: list[date], tz: str) -> tuple[list[datetime], list[datetime]]:
    """Runs of consecutive days as [start, end) moments (local midnights), for an index range scan per run."""
    lows: list[datetime] = []
    highs: list[datetime] = []
    previous = None
    for day in sorted(days):
        if previous is not None and day == previous + timedelta(days=1):
            highs[-1] = midnight(day + timedelta(days=1), tz)
        else:
            lows.append(midnight(day, tz))
            highs.append(midnight(day + timedelta(days=1), tz))
        previous = day
    return lows, highs


USABLE_SQL = f"""
SELECT d.day FROM {_DAYS} d
WHERE d.report = %(report)s AND d.tz = %(tz)s AND d.day >= %(first_day)s AND d.day <= %(last_day)s
  AND (d.stable_until IS NULL OR d.stable_until >= %(now)s)
  AND (%(sends_before)s::timestamptz IS NULL OR d.sends_until IS NULL OR d.sends_until < %(sends_before)s)
  AND NOT EXISTS (
      SELECT 1 FROM {_DIRTY} x
      WHERE x.report = d.report
        AND x.at >= (d.day::timestamp AT TIME ZONE d.tz) AND x.at < ((d.day + 1)::timestamp AT TIME ZONE d.tz)
  )
ORDER BY d.day
"""  # noqa: S608 - table names from the models


@dataclass(frozen=True)
class Split:
    """A period cut into the days read from the rollup and the runs of days worked out live."""

    rolled: list[date]
    live_lows: list[datetime]
    live_highs: list[datetime]

    def params(self) -> dict:
        return {"rolled": self.rolled, "live_lo": self.live_lows, "live_hi": self.live_highs}

    def live_days(self, since: datetime | None = None) -> float:
        """How many days are worked out live (from `since` on, when given)."""
        seconds = 0.0
        for lo, hi in zip(self.live_lows, self.live_highs, strict=True):
            lo = max(lo, since) if since is not None else lo
            seconds += max((hi - lo).total_seconds(), 0.0)
        return seconds / 86400


def split_period(report: str, period: Period, *, sends_before: datetime | None = None) -> Split:
    """`sends_before`: read only days whose staff sends (RollupDay.sends_until) all came before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            USABLE_SQL,
            {
                "report": report,
                "tz": period.tz,
                "first_day": period.first_day,
                "last_day": period.last_day,
                "now": period.now,
                "sends_before": sends_before,
            },
        )
        rolled = [row[0] for row in cursor.fetchall()]
    taken = set(rolled)
    live = [
        period.first_day + timedelta(days=i)
        for i in range(period.days)
        if period.first_day + timedelta(days=i) not in taken
    ]
    lows, highs = day_ranges(live, period.tz)
    return Split(rolled=rolled, live_lows=lows, live_highs=highs)
