"""Staff see where each channel is published and when it was checked: on the removal board and in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.removals import drafting
from cases.removals.models import RemovalRequest, ReportingChannel
from helpline.staff import roles
from tests.conftest import make_staff
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("platforms")


@pytest.fixture
def case(caseworker):
    case = make_case(assigned_to=caseworker, urls=["https://x.com/someone/status/7", "https://instagram.com/p/7"])
    drafting.draft_for_case(case_id=case.pk)
    return case


def _article(html: str, request: RemovalRequest) -> str:
    start = html.index(f'id="request-{request.pk}"')
    return html[start : html.index("</article>", start)]


def test_the_board_shows_a_verified_channels_source_and_date(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="x", kind="removal")
    assert request.channel.key == "x-takeitdown-form"
    html = caseworker_client.get(reverse("removals:case_board", args=[case.reference])).content.decode()
    article = _article(html, request)
    assert 'href="https://help.x.com/en/rules-and-policies/us-tida"' in article
    assert "last verified 6 Dec 2026" in article
    assert "designated TAKE IT DOWN process" in article
    assert "not verified" not in article.split("<dt>Source</dt>")[1].split("</div>")[0]


def test_the_board_says_an_unverified_channel_is_not_verified(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram", kind="removal")
    assert not request.channel.verified
    html = caseworker_client.get(reverse("removals:case_board", args=[case.reference])).content.decode()
    source = _article(html, request).split("<dt>Source</dt>")[1].split("</div>")[0]
    assert "not verified" in source and "source last read 6 Dec 2026" in source
    assert "last verified" not in source


def test_the_board_flags_a_retired_channel_and_does_not_offer_it(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram", kind="removal")
    ReportingChannel.objects.filter(pk=request.channel_id).update(retired=True)
    html = caseworker_client.get(reverse("removals:case_board", args=[case.reference])).content.decode()
    article = _article(html, request)
    assert "taken out of the directory" in article
    assert f'<option value="{request.channel_id}"' not in article


@pytest.fixture
def admin_client(client, db):
    admin = make_staff("admin@helpline.test", roles.SUPERVISOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def test_the_admin_lists_channels_with_source_and_date(admin_client):
    response = admin_client.get(reverse("admin:removals_reportingchannel_changelist"), {"q": "take it down"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://help.x.com/en/rules-and-policies/us-tida" in html
    assert "verified 06 Dec 2026" in html
    unverified = admin_client.get(
        reverse("admin:removals_reportingchannel_changelist"), {"q": "abuse@telegram.org"}
    ).content.decode()
    assert "not verified (source read 06 Dec 2026)" in unverified


def test_the_admin_platform_page_shows_each_channels_source(admin_client):
    channel = ReportingChannel.objects.get(key="discord-report-form")
    html = admin_client.get(reverse("admin:removals_platform_change", args=[channel.platform_id])).content.decode()
    assert "https://support.discord.com/hc/articles/38675715591831" in html
    assert "discord-report-form" in html  # the key, read-only
    listing = admin_client.get(reverse("admin:removals_platform_changelist"), {"q": "discord"}).content.decode()
    assert "verified 06 Dec 2026" in listing


def test_a_retired_designated_channel_no_longer_makes_take_it_down_available(caseworker, case):
    from cases.removals import services
    from cases.removals.services import RemovalError

    request = RemovalRequest.objects.get(case=case, platform__slug="x", kind="removal")
    ReportingChannel.objects.filter(platform=request.platform, takeitdown_designated=True).update(retired=True)
    with pytest.raises(RemovalError):
        services.removal_edit_draft(request_id=request.pk, actor=caseworker, basis="take_it_down", channel_id=None)
    request.refresh_from_db()
    assert request.basis == "take_it_down" and request.channel.key == "x-takeitdown-form"  # nothing changed
    services.removal_edit_draft(request_id=request.pk, actor=caseworker, basis="platform_policy", channel_id=None)
