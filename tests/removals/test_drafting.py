"""Drafting: one request per platform and per search engine, never duplicated, follow-ups after sending."""

import pytest

from cases.models import Case, CaseEvent
from cases.removals import directory, drafting, services, state
from cases.removals.models import RemovalRequest, RequestURL
from tests.removals.factories import add_url, make_case

pytestmark = pytest.mark.usefixtures("platforms")

FIVE = [
    "https://www.instagram.com/p/abc/",
    "https://x.com/someone/status/1",
    "https://old.reddit.com/r/x/comments/1/",
    "https://www.tiktok.com/@a/video/1",
    "https://fr.pornhub.com/view_video.php?viewkey=1",
]


def _targets(case):
    return sorted((r.platform.slug, r.host, r.kind, r.sequence) for r in RemovalRequest.objects.filter(case=case))


def test_one_removal_request_per_platform_and_one_deindex_request_per_search_engine():
    case = make_case(urls=[*FIVE, "https://www.instagram.com/p/def/"])
    result = drafting.draft_for_case(case_id=case.pk)
    assert result.created == 8
    removals = RemovalRequest.objects.filter(case=case, kind="removal")
    assert sorted(r.platform.slug for r in removals) == ["aylo", "instagram", "reddit", "tiktok", "x"]
    assert removals.get(platform__slug="instagram").urls.count() == 2
    deindex = RemovalRequest.objects.filter(case=case, kind="deindex")
    assert sorted(r.platform.slug for r in deindex) == ["bing", "google", "yandex"]
    assert all(r.urls.count() == 6 for r in deindex)
    event = CaseEvent.objects.get(case=case, kind="removal_requests_drafted")
    assert sorted(e["request_id"] for e in event.detail["requests"]) == sorted(
        RemovalRequest.objects.filter(case=case).values_list("pk", flat=True)
    )
    assert "instagram.com" not in str(event.detail)  # no URL (personal data) on the timeline


def test_running_drafting_again_changes_nothing(django_assert_max_num_queries):
    case = make_case(urls=FIVE)
    directory.directory_snapshot()  # the per-process snapshot of the directory, warm as in a running worker
    with django_assert_max_num_queries(9):  # a fixed number (7 + the test's savepoint), whatever the platforms
        drafting.draft_for_case(case_id=case.pk)
    before = (_targets(case), RequestURL.objects.filter(request__case=case).count())
    again = drafting.draft_for_case(case_id=case.pk)
    assert (again.created, again.extended) == (0, 0)
    assert (_targets(case), RequestURL.objects.filter(request__case=case).count()) == before


def test_a_new_url_joins_the_unsent_request_of_its_platform():
    case = make_case(urls=FIVE[:1])
    drafting.draft_for_case(case_id=case.pk)
    add_url(case, "https://instagram.com/p/new/")
    result = drafting.draft_for_case(case_id=case.pk)
    assert (result.created, result.extended) == (0, 4)  # instagram + 3 search engines
    assert RemovalRequest.objects.get(case=case, kind="removal").urls.count() == 2


def test_a_new_url_after_sending_opens_a_follow_up_request(caseworker):
    case = make_case(urls=FIVE[:1])
    drafting.draft_for_case(case_id=case.pk)
    first = RemovalRequest.objects.get(case=case, kind="removal")
    services.removal_mark_ready(request_id=first.pk, actor=caseworker)
    services.removal_mark_sent(request_id=first.pk, actor=caseworker, expected_status="ready", ticket_number="T-1")
    add_url(case, "https://instagram.com/p/later/")
    result = drafting.draft_for_case(case_id=case.pk)
    assert result.follow_ups == 1
    follow_up = RemovalRequest.objects.get(case=case, kind="removal", sequence=2)
    assert follow_up.status == state.DRAFTED
    assert [u.url for u in follow_up.urls.all()] == ["https://instagram.com/p/later/"]
    assert first.urls.count() == 1


def test_a_url_without_platform_is_mapped_again_and_unknown_hosts_go_to_other_website_per_host():
    case = make_case()
    known = add_url(case, "https://m.facebook.com/story.php?id=1", slug="")
    add_url(case, "https://badsite.example/v/1")
    add_url(case, "https://www.badsite.example/v/2")
    add_url(case, "https://othertube.example/x")
    drafting.draft_for_case(case_id=case.pk)
    known.refresh_from_db()
    assert known.platform_slug == "facebook"
    others = RemovalRequest.objects.filter(case=case, platform__slug="other").order_by("host")
    assert [(r.host, r.urls.count()) for r in others] == [("badsite.example", 2), ("othertube.example", 1)]
    assert "abuse_contact" in others[0].missing_elements


def test_private_platforms_get_no_deindex_request_and_search_result_pages_go_to_their_engine():
    case = make_case(urls=["https://discord.gg/abc", "https://www.google.com/search?q=name"])
    drafting.draft_for_case(case_id=case.pk)
    assert _targets(case) == [("discord", "", "removal", 1), ("google", "", "deindex", 1)]
    google = RemovalRequest.objects.get(case=case, platform__slug="google")
    assert [u.host for u in google.urls.all()] == ["google.com"]


@pytest.mark.usefixtures("cast_directory")
def test_an_anonymous_case_gets_take_it_down_signed_by_the_helpline_like_a_signed_one():
    url = "https://covered.example/p/1"
    signed = make_case(urls=[url])
    anonymous = make_case(urls=[url], signed=False, anonymous=True)
    drafting.draft_for_case(case_id=signed.pk)
    drafting.draft_for_case(case_id=anonymous.pk)
    assert RemovalRequest.objects.get(case=signed, platform__slug="covered").basis == "take_it_down"
    request = RemovalRequest.objects.get(case=anonymous, platform__slug="covered")
    assert request.basis == "take_it_down"
    assert request.missing_elements == []


def test_the_channel_follows_the_situation_ai_fakes_go_to_googles_fake_imagery_form():
    real = make_case(urls=FIVE[:1])
    fake = make_case(urls=FIVE[:1], categories=[Case.Category.AI_GENERATED])
    drafting.draft_for_case(case_id=real.pk)
    drafting.draft_for_case(case_id=fake.pk)
    assert "9116649" not in RemovalRequest.objects.get(case=real, platform__slug="google").channel.url
    assert "9116649" in RemovalRequest.objects.get(case=fake, platform__slug="google").channel.url


def test_erased_and_closed_cases_are_not_drafted():
    case = make_case(urls=FIVE[:1])
    Case.objects.filter(pk=case.pk).update(erased_at=case.created_at)
    assert drafting.draft_for_case(case_id=case.pk).skipped
    assert not RemovalRequest.objects.filter(case=case).exists()


def test_a_missing_case_raises_for_the_task_to_drop():
    with pytest.raises(Case.DoesNotExist):
        drafting.draft_for_case(case_id=999_999)


def test_a_platform_added_since_the_snapshot_is_used_not_other_website():
    from cases.removals.models import Platform, PlatformDomain

    directory.directory_snapshot()  # this process's snapshot, taken before the admin adds a platform
    platform = Platform.objects.create(slug="newsite", name="New site", accepted_bases=["platform_policy"])
    PlatformDomain.objects.create(platform=platform, domain="newsite.example")
    platform.channels.create(method="web_form", label="Report form", url="https://newsite.example/report")
    case = make_case()
    add_url(case, "https://newsite.example/p/1", slug="newsite")  # intake's lookup already knew it
    drafting.draft_for_case(case_id=case.pk)
    assert RemovalRequest.objects.get(case=case, kind="removal").platform == platform
