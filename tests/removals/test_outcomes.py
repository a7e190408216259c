"""Outcomes steer the work: each channel's removal rate and median time to removal over 90 days, on the board where
the channel is chosen, and the best one suggested (never from too few requests, never from older ones)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.removals import outcomes
from cases.removals.models import RemovalRequest, ReportingChannel, RequestTransition
from cases.reporting.models import RemovalDay
from cases.reporting.rollup import refresh_rollups
from tests.removals.factories import drafted_request

pytestmark = pytest.mark.usefixtures("platforms")


def _history(channel: ReportingChannel, *, removed_after_hours: list[float | None], days_ago: int = 10) -> None:
    """Requests sent `days_ago` through `channel`: removed after the given hours (a move to "removed" recorded then,
    as the state service records it), or still waiting (None)."""
    for n, hours in enumerate(removed_after_hours):
        request = drafted_request(
            slug=channel.platform.slug, urls=(f"https://instagram.com/p/h{channel.pk}-{days_ago}-{n}",)
        )
        sent_at = timezone.now() - timedelta(days=days_ago)
        RemovalRequest.objects.filter(pk=request.pk).update(
            channel=channel,
            sent_at=sent_at,
            status="removed" if hours is not None else "sent",
            status_changed_at=sent_at + timedelta(hours=hours or 0),
        )
        RequestTransition.objects.create(request=request, from_status="ready", to_status="sent", at=sent_at)
        if hours is not None:
            RequestTransition.objects.create(
                request=request, from_status="sent", to_status="removed", at=sent_at + timedelta(hours=hours)
            )


@pytest.fixture
def two_channels():
    channels = list(ReportingChannel.objects.filter(platform__slug="instagram", purpose="report", retired=False)[:2])
    assert len(channels) == 2
    return channels


def test_figures_are_the_rate_and_median_of_the_last_90_days_only(two_channels):
    fast, slow = two_channels
    _history(fast, removed_after_hours=[10, 20, 30, None, None])
    _history(fast, removed_after_hours=[1, 1, 1, 1, 1], days_ago=120)  # outside the window
    figures = outcomes.channel_outcomes({fast.pk, slow.pk})
    assert (figures[fast.pk].sent, figures[fast.pk].removed) == (5, 3)
    assert figures[fast.pk].median_hours == pytest.approx(20)
    assert figures[slow.pk].sent == 0 and "no requests" in figures[slow.pk].summary


def test_the_board_shows_each_channels_figures_and_suggests_the_one_that_worked_best(
    two_channels, caseworker, caseworker_client
):
    good, poor = two_channels
    _history(good, removed_after_hours=[5, 6, 7, 8, None])
    _history(poor, removed_after_hours=[50, None, None, None, None, None])
    request = drafted_request(slug="instagram", urls=("https://instagram.com/p/new1",), assigned_to=caseworker)
    page = caseworker_client.get(reverse("removals:case_board", args=[request.case.reference])).content.decode()
    assert "removed 4 of 5 (80%), median 6 h to removal" in page
    assert "removed 1 of 6 (17%)" in page
    assert f'data-best-channel="{good.pk}"' in page


def test_no_channel_is_suggested_from_too_few_requests(two_channels):
    lucky, _ = two_channels
    _history(lucky, removed_after_hours=[1, 1])
    figures = outcomes.channel_outcomes({lucky.pk})
    assert figures[lucky.pk].rate == 1.0 and outcomes.best_channel(list(figures.values())) is None
    assert "too few to compare" in figures[lucky.pk].summary


def test_the_figures_are_read_from_the_reporting_rollup_once_it_holds_the_days(two_channels):
    fast, slow = two_channels
    _history(fast, removed_after_hours=[10, 20, 30, None, None], days_ago=10)
    _history(fast, removed_after_hours=[40], days_ago=20)
    _history(slow, removed_after_hours=[100, None], days_ago=30)
    live = outcomes.channel_outcomes({fast.pk, slow.pk})
    refresh_rollups()
    # The rollup now holds those days, one row per day, platform and channel, with the exact removal times.
    rows = {(r.channel_id, r.sent, r.removed, tuple(sorted(r.removal_seconds))) for r in RemovalDay.objects.all()}
    assert (fast.pk, 5, 3, (36000.0, 72000.0, 108000.0)) in rows and (slow.pk, 2, 1, (360000.0,)) in rows
    rolled = outcomes.channel_outcomes({fast.pk, slow.pk})
    assert rolled == live
    assert (rolled[fast.pk].sent, rolled[fast.pk].removed, rolled[fast.pk].median_hours) == (6, 4, pytest.approx(25))
    assert (rolled[slow.pk].sent, rolled[slow.pk].removed, rolled[slow.pk].median_hours) == (2, 1, pytest.approx(100))
    # Proof that they come from the rollup: a rolled-up row changed behind the refresh's back shows through (a
    # change to the requests themselves would mark the day dirty and be worked out live instead).
    RemovalDay.objects.filter(channel_id=slow.pk).update(removed=2, removal_seconds=[3600.0, 7200.0])
    changed = outcomes.channel_outcomes({slow.pk})[slow.pk]
    assert (changed.removed, changed.median_hours) == (2, pytest.approx(1.5))


def test_a_change_after_the_rollup_is_counted_at_once(two_channels, caseworker):
    fast, _ = two_channels
    _history(fast, removed_after_hours=[10, None], days_ago=5)
    refresh_rollups()
    waiting = RemovalRequest.objects.get(channel=fast, status="sent")
    from cases.removals import services

    services.removal_transition(request_id=waiting.pk, to_status="removed", actor=caseworker, expected_status="sent")
    figures = outcomes.channel_outcomes({fast.pk})[fast.pk]
    assert (figures.sent, figures.removed) == (2, 2)


def test_the_platform_report_still_sums_a_platforms_channels(two_channels, supervisor):
    from cases.reporting.period import default_period
    from cases.reporting.selectors import removals_report

    fast, slow = two_channels
    _history(fast, removed_after_hours=[10, 20, None], days_ago=10)
    _history(slow, removed_after_hours=[30, None], days_ago=10)
    refresh_rollups()
    assert RemovalDay.objects.filter(platform_id=fast.platform_id).count() == 2  # one row per channel
    table = removals_report.outcome_tables(default_period())["removals-platforms"]
    row = next(r for r in table.rows if r["platform_id"] == fast.platform_id)
    assert (row["sent"], row["removed"], float(row["median_hours"])) == (5, 3, pytest.approx(20))
