"""The platform directory: loaded from its file by `migrate`, mapping hosts (subdomains, short links) to platforms."""

import pytest

from cases.removals import directory
from cases.removals.models import Platform, PlatformDomain, ReportingChannel

REQUIRED = [
    "facebook", "instagram", "threads", "x", "tiktok", "reddit", "snapchat", "discord", "telegram", "aylo",
    "onlyfans", "youtube", "tumblr", "bumble", "google", "bing", "yandex", "other",
]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "slug"),
    [
        ("t.co", "x"),
        ("x.com", "x"),
        ("twitter.com", "x"),
        ("mobile.twitter.com", "x"),
        ("redd.it", "reddit"),
        ("i.redd.it", "reddit"),
        ("old.reddit.com", "reddit"),
        ("fb.watch", "facebook"),
        ("m.facebook.com", "facebook"),
        ("www.facebook.com", "facebook"),
        ("WWW.Instagram.com.", "instagram"),
        ("youtu.be", "youtube"),
        ("m.youtube.com", "youtube"),
        ("vm.tiktok.com", "tiktok"),
        ("t.me", "telegram"),
        ("discord.gg", "discord"),
        ("cdn.discordapp.com", "discord"),
        ("fr.pornhub.com", "aylo"),
        ("www.google.co.uk", "google"),
        ("duckduckgo.com", "bing"),
        ("instagram.com:443", "instagram"),
    ],
)
def test_hosts_map_to_their_platform(platforms, host, slug):
    assert directory.platform_slug_for_host(host) == slug


@pytest.mark.parametrize("host", ["", "example.org", "com", "notfacebook.com", "facebook.com.evil.example", "[::1]"])
def test_unknown_hosts_map_to_nothing(platforms, host):
    assert directory.platform_slug_for_host(host) == ""


def test_migrate_loads_every_required_entry_with_channels(platforms):
    slugs = set(Platform.objects.values_list("slug", flat=True))
    assert set(REQUIRED) <= slugs
    assert Platform.objects.get(slug="other").is_catch_all
    assert set(Platform.objects.filter(kind="search_engine").values_list("slug", flat=True)) == {
        "google", "bing", "yandex",
    }  # fmt: skip
    for platform in Platform.objects.exclude(slug="other").exclude(kind__in=["authority", "child_protection"]):
        assert platform.channels.filter(purpose="report").exists(), platform.slug
        assert platform.accepted_bases, platform.slug
    for platform in Platform.objects.filter(kind="child_protection"):
        assert platform.channels.filter(purpose="child_safety", bases__contains=["child_safety"]).exists()
    tida = Platform.objects.get(slug="facebook")
    assert tida.deadline_hours == 48 and "TAKE IT DOWN" in tida.deadline_note
    assert tida.is_hash_partner


def test_unverified_facts_are_marked_so_caseworkers_know(platforms):
    assert ReportingChannel.objects.filter(verified=False).exists()
    assert ReportingChannel.objects.filter(verified=True).exists()
    telegram_email = ReportingChannel.objects.get(platform__slug="telegram", method="email")
    assert telegram_email.verified is False


def test_the_lookup_is_cached_until_the_directory_changes(platforms, django_assert_num_queries):
    directory.platform_slug_for_host("x.com")
    with django_assert_num_queries(0):
        assert directory.platform_slug_for_host("t.co") == "x"
    # A change made behind the cache's back is not seen until the cache is cleared...
    PlatformDomain.objects.create(platform=Platform.objects.get(slug="x"), domain="xcancel.example")
    assert directory.platform_slug_for_host("xcancel.example") == ""
    directory.directory_changed()
    assert directory.platform_slug_for_host("xcancel.example") == "x"


def test_saving_a_platform_in_the_admin_refreshes_the_lookup(platforms, rf):
    from django.contrib.admin.sites import site

    from cases.removals.admin import PlatformAdmin

    assert directory.platform_slug_for_host("newtube.example") == ""
    platform = Platform.objects.get(slug="aylo")
    PlatformDomain.objects.create(platform=platform, domain="newtube.example")
    PlatformAdmin(Platform, site).save_related(rf.post("/"), _Form(platform), [], True)
    assert directory.platform_slug_for_host("newtube.example") == "aylo"


class _Form:
    def __init__(self, instance):
        self.instance = instance

    def save_m2m(self):
        pass
