"""The period a report covers: whole days in the helpline's time zone, chosen with ?start=&end= (default 90 days)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

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
