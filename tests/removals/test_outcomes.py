"""Outcomes steer the work: each channel's removal rate and median time to removal over 90 days, on the board where
the channel is chosen, and the best one suggested (never from too few requests, never from older ones)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.removals import outcomes
from cases.removals.models import RemovalRequest, ReportingChannel
from tests.removals.factories import drafted_request

pytestmark = pytest.mark.usefixtures("platforms")


def _history(channel: ReportingChannel, *, removed_after_hours: list[float | None], days_ago: int = 10) -> None:
    """Requests sent `days_ago` through `channel`: removed after the given hours, or still waiting (None)."""
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
