"""The report period: whole local days, the 90-day default, and plain-words refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import QueryDict

from cases.reporting.period import DEFAULT_DAYS, MAX_DAYS, period_from_query

NOW = datetime(2026, 3, 18, 3, 30, tzinfo=ZoneInfo("UTC"))  # still 17 March in New York


def test_default_is_the_last_90_days_ending_today_in_the_helplines_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    period, _form = period_from_query(QueryDict(), NOW)
    assert (period.first_day, period.last_day, period.days) == (date(2025, 12, 18), date(2026, 3, 17), DEFAULT_DAYS)
    assert period.start == datetime(2025, 12, 18, tzinfo=ZoneInfo("America/New_York"))
    assert period.end == datetime(2026, 3, 18, tzinfo=ZoneInfo("America/New_York"))
    assert period.now == NOW


def test_a_chosen_period_covers_whole_days_from_start_to_end_inclusive(settings):
    settings.TIME_ZONE = "UTC"
    period, form = period_from_query(QueryDict("start=2026-01-01&end=2026-01-31"), NOW)
    assert form.is_valid()
    assert (period.first_day, period.last_day, period.days) == (date(2026, 1, 1), date(2026, 1, 31), 31)
    assert period.end - period.start == timedelta(days=31)
    assert period.query == "start=2026-01-01&end=2026-01-31"


def test_only_a_start_gives_90_days_from_it_but_not_past_today(settings):
    settings.TIME_ZONE = "UTC"
    assert period_from_query(QueryDict("start=2025-06-01"), NOW)[0].last_day == date(2025, 8, 29)
    assert period_from_query(QueryDict("start=2026-03-01"), NOW)[0].last_day == date(2026, 3, 18)


def test_a_start_after_the_end_is_refused_with_what_to_do(settings):
    period, form = period_from_query(QueryDict("start=2026-03-01&end=2026-02-01"), NOW)
    assert not form.is_valid()
    assert "Choose a start on or before the end" in str(form.non_field_errors())
    assert period.days == DEFAULT_DAYS


def test_a_period_longer_than_the_limit_is_refused(settings):
    start = date(2020, 1, 1)
    end = start + timedelta(days=MAX_DAYS)
    period, form = period_from_query(QueryDict(f"start={start}&end={end}"), NOW)
    assert not form.is_valid()
    assert "longer than" in str(form.non_field_errors())
    assert period.days == DEFAULT_DAYS


def test_a_date_that_is_not_a_date_is_refused(settings):
    period, form = period_from_query(QueryDict("start=yesterday"), NOW)
    assert not form.is_valid() and "start" in form.errors
    assert period.days == DEFAULT_DAYS
