"""The daily rollups: the refresh (the beat task) rolls days up, pages read them with the live rest of the period,
changes made after a refresh (retroactive ones too) and the clock are reflected at once, and refreshing twice
changes nothing. Every figure is compared with the independent computation in tests/reporting/expected.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from cases.removals.models import RemovalRequest, RequestTransition
from cases.reporting import rollup, tasks
from cases.reporting.models import FirstActionDay, RemovalDay, RemovalSenderDay, RollupDay, RollupDirty
from cases.reporting.period import split_period
from cases.reporting.selectors import own_report, queue_report, removals_report
from tests.reporting import dataset, expected
from tests.reporting.dataset import NOW, TransitionSpec
from tests.reporting.helpers import assert_figures, assert_outcome_tables, rows_by_label


@pytest.fixture
def helpline_zone(settings):
    settings.TIME_ZONE = dataset.TZ


def assert_outcomes_match(data, period) -> None:
    assert_outcome_tables(removals_report.outcome_tables(period), expected.outcome_tables(data), "removals")


def assert_own_outcomes_match(data, period, staff) -> None:
    for who in ("cw1", "cw2"):
        tables = own_report.own_requests(period, staff[who])
        assert_outcome_tables(tables, expected.outcome_tables(data, who), "mine")


def own_split(period):
    return split_period("removals", period, sends_before=period.end)


def assert_first_actions_match(data, period, staff) -> None:
    table = queue_report.first_action(period)
    want = expected.first_action(data)
    got = rows_by_label(table)
    for label in ("Urgent", "Not urgent"):
        assert_figures(table, got[label], want[label])
    assert_figures(table, table.total, want["All cases opened"])
    for who in ("cw1", "cw2", "sup"):
        own = own_report.own_first_action(period, staff[who])
        assert_figures(own, own.rows[0], expected.own_first_action(data, who))


def rollup_state() -> dict:
    # The times of a row are a multiset (only their percentiles are read): their order may follow the plan.
    return {
        "days": sorted(RollupDay.objects.values_list("report", "day", "tz", "stable_until", "sends_until")),
        "removals": sorted(
            (*row[:-1], sorted(row[-1]))
            for row in RemovalDay.objects.values_list(
                "day",
                "platform_id",
                "sent",
                "removed",
                "refused",
                "pending",
                "follow_up_due",
                "overdue",
                "closed",
                "tida",
                "tida_breached",
                "removal_seconds",
            )
        ),
        "by_sender": sorted(
            (*row[:-1], sorted(row[-1]))
            for row in RemovalSenderDay.objects.values_list(
                "day",
                "platform_id",
                "sender_id",
                "sent",
                "removed",
                "follow_up_due",
                "overdue",
                "tida_breached",
                "removal_seconds",
            )
        ),
        "first_action": sorted(
            FirstActionDay.objects.values_list("day", "is_urgent", "actor_id", "cases", "first_action_seconds"),
            key=repr,
        ),
    }


def test_the_refresh_rolls_up_every_day_to_yesterday_and_the_page_reads_them(data, period, helpline_zone, staff):
    assert RollupDirty.objects.exists(), "writing the data set marked its days"
    done = rollup.refresh_rollups(now=NOW)
    first_sent = min(r.sent_at for r in data.requests if r.sent_at and r.kind != "escalation")
    yesterday = NOW.astimezone(dataset.ZONE).date() - timedelta(days=1)
    days = set(RollupDay.objects.filter(report="removals").values_list("day", flat=True))
    assert min(days) == first_sent.astimezone(dataset.ZONE).date() and max(days) == yesterday
    assert done == {"removals": len(days), "first_action": RollupDay.objects.filter(report="first_action").count()}
    assert not RollupDirty.objects.exists(), "the refresh consumed the marks it saw"
    # The whole period is read from the rollup, and its figures are still every expected one.
    split = split_period("removals", period)
    assert len(split.rolled) == period.days and split.live_lows == []
    assert len(split_period("first_action", period).rolled) == period.days
    assert_outcomes_match(data, period)
    assert_first_actions_match(data, period, staff)
    # A caseworker's own requests too, from the rows per sender.
    assert len(own_split(period).rolled) == period.days
    assert RemovalSenderDay.objects.filter(sender_id=staff["cw1"].pk).exists()
    assert_own_outcomes_match(data, period, staff)


def test_a_request_removed_after_the_refresh_counts_at_once_for_the_day_it_was_sent(data, period, helpline_zone, staff):
    rollup.refresh_rollups(now=NOW)
    waiting = next(
        r
        for r in data.requests
        if r.kind != "escalation"
        and r.status == "acknowledged"
        and expected.in_period(r.sent_at)
        and r.sent_at < NOW - timedelta(days=20)
    )
    removed = NOW - timedelta(hours=1)
    RemovalRequest.objects.filter(pk=waiting.pk).update(status="removed", status_changed_at=removed)
    RequestTransition.objects.create(
        request_id=waiting.pk, from_status="acknowledged", to_status="removed", at=removed, actor=staff["cw1"]
    )
    waiting.transitions.append(TransitionSpec(removed, "acknowledged", "removed", "cw1"))
    waiting.status, waiting.status_changed_at = "removed", removed
    sent_day = waiting.sent_at.astimezone(dataset.ZONE).date()
    split = split_period("removals", period)
    assert sent_day not in split.rolled, "the day it was sent is worked out live until the next refresh"
    assert len(split.rolled) == period.days - 1
    assert_outcomes_match(data, period)
    # The next refresh rolls that day up again, with the removal.
    assert rollup.refresh_rollups(now=NOW)["removals"] == 1
    assert len(split_period("removals", period).rolled) == period.days
    assert_outcomes_match(data, period)


def test_a_resend_marks_both_the_old_and_the_new_day(data, period, helpline_zone):
    rollup.refresh_rollups(now=NOW)
    request = next(r for r in data.requests if r.kind != "escalation" and r.status == "needs_info")
    old_day = request.sent_at.astimezone(dataset.ZONE).date()
    resent = NOW - timedelta(minutes=5)
    RemovalRequest.objects.filter(pk=request.pk).update(status="sent", sent_at=resent, status_changed_at=resent)
    marked = {at.astimezone(dataset.ZONE).date() for at in RollupDirty.objects.values_list("at", flat=True)}
    assert marked == {old_day, resent.astimezone(dataset.ZONE).date()}


def test_an_urgency_change_or_a_first_staff_action_after_the_refresh_counts_at_once(data, period, helpline_zone, staff):
    from cases.models import Case, CaseEvent

    rollup.refresh_rollups(now=NOW)
    untouched = next(
        c
        for c in data.cases
        if expected.in_period(c.created_at)
        and not any(e.actor for e in c.events)
        and c.created_at < NOW - timedelta(days=5)
    )
    acted = NOW - timedelta(hours=3)
    CaseEvent.objects.create(
        case_id=untouched.pk, at=acted, kind="case_claimed", actor=staff["cw2"], actor_label="staff"
    )
    untouched.events.append(dataset.EventSpec(acted, "case_claimed", "cw2"))
    other = next(c for c in data.cases if expected.in_period(c.created_at) and c.pk != untouched.pk)
    Case.objects.filter(pk=other.pk).update(is_urgent=not other.is_urgent)
    other.is_urgent = not other.is_urgent
    rolled = split_period("first_action", period).rolled
    assert untouched.created_at.astimezone(dataset.ZONE).date() not in rolled
    assert other.created_at.astimezone(dataset.ZONE).date() not in rolled
    assert_first_actions_match(data, period, staff)
    rollup.refresh_rollups(now=NOW)
    assert len(split_period("first_action", period).rolled) == period.days
    assert_first_actions_match(data, period, staff)


def test_days_whose_figures_change_with_the_clock_are_worked_out_live_once_their_moment_passes(
    data, period, helpline_zone
):
    # Rolled up three days before the figures are read: deadlines and 48 hours have passed since for some days.
    earlier = NOW - timedelta(days=3)
    rollup.refresh_rollups(now=earlier)
    stale = RollupDay.objects.filter(report="removals", stable_until__lt=NOW)
    assert stale.exists(), "the data set has requests whose deadline or 48 hours ran out in those three days"
    split = split_period("removals", period)
    assert set(stale.values_list("day", flat=True)).isdisjoint(split.rolled)
    assert split.rolled, "the other days still come from the rollup"
    assert_outcomes_match(data, period)
    # The next refresh works those days out again.
    rollup.refresh_rollups(now=NOW)
    assert not RollupDay.objects.filter(report="removals", stable_until__lt=NOW).exists()
    assert_outcomes_match(data, period)


def test_refreshing_twice_changes_nothing(data, period, helpline_zone, staff):
    first = rollup.refresh_rollups(now=NOW)
    state = rollup_state()
    assert first["removals"] > 0
    assert rollup.refresh_rollups(now=NOW) == {"removals": 0, "first_action": 0}
    assert rollup_state() == state
    # Working the same days out again (as two overlapping runs would) writes the same rows.
    RollupDirty.objects.bulk_create(
        [RollupDirty(report=report, at=r.sent_at) for r in data.requests if r.sent_at for report in ("removals",)]
    )
    rollup.refresh_rollups(now=NOW)
    assert rollup_state() == state
    assert_outcomes_match(data, period)


def test_a_rollup_made_for_another_time_zone_is_not_read_and_is_rebuilt(data, period, settings):
    settings.TIME_ZONE = "UTC"
    rollup.refresh_rollups(now=NOW)
    assert split_period("removals", period).rolled == []
    assert_outcomes_match(data, period)
    settings.TIME_ZONE = dataset.TZ
    rollup.refresh_rollups(now=NOW)
    assert set(RollupDay.objects.values_list("tz", flat=True)) == {dataset.TZ}
    assert len(split_period("removals", period).rolled) == period.days
    assert_outcomes_match(data, period)


def test_a_refresh_already_running_is_left_to_finish(data, helpline_zone):
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [rollup.LOCK_KEY])
        assert rollup.refresh_rollups(now=NOW) is None
        assert tasks.refresh_rollups() == "another refresh is running"
        assert not RollupDay.objects.exists()
    finally:
        other.close()


def test_the_beat_schedule_runs_the_refresh(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reporting.refresh_rollups"]
    assert len(entries) == 1 and entries[0]["schedule"] <= 900
    from celery import current_app

    assert "reporting.refresh_rollups" in current_app.tasks


def test_the_triggers_exist_on_every_source_table(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE 'reporting_%%'")
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == {"removals_removalrequest", "removals_requesttransition", "cases_case", "cases_caseevent"}


def test_a_send_approval_changed_after_the_refresh_counts_at_once_for_both_people(data, period, helpline_zone, staff):
    rollup.refresh_rollups(now=NOW)
    approved = next(
        r
        for r in data.requests
        if r.send_approved_by == "cw1"
        and r.kind != "escalation"
        and expected.in_period(r.sent_at)
        and not any(t.to_status == "sent" and t.actor == "cw1" for t in r.transitions)
    )
    RemovalRequest.objects.filter(pk=approved.pk).update(send_approved_by=staff["cw2"])
    approved.send_approved_by = "cw2"
    day = approved.sent_at.astimezone(dataset.ZONE).date()
    assert day not in own_split(period).rolled, "the day is worked out live until the next refresh"
    assert_own_outcomes_match(data, period, staff)
    rollup.refresh_rollups(now=NOW)
    assert len(own_split(period).rolled) == period.days
    assert_own_outcomes_match(data, period, staff)


def test_a_day_with_a_staff_send_after_the_periods_end_is_live_for_own_figures_only(data, period, helpline_zone, staff):
    # A move to "sent" by cw2 recorded after the period, on a request whose last send (sent_at) is inside it: own
    # figures count a person's sends before the period's end, so that day cannot come from the rows per sender.
    request = next(
        r for r in data.requests if r.kind != "escalation" and expected.in_period(r.sent_at) and r.status == "sent"
    )
    RequestTransition.objects.create(
        request_id=request.pk, from_status="sent", to_status="sent", at=NOW - timedelta(hours=2), actor=staff["cw2"]
    )
    rollup.refresh_rollups(now=NOW)
    day = request.sent_at.astimezone(dataset.ZONE).date()
    assert day in split_period("removals", period).rolled
    assert day not in own_split(period).rolled
    assert len(own_split(period).rolled) == period.days - 1
    # Not counted for cw2 in this period (the expected figures do not have the late send).
    assert_own_outcomes_match(data, period, staff)
