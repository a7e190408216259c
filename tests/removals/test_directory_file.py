"""The directory file: its validation (clear errors naming the entry), its idempotent load, and its facts."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.removals import directory
from cases.removals.directory_loader import (
    DIRECTORY_FILE,
    DirectoryFileError,
    directory_load,
    parse_directory,
    read_directory_file,
)
from cases.removals.models import DirectoryLoad, Platform, PlatformDomain, RemovalRequest, ReportingChannel
from tests.removals.factories import drafted_request

TODAY = datetime.date(2026, 12, 6)
EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()


def the_file() -> dict:
    return yaml.load(DIRECTORY_FILE.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def small_file(version: int = 100) -> dict:
    """A valid two-entry file, for tests that change it."""
    return {
        "version": version,
        "date": "2026-12-06",
        "platforms": [
            {
                "slug": "x",
                "name": "X (Twitter)",
                "kind": "platform",
                "covered_platform": True,
                "domains": ["x.com", "twitter.com"],
                "short_links": ["t.co"],
                "accepted_bases": ["take_it_down", "platform_policy"],
                "deadline_hours": 48,
                "channels": [
                    {
                        "key": "x-takeitdown-form",
                        "method": "web_form",
                        "label": "Take It Down Act report form",
                        "url": "https://help.x.com/forms/safety-and-sensitive-content/take-it-down",
                        "bases": ["take_it_down"],
                        "takeitdown_designated": True,
                        "verified": True,
                        "source_url": "https://help.x.com/en/rules-and-policies/us-tida",
                        "last_verified": "2026-12-06",
                    },
                    {
                        "key": "x-abuse-email",
                        "method": "email",
                        "label": "Abuse desk",
                        "email": "abuse@x.example",
                        "bases": ["platform_policy"],
                        "source_url": "https://x.example/abuse",
                        "last_verified": "2026-12-06",
                    },
                ],
            },
            {
                "slug": "tinyhost",
                "name": "Tiny host",
                "kind": "host",
                "domains": ["tinyhost.example"],
                "accepted_bases": ["platform_policy"],
                "channels": [
                    {
                        "key": "tinyhost-abuse",
                        "method": "web_form",
                        "label": "Abuse form",
                        "url": "https://tinyhost.example/abuse",
                        "bases": ["platform_policy"],
                        "source_url": "https://tinyhost.example/abuse",
                        "last_verified": "2026-12-06",
                    }
                ],
            },
        ],
    }


def dump(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_bytes(dump(data))
    return path


def problems_of(data: dict) -> list[str]:
    with pytest.raises(DirectoryFileError) as caught:
        parse_directory(dump(data))
    return caught.value.problems


# Validation: every problem is reported, each naming its entry.


def test_the_repository_file_is_valid():
    parsed = read_directory_file()
    assert parsed.version >= 2 and parsed.date <= TODAY
    assert len(parsed.platforms) > 40


def test_a_small_valid_file_parses():
    parsed = parse_directory(dump(small_file()))
    assert [p.slug for p in parsed.platforms] == ["x", "tinyhost"]
    assert parsed.platforms[0].domains == [("x.com", False), ("twitter.com", False), ("t.co", True)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["platforms"][0]["channels"][0].update(bases=["take_it_down", "revenge_law"]),
         "platform 'x', channel 'x-takeitdown-form': unknown base 'revenge_law'"),
        (lambda d: d["platforms"][0]["channels"][1].update(situations=["selfie"]),
         "platform 'x', channel 'x-abuse-email': unknown situation 'selfie'"),
        (lambda d: d["platforms"][1].update(kind="webhost"), "platform 'tinyhost': unknown kind 'webhost'"),
        (lambda d: d["platforms"][0].update(accepted_bases=["platform_policy", "gdpr"]),
         "platform 'x': unknown accepted_base 'gdpr'"),
        (lambda d: d["platforms"][1]["channels"][0].pop("source_url"),
         "platform 'tinyhost', channel 'tinyhost-abuse': 'source_url' is missing"),
        (lambda d: d["platforms"][1]["channels"][0].pop("last_verified"),
         "platform 'tinyhost', channel 'tinyhost-abuse': 'last_verified' is missing"),
        (lambda d: d["platforms"][0]["channels"][0].pop("source_url"),
         "platform 'x', channel 'x-takeitdown-form': verified: true without a source_url"),
        (lambda d: d["platforms"][1].update(domains=["tinyhost.example", "x.com"]),
         "platform 'tinyhost': domain 'x.com' is also listed under 'x'"),
        (lambda d: d["platforms"][1]["channels"][0].update(key="x-abuse-email"),
         "platform 'tinyhost': channel key 'x-abuse-email' is also used under 'x'"),
        (lambda d: d["platforms"][0]["channels"][1].update(key="x-takeitdown-form"),
         "platform 'x': channel key 'x-takeitdown-form' is used twice"),
        (lambda d: d["platforms"][0]["channels"][1].pop("email"),
         "platform 'x', channel 'x-abuse-email': an email channel needs its 'email' address"),
        (lambda d: d["platforms"][1]["channels"][0].pop("url"),
         "platform 'tinyhost', channel 'tinyhost-abuse': a web form channel needs its 'url'"),
        (lambda d: d["platforms"][1]["channels"][0].update(verfied=True),
         "platform 'tinyhost', channel 'tinyhost-abuse': unknown field 'verfied' (a typo?)"),
        (lambda d: d["platforms"][1].update(covered_platform=True),
         "platform 'tinyhost': a host is not a TAKE IT DOWN covered platform"),
        (lambda d: d["platforms"][1]["channels"][0].update(takeitdown_designated=True),
         "platform 'tinyhost', channel 'tinyhost-abuse': takeitdown_designated needs basis take_it_down"),
        (lambda d: d["platforms"][0]["channels"][0].update(countries=["US"]),
         "platform 'x', channel 'x-takeitdown-form': a designated TAKE IT DOWN process takes no 'countries'"),
        (lambda d: d["platforms"][1].update(deadline_hours=48),
         "platform 'tinyhost': 48 hours is the TAKE IT DOWN deadline"),
        (lambda d: d["platforms"][1].update(accepted_bases=["take_it_down", "platform_policy"]),
         "platform 'tinyhost': accepts take_it_down but is not a covered platform"),
        (lambda d: d["platforms"][1]["channels"][0].update(countries=["es"]),
         "platform 'tinyhost', channel 'tinyhost-abuse': country 'es' is not an ISO 3166-1 alpha-2 code"),
        (lambda d: d["platforms"][1].update(slug="x"), "platform 'x': the slug is used twice"),
        (lambda d: d["platforms"][1].update(domains=["www.tinyhost.example"]),
         "platform 'tinyhost': 'www.tinyhost.example' is not a lower-case host name"),
        (lambda d: d["platforms"][1]["channels"][0].update(url="javascript:alert(1)"),
         "platform 'tinyhost', channel 'tinyhost-abuse': 'url' is not a web address"),
        (lambda d: d["platforms"][1]["channels"][0].update(last_verified="last week"),
         "platform 'tinyhost', channel 'tinyhost-abuse': 'last_verified' must be a date"),
        (lambda d: d.update(version="two"), "file: 'version' must be a whole number"),
    ],
)  # fmt: skip
def test_a_bad_entry_gets_a_clear_error_naming_it(change, expected):
    data = small_file()
    change(data)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once():
    data = small_file()
    data["platforms"][1]["kind"] = "webhost"
    data["platforms"][0]["channels"][1].pop("email")
    assert len(problems_of(data)) == 2


def test_a_file_that_is_not_yaml_is_refused():
    with pytest.raises(DirectoryFileError, match="not valid YAML"):
        parse_directory(b"version: [1\n")


# Loading: idempotent, updates, keeps requests' channels, leaves admin-only platforms alone.


def directory_state() -> list[tuple]:
    platforms = list(Platform.objects.order_by("slug").values_list("id", "slug", "name", "kind", "updated_at"))
    channels = list(ReportingChannel.objects.order_by("id").values_list())
    domains = list(PlatformDomain.objects.order_by("id").values_list())
    return [platforms, channels, domains]


@pytest.mark.django_db
def test_migrate_loaded_the_file_version():
    assert DirectoryLoad.objects.latest().version == read_directory_file().version
    assert ReportingChannel.objects.filter(key="x-takeitdown-form", takeitdown_designated=True).exists()


@pytest.mark.django_db
def test_loading_twice_changes_nothing_the_second_time():
    first = directory_load()
    before = directory_state()
    second = directory_load()
    assert first.loaded and second.loaded
    assert second.summary() == {
        "platforms_created": 0, "platforms_updated": 0, "channels_created": 0, "channels_updated": 0,
        "channels_deleted": 0, "channels_retired": [], "domains_removed": 0,
    }  # fmt: skip
    assert directory_state() == before


@pytest.mark.django_db
def test_migrate_does_not_reload_the_same_version():
    before = directory_state()
    result = directory_load(only_if_newer=True)
    assert not result.loaded
    assert directory_state() == before


@pytest.mark.django_db
def test_a_changed_file_updates_platforms_channels_and_domains(tmp_path, committed):
    data = small_file()
    with committed():
        directory_load(path=write(tmp_path, data))
    x_form = ReportingChannel.objects.get(platform__slug="x", key="x-takeitdown-form")
    assert directory.platform_slug_for_host("twitter.com") == "x"  # now cached

    data["version"] = 101
    data["platforms"][0]["name"] = "X"
    data["platforms"][0]["domains"] = ["x.com"]  # twitter.com dropped
    data["platforms"][0]["channels"][0]["label"] = "Take It Down form"
    data["platforms"][0]["channels"][0]["url"] = "https://help.x.com/forms/take-it-down-2"
    del data["platforms"][0]["channels"][1]  # the email channel, used by no request
    with committed():
        result = directory_load(path=write(tmp_path, data), only_if_newer=True)

    assert result.loaded and result.platforms_updated == 1 and result.channels_updated == 1
    assert result.channels_deleted == 1 and result.domains_removed == 1
    x_form.refresh_from_db()
    assert x_form.label == "Take It Down form" and x_form.url == "https://help.x.com/forms/take-it-down-2"
    assert Platform.objects.get(slug="x").name == "X"
    assert not ReportingChannel.objects.filter(key="x-abuse-email").exists()
    assert not PlatformDomain.objects.filter(domain="twitter.com").exists()
    assert directory.platform_slug_for_host("twitter.com") == ""
    assert DirectoryLoad.objects.latest().version == 101


@pytest.mark.django_db
def test_a_dropped_channel_that_requests_use_is_retired_and_keeps_their_links(tmp_path, platforms):
    request = drafted_request(slug="x", urls=["https://x.com/someone/status/1"])
    used = request.channel
    assert used is not None and used.key

    data = the_file()
    data["version"] += 1
    x = next(p for p in data["platforms"] if p["slug"] == "x")
    x["channels"] = [c for c in x["channels"] if c["key"] != used.key]
    result = directory_load(path=write(tmp_path, data))

    assert result.channels_retired == [f"x: {used.key}"]
    request.refresh_from_db()
    assert request.channel_id == used.pk
    used.refresh_from_db()
    assert used.retired
    # Drafting and the board no longer offer it.
    directory.directory_changed()
    assert used.pk not in {c.pk for c in directory.directory_snapshot().channels[used.platform_id]}

    # Back in the file: the same row, no longer retired.
    data["version"] += 1
    directory_load(path=write(tmp_path, the_file() | {"version": data["version"]}))
    used.refresh_from_db()
    assert not used.retired


@pytest.mark.django_db
def test_legacy_channels_from_before_the_file_are_retired_when_used_and_deleted_when_not(platforms):
    x = Platform.objects.get(slug="x")
    old_used = ReportingChannel.objects.create(platform=x, key="legacy-901", method="in_app", label="Old report")
    old_unused = ReportingChannel.objects.create(platform=x, key="legacy-902", method="in_app", label="Older")
    request = drafted_request(slug="x", urls=["https://x.com/someone/status/2"])
    RemovalRequest.objects.filter(pk=request.pk).update(channel=old_used)

    directory_load()

    old_used.refresh_from_db()
    assert old_used.retired
    assert not ReportingChannel.objects.filter(pk=old_unused.pk).exists()
    assert RemovalRequest.objects.get(pk=request.pk).channel_id == old_used.pk


@pytest.mark.django_db
def test_platforms_and_channels_added_in_the_admin_are_left_alone(platforms):
    admin_only = Platform.objects.create(slug="newtube", name="NewTube", kind="platform", notes="from the admin")
    PlatformDomain.objects.create(platform=admin_only, domain="newtube.example")
    admin_channel = ReportingChannel.objects.create(platform=admin_only, method="in_app", label="Report")
    extra_on_x = ReportingChannel.objects.create(
        platform=Platform.objects.get(slug="x"), method="in_app", label="A route a caseworker found"
    )
    before = (
        list(Platform.objects.filter(pk=admin_only.pk).values_list()),
        list(ReportingChannel.objects.filter(pk__in=[admin_channel.pk, extra_on_x.pk]).values_list()),
    )

    directory_load()

    assert before == (
        list(Platform.objects.filter(pk=admin_only.pk).values_list()),
        list(ReportingChannel.objects.filter(pk__in=[admin_channel.pk, extra_on_x.pk]).values_list()),
    )
    assert PlatformDomain.objects.get(domain="newtube.example").platform_id == admin_only.pk


@pytest.mark.django_db
def test_a_file_claiming_a_domain_of_an_admin_only_platform_is_refused_and_changes_nothing(tmp_path, platforms):
    admin_only = Platform.objects.create(slug="newtube", name="NewTube", kind="platform")
    PlatformDomain.objects.create(platform=admin_only, domain="newtube.example")
    data = the_file()
    data["version"] += 1
    next(p for p in data["platforms"] if p["slug"] == "x")["name"] = "Renamed X"
    next(p for p in data["platforms"] if p["slug"] == "aylo")["domains"].append("newtube.example")
    loads = DirectoryLoad.objects.count()

    with pytest.raises(DirectoryFileError, match=re.escape("'newtube.example' belongs to 'newtube'")):
        directory_load(path=write(tmp_path, data))

    assert Platform.objects.get(slug="x").name == "X (Twitter)"
    assert DirectoryLoad.objects.count() == loads


@pytest.mark.django_db
def test_the_command_reports_problems_and_changes_nothing(tmp_path, platforms):
    data = small_file()
    data["platforms"][1]["channels"][0]["bases"] = ["revenge_law"]
    before = directory_state()
    with pytest.raises(CommandError, match="platform 'tinyhost', channel 'tinyhost-abuse': unknown base"):
        call_command("directory_load", "--file", str(write(tmp_path, data)))
    assert directory_state() == before


@pytest.mark.django_db
def test_the_command_checks_and_loads(tmp_path):
    out = StringIO()
    call_command("directory_load", "--check", stdout=out)
    assert "No problems found" in out.getvalue()
    out = StringIO()
    call_command("directory_load", "--if-newer", stdout=out)
    assert "already loaded" in out.getvalue()
    out = StringIO()
    call_command("directory_load", "--file", str(write(tmp_path, small_file(version=500))), stdout=out)
    assert "Directory version 500 loaded" in out.getvalue()


# The facts the issue names (sources read on 2026-12-06; see the file's notes).


def channels_of(data: dict, slug: str) -> dict[str, dict]:
    return {c["key"]: c for c in next(p for p in data["platforms"] if p["slug"] == slug)["channels"]}


def platform_of(data: dict, slug: str) -> dict:
    return next(p for p in data["platforms"] if p["slug"] == slug)


def test_every_channel_cites_its_source_and_date_and_verified_ones_were_read_today():
    for platform in the_file()["platforms"]:
        for channel in platform["channels"]:
            assert channel["source_url"].startswith("https://"), channel["key"]
            assert channel["last_verified"] <= TODAY, channel["key"]
            if channel["verified"]:
                assert channel["last_verified"] == TODAY, channel["key"]
            else:
                assert channel.get("notes"), f"{channel['key']}: say what could not be confirmed"


def test_x_and_discord_take_it_down_channels_are_their_designated_processes():
    data = the_file()
    x = channels_of(data, "x")["x-takeitdown-form"]
    assert x["url"] == "https://help.x.com/forms/safety-and-sensitive-content/take-it-down"
    assert x["takeitdown_designated"] and x["verified"] and x["bases"] == ["take_it_down"]
    discord = channels_of(data, "discord")["discord-report-form"]
    assert discord["url"] == "https://discord.com/report"
    assert discord["takeitdown_designated"] and discord["verified"]
    # The Act's duty is owed to any identifiable individual: no designated process is limited by country.
    assert not x.get("countries") and not discord.get("countries")


def test_the_ftc_takes_take_it_down_complaints_at_its_own_site():
    data = the_file()
    ftc = platform_of(data, "us-ftc")
    assert ftc["kind"] == "authority" and ftc["country"] == "US"
    channel = channels_of(data, "us-ftc")["ftc-takeitdown"]
    assert channel["url"] == "https://takeitdown.ftc.gov/" and "regulator_complaint" in channel["bases"]


def test_bing_ncii_goes_through_report_a_concern():
    channel = channels_of(the_file(), "bing")["bing-report-a-concern"]
    assert "Report a Concern" in channel["label"] and channel["bases"] == ["bing_ncii"]


def test_every_eu_member_state_has_its_own_digital_services_coordinator():
    data = the_file()
    dscs = {}
    for platform in data["platforms"]:
        for channel in platform["channels"]:
            if (
                channel.get("purpose") == "regulator"
                and "dsa_art16" in channel["bases"]
                and (platform["kind"] == "authority" and channel["countries"] == [platform["country"]])
            ):
                dscs.setdefault(platform["country"], []).append(platform["slug"])
    # Spain also has the AEPD's priority channel: the coordinator is the one named so.
    assert sorted(dscs) == sorted(EU)
    assert all(any("dsc" in s or s == "ie-cnam" for s in slugs) for slugs in dscs.values())
    # No coordinator serves every country: Ireland's is for people in Ireland.
    assert channels_of(data, "ie-cnam")["dsc-ie-complaint"]["countries"] == ["IE"]


def test_spanish_australian_and_child_protection_routes():
    data = the_file()
    aepd = channels_of(data, "es-aepd")["aepd-canal-prioritario"]
    assert aepd["language"] == "es" and aepd["countries"] == ["ES"]
    esafety = channels_of(data, "au-esafety")["esafety-image-based-abuse"]
    assert "esafety" in esafety["bases"] and esafety["countries"] == ["AU"] and esafety["verified"]
    for slug, key in [("ncmec", "ncmec-take-it-down"), ("ncmec", "ncmec-cybertipline"), ("iwf", "iwf-report-remove")]:
        assert platform_of(data, slug)["kind"] == "child_protection"
        channel = channels_of(data, slug)[key]
        assert channel["purpose"] == "child_safety" and channel["bases"] == ["child_safety"]


def test_every_covered_platform_has_a_child_safety_channel_and_hosts_are_not_covered():
    data = the_file()
    for platform in data["platforms"]:
        if platform.get("covered_platform"):
            purposes = {c.get("purpose", "report") for c in platform["channels"]}
            assert "child_safety" in purposes, platform["slug"]
        if platform["kind"] in {"host", "cdn", "registrar", "search_engine", "authority", "child_protection"}:
            assert not platform.get("covered_platform"), platform["slug"]


# Authorities that serve some countries only are never a default for everyone.


@pytest.mark.django_db
def test_a_dsa_escalation_goes_to_the_victims_own_coordinator_never_a_default_one(platforms):
    from cases.removals.services import _escalation_route

    request = drafted_request(slug="aylo", urls=["https://pornhub.com/view_video.php?viewkey=1"])
    request.basis = "dsa_art16"
    assert not request.platform.channels.filter(purpose="appeal").exists()
    basis, channel = _escalation_route(request)
    assert channel is None  # the caseworker picks the coordinator of the victim's country

    request.case.country = "ES"  # the victim's country, as intake records it
    basis, channel = _escalation_route(request)
    assert basis == "regulator_complaint" and channel.platform.slug == "dsc-es"
    assert channel.language == "es" and channel.countries == ["ES"]


@pytest.mark.django_db
def test_a_take_it_down_escalation_goes_to_the_ftc_wherever_the_victim_lives(platforms):
    from cases.removals.services import _escalation_route

    request = drafted_request(slug="x", urls=["https://x.com/someone/status/3"])
    assert request.basis == "take_it_down"
    request.case.country = "ES"
    basis, channel = _escalation_route(request)
    assert basis == "regulator_complaint" and channel.key == "ftc-takeitdown"


@pytest.mark.django_db
@pytest.mark.parametrize("country", ["", "US", "ES", "GB", "AU", "MX"])
def test_x_offers_take_it_down_through_its_designated_form_whatever_the_victims_country(platforms, country):
    from cases.removals.legal.choice import candidate_bases

    request = drafted_request(slug="x", urls=["https://x.com/someone/status/4"], country=country)
    offered = dict(candidate_bases(request.platform, list(request.platform.channels.all()), case=request.case))
    assert offered["take_it_down"].key == "x-takeitdown-form"
    if country in ("", "US"):
        assert request.basis == "take_it_down" and request.channel.key == "x-takeitdown-form"


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["listed_after", "listed_before"])
def test_a_domain_moving_between_two_entries_of_the_file_moves(tmp_path, order):
    data = small_file()
    directory_load(path=write(tmp_path, data))
    row = PlatformDomain.objects.get(domain="twitter.com")
    data["version"] += 1
    data["platforms"][0]["domains"].remove("twitter.com")
    data["platforms"][1]["domains"].append("twitter.com")
    if order == "listed_before":
        data["platforms"].reverse()
    result = directory_load(path=write(tmp_path, data))
    moved = PlatformDomain.objects.get(domain="twitter.com")
    assert moved.pk == row.pk and moved.platform.slug == "tinyhost"
    assert result.domains_removed == 0


@pytest.mark.django_db
def test_after_migrate_a_newer_file_is_loaded_and_a_broken_one_stops_migrate(tmp_path, monkeypatch):
    from cases.removals import directory_loader
    from cases.removals.signals import load_directory_after_migrate

    newer = small_file(version=read_directory_file().version + 1)
    monkeypatch.setattr(directory_loader, "DIRECTORY_FILE", write(tmp_path, newer))
    load_directory_after_migrate(sender=None, verbosity=0)
    assert DirectoryLoad.objects.latest().version == newer["version"]
    assert ReportingChannel.objects.filter(key="tinyhost-abuse").exists()

    newer["version"] += 1
    newer["platforms"][1]["kind"] = "webhost"
    monkeypatch.setattr(directory_loader, "DIRECTORY_FILE", write(tmp_path, newer))
    with pytest.raises(DirectoryFileError, match="unknown kind 'webhost'"):
        load_directory_after_migrate(sender=None, verbosity=0)


@pytest.mark.django_db
def test_the_command_warns_when_the_file_changed_without_a_version_bump(tmp_path):
    data = small_file(version=600)
    path = write(tmp_path, data)
    call_command("directory_load", "--file", str(path), stdout=StringIO())
    data["platforms"][0]["name"] = "X, renamed without a version bump"
    path = write(tmp_path, data)
    out, err = StringIO(), StringIO()
    call_command("directory_load", "--file", str(path), "--if-newer", stdout=out, stderr=err)
    assert "already loaded" in out.getvalue()
    assert "raise 'version'" in err.getvalue()
    assert Platform.objects.get(slug="x").name == "X (Twitter)"


@pytest.mark.django_db
def test_after_migrate_no_channel_from_before_the_file_is_left():
    # Migration 0002's channels got 'legacy-' keys in 0004; the first load replaced every one no request used.
    assert not ReportingChannel.objects.filter(key="").exists()
    assert not ReportingChannel.objects.filter(key__startswith="legacy-").exists()
    assert not ReportingChannel.objects.filter(url="https://dis.gd/request").exists()
    assert ReportingChannel.objects.count() == sum(len(p.channels) for p in read_directory_file().platforms)


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "expected"), [("AU", True), ("GB", False), ("US", False), ("", False)])
def test_an_adult_in_australia_gets_a_report_to_esafety_from_the_real_directory(platforms, country, expected):
    from cases.removals import services

    request = drafted_request(slug="reddit", urls=["https://reddit.com/r/x/comments/1"], country=country)
    esafety = RemovalRequest.objects.filter(case=request.case, platform__slug="au-esafety").first()
    assert (esafety is not None) is expected
    if expected:
        assert esafety.basis == "esafety" and esafety.channel.key == "esafety-image-based-abuse"
        assert "section 33(3)" in services.render(esafety).body
