"""The platform directory file (cases/removals/data/directory.yaml): its validation and its idempotent load.

The file is the reviewed source of truth for every entry it names: a load makes those platforms, domains and
channels match it. Platforms that exist only in the database (added in the admin) are never touched. A channel
dropped from the file is deleted when no request points to it, otherwise kept and marked retired so drafting
skips it and the requests keep their history.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection, transaction

from cases.removals import directory as directory_module
from cases.removals.models import (
    Basis,
    DirectoryLoad,
    Platform,
    PlatformDomain,
    RemovalRequest,
    ReportingChannel,
    Situation,
)
from cases.removals.replies.rules import validate_rules as validate_reply_rules

DIRECTORY_FILE = Path(__file__).resolve().parent / "data" / "directory.yaml"

# libyaml parses the file ~20 times faster; `migrate` (and every test database flush) runs the load.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Two processes migrating at once (two containers starting) must not load twice in parallel.
_ADVISORY_LOCK = 0x4E434949  # "NCII"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$")
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

PLATFORM_FIELDS = {
    "slug", "name", "kind", "domains", "short_links", "covered_platform", "indexable", "language",
    "is_hash_partner", "removed_markers", "accepted_bases", "deadline_hours", "deadline_note", "country",
    "catch_all", "verified", "source_url", "last_verified", "notes", "channels", "reply_rules",
}  # fmt: skip
CHANNEL_FIELDS = {
    "key", "purpose", "method", "label", "url", "email", "situations", "bases", "takeitdown_designated",
    "language", "countries", "priority", "verified", "source_url", "last_verified", "notes",
}  # fmt: skip
# Kinds that are never a "covered platform" under the TAKE IT DOWN Act: it covers public sites and apps that
# mainly host user-generated content, not search engines, hosts, registrars or CDNs (see legal.py).
NOT_COVERED_KINDS = {
    Platform.Kind.SEARCH_ENGINE, Platform.Kind.HOST, Platform.Kind.REGISTRAR, Platform.Kind.CDN,
    Platform.Kind.AUTHORITY, Platform.Kind.CHILD_PROTECTION,
}  # fmt: skip


class DirectoryFileError(ValueError):
    """The file cannot be loaded; `problems` names each entry and what is wrong with it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The directory file has problems:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass
class ChannelEntry:
    key: str
    values: dict[str, Any]


@dataclass
class PlatformEntry:
    slug: str
    values: dict[str, Any]
    domains: list[tuple[str, bool]]  # (domain, is_short_link)
    channels: list[ChannelEntry]


@dataclass
class DirectoryFile:
    version: int
    date: datetime.date
    sha256: str
    platforms: list[PlatformEntry]


@dataclass
class LoadResult:
    version: int
    loaded: bool = False
    platforms_created: int = 0
    platforms_updated: int = 0
    channels_created: int = 0
    channels_updated: int = 0
    channels_deleted: int = 0
    channels_retired: list[str] = field(default_factory=list)
    domains_removed: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "platforms_created": self.platforms_created,
            "platforms_updated": self.platforms_updated,
            "channels_created": self.channels_created,
            "channels_updated": self.channels_updated,
            "channels_deleted": self.channels_deleted,
            "channels_retired": self.channels_retired,
            "domains_removed": self.domains_removed,
        }


class _Checker:
    """Collects every problem of the file instead of stopping at the first, each named by its entry."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._url = URLValidator(schemes=["https", "http"])
        self._email = EmailValidator()

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, where: str, data: dict, name: str, *, required: bool = False, max_length: int = 0) -> str:
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(where, f"'{name}' must be text")
            return ""
        value = value.strip()
        if required and not value:
            self.add(where, f"'{name}' is missing")
        if max_length and len(value) > max_length:
            self.add(where, f"'{name}' is longer than {max_length} characters")
        return value

    def flag(self, where: str, data: dict, name: str, default: bool = False) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.add(where, f"'{name}' must be true or false, not {value!r}")
            return default
        return value

    def strings(self, where: str, data: dict, name: str) -> list[str]:
        value = data.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(where, f"'{name}' must be a list of text")
            return []
        return [v.strip() for v in value]

    def choices(self, where: str, data: dict, name: str, allowed: type) -> list[str]:
        values = self.strings(where, data, name)
        for value in values:
            if value not in allowed.values:
                self.add(where, f"unknown {name[:-1] if name.endswith('s') else name} '{value}' "
                         f"(known: {', '.join(allowed.values)})")  # fmt: skip
        if len(set(values)) != len(values):
            self.add(where, f"'{name}' lists a value twice")
        return values

    def url(self, where: str, data: dict, name: str, *, required: bool = False) -> str:
        value = self.text(where, data, name, required=required, max_length=500)
        if value:
            try:
                self._url(value)
            except ValidationError:
                self.add(where, f"'{name}' is not a web address: {value!r}")
        return value

    def date(self, where: str, data: dict, name: str, *, required: bool = False) -> datetime.date | None:
        value = data.get(name)
        if value in (None, ""):
            if required:
                self.add(where, f"'{name}' is missing (the date the source was read, YYYY-MM-DD)")
            return None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, datetime.date):
            self.add(where, f"'{name}' must be a date YYYY-MM-DD, not {value!r}")
            return None
        return value

    def unknown_fields(self, where: str, data: dict, allowed: set[str]) -> None:
        for name in sorted(set(data) - allowed):
            self.add(where, f"unknown field '{name}' (a typo?)")


def parse_directory(raw: bytes) -> DirectoryFile:
    """Validate the file's bytes; raise DirectoryFileError listing every problem, each with its entry."""
    check = _Checker()
    try:
        data = yaml.load(raw, Loader=_SafeLoader)  # noqa: S506 - a safe loader, libyaml's when built with it
    except yaml.YAMLError as exc:
        raise DirectoryFileError([f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise DirectoryFileError(["the file must be a mapping with 'version', 'date' and 'platforms'"])
    check.unknown_fields("file", data, {"version", "date", "platforms"})
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        check.add("file", f"'version' must be a whole number above 0, not {version!r}")
        version = 0
    file_date = check.date("file", data, "date", required=True)
    entries = data.get("platforms")
    if not isinstance(entries, list) or not entries:
        raise DirectoryFileError([*check.problems, "file: 'platforms' must be a non-empty list"])

    platforms: list[PlatformEntry] = []
    slugs: set[str] = set()
    domain_owner: dict[str, str] = {}
    channel_keys: dict[str, str] = {}
    catch_alls: list[str] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            check.add(f"platform #{index}", "must be a mapping")
            continue
        slug = entry.get("slug") if isinstance(entry.get("slug"), str) else ""
        where = f"platform '{slug}'" if slug else f"platform #{index}"
        platform = _parse_platform(check, where, entry)
        if not slug or not _SLUG.match(slug) or len(slug) > 50:
            check.add(where, "'slug' must be lower-case letters, digits and dashes (at most 50)")
        elif slug in slugs:
            check.add(where, "the slug is used twice")
        slugs.add(slug)
        if platform.values["is_catch_all"]:
            catch_alls.append(slug)
        for domain, _short in platform.domains:
            if domain in domain_owner:
                check.add(where, f"domain '{domain}' is also listed under '{domain_owner[domain]}'")
            domain_owner.setdefault(domain, slug)
        for channel in platform.channels:
            if channel.key in channel_keys:
                check.add(where, f"channel key '{channel.key}' is also used under '{channel_keys[channel.key]}'")
            channel_keys.setdefault(channel.key, slug)
        platform.slug = slug
        platforms.append(platform)
    if len(catch_alls) > 1:
        check.add("file", f"only one entry may be the catch-all 'other website': {', '.join(catch_alls)}")
    if check.problems:
        raise DirectoryFileError(check.problems)
    return DirectoryFile(version=version, date=file_date, sha256=hashlib.sha256(raw).hexdigest(), platforms=platforms)


def _parse_platform(check: _Checker, where: str, entry: dict) -> PlatformEntry:
    check.unknown_fields(where, entry, PLATFORM_FIELDS)
    kind = entry.get("kind", Platform.Kind.PLATFORM)
    if kind not in Platform.Kind.values:
        check.add(where, f"unknown kind '{kind}' (known: {', '.join(Platform.Kind.values)})")
    covered = check.flag(where, entry, "covered_platform")
    if covered and kind in NOT_COVERED_KINDS:
        check.add(where, f"a {kind} is not a TAKE IT DOWN covered platform: set covered_platform: false")
    bases = check.choices(where, entry, "accepted_bases", Basis)
    if Basis.TAKE_IT_DOWN in bases and not covered:
        # The legal engine never drafts TAKE IT DOWN to a platform that is not covered: listing it would offer
        # caseworkers a basis that every edit then refuses.
        check.add(where, "accepts take_it_down but is not a covered platform: remove it or set covered_platform")
    deadline = entry.get("deadline_hours")
    if deadline is not None and (not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 1):
        check.add(where, f"'deadline_hours' must be a whole number of hours or empty, not {deadline!r}")
        deadline = None
    if deadline == 48 and not covered:
        check.add(where, "48 hours is the TAKE IT DOWN deadline, which binds covered platforms only")
    country = check.text(where, entry, "country")
    if country and not _COUNTRY.match(country):
        check.add(where, f"'country' must be an ISO 3166-1 alpha-2 code in capitals, not {country!r}")
    language = check.text(where, entry, "language") or "en"
    if not _LANGUAGE.match(language):
        check.add(where, f"'language' must be a language code like 'en' or 'es', not {language!r}")
    verified = check.flag(where, entry, "verified")
    source_url = check.url(where, entry, "source_url")
    last_verified = check.date(where, entry, "last_verified")
    if verified and not (source_url and last_verified):
        check.add(where, "verified: true needs the source_url read and the date it was read (last_verified)")
    markers = [m.lower() for m in check.strings(where, entry, "removed_markers")]
    reply_rules, rule_problems = validate_reply_rules(entry.get("reply_rules"))
    for problem in rule_problems:
        check.add(where, problem)
    domains: list[tuple[str, bool]] = []
    for name, short in (("domains", False), ("short_links", True)):
        for domain in check.strings(where, entry, name):
            normal = directory_module.normalise_host(domain)
            if normal != domain or not _HOST.match(domain):
                check.add(where, f"'{domain}' is not a lower-case host name without 'www.' (in {name})")
            elif any(domain == d for d, _ in domains):
                check.add(where, f"domain '{domain}' is listed twice")
            else:
                domains.append((domain, short))
    channels: list[ChannelEntry] = []
    raw_channels = entry.get("channels", [])
    if not isinstance(raw_channels, list):
        check.add(where, "'channels' must be a list")
        raw_channels = []
    keys: set[str] = set()
    for index, raw in enumerate(raw_channels, start=1):
        if not isinstance(raw, dict):
            check.add(f"{where}, channel #{index}", "must be a mapping")
            continue
        channel = _parse_channel(check, where, index, raw, covered=covered)
        if channel.key in keys:
            check.add(where, f"channel key '{channel.key}' is used twice")
        keys.add(channel.key)
        channels.append(channel)
    values = {
        "name": check.text(where, entry, "name", required=True, max_length=100),
        "kind": kind,
        "accepted_bases": bases,
        "deadline_hours": deadline,
        "deadline_note": check.text(where, entry, "deadline_note", max_length=200),
        "is_hash_partner": check.flag(where, entry, "is_hash_partner"),
        "indexable": check.flag(where, entry, "indexable", default=True),
        "language": language,
        "is_catch_all": check.flag(where, entry, "catch_all"),
        "removed_markers": markers,
        "reply_rules": reply_rules,
        "covered_platform": covered,
        "country": country,
        "verified": verified,
        "source_url": source_url,
        "last_verified": last_verified,
        "notes": check.text(where, entry, "notes"),
    }
    return PlatformEntry(slug="", values=values, domains=domains, channels=channels)


def _parse_channel(check: _Checker, platform_where: str, index: int, raw: dict, *, covered: bool) -> ChannelEntry:
    key = raw.get("key") if isinstance(raw.get("key"), str) else ""
    where = f"{platform_where}, channel '{key}'" if key else f"{platform_where}, channel #{index}"
    check.unknown_fields(where, raw, CHANNEL_FIELDS)
    if not key or not _SLUG.match(key) or len(key) > 80:
        check.add(where, "'key' must be lower-case letters, digits and dashes (at most 80); it never changes")
    purpose = raw.get("purpose", ReportingChannel.Purpose.REPORT)
    if purpose not in ReportingChannel.Purpose.values:
        check.add(where, f"unknown purpose '{purpose}' (known: {', '.join(ReportingChannel.Purpose.values)})")
    method = raw.get("method")
    if method not in ReportingChannel.Method.values:
        check.add(where, f"unknown method {method!r} (known: {', '.join(ReportingChannel.Method.values)})")
    url = check.url(where, raw, "url")
    email = check.text(where, raw, "email", max_length=254)
    if method == ReportingChannel.Method.EMAIL and not email:
        check.add(where, "an email channel needs its 'email' address")
    if email:
        try:
            check._email(email)
        except ValidationError:
            check.add(where, f"'email' is not an email address: {email!r}")
    if method == ReportingChannel.Method.WEB_FORM and not url:
        check.add(where, "a web form channel needs its 'url'")
    bases = check.choices(where, raw, "bases", Basis)
    designated = check.flag(where, raw, "takeitdown_designated")
    if designated and (Basis.TAKE_IT_DOWN not in bases or not covered):
        check.add(where, "takeitdown_designated needs basis take_it_down on a covered platform")
    countries = check.strings(where, raw, "countries")
    if designated and countries:
        # 47 U.S.C. 223a(a)(1): the process is for "an identifiable individual" whoever and wherever they are.
        check.add(
            where,
            "a designated TAKE IT DOWN process takes no 'countries': the Act's duty does not depend on where the "
            "victim lives",
        )
    for country in countries:
        if not _COUNTRY.match(country):
            check.add(where, f"country {country!r} is not an ISO 3166-1 alpha-2 code in capitals")
    language = check.text(where, raw, "language")
    if language and not _LANGUAGE.match(language):
        check.add(where, f"'language' must be a language code like 'en' or 'es', not {language!r}")
    priority = raw.get("priority", 100)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 32767:
        check.add(where, f"'priority' must be a whole number from 0, not {priority!r}")
        priority = 100
    verified = check.flag(where, raw, "verified")
    source_url = check.url(where, raw, "source_url")
    last_verified = check.date(where, raw, "last_verified", required=True)
    if verified and not source_url:
        check.add(where, "verified: true without a source_url: cite the page that confirms the channel")
    elif not source_url:
        check.add(where, "'source_url' is missing: cite the best source, and keep verified: false")
    values = {
        "purpose": purpose,
        "method": method,
        "label": check.text(where, raw, "label", required=True, max_length=150),
        "url": url,
        "email": email,
        "situations": check.choices(where, raw, "situations", Situation),
        "bases": bases,
        "takeitdown_designated": designated,
        "language": language,
        "countries": countries,
        "priority": priority,
        "verified": verified,
        "source_url": source_url,
        "last_verified": last_verified,
        "notes": check.text(where, raw, "notes"),
        "retired": False,
    }
    return ChannelEntry(key=key, values=values)


def read_directory_file(path: Path | None = None) -> DirectoryFile:
    path = path or DIRECTORY_FILE
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DirectoryFileError([f"cannot read {path}: {exc.strerror}"]) from None
    return parse_directory(raw)


def loaded_version() -> int:
    """The highest version loaded into this database; 0 when none was."""
    latest = DirectoryLoad.objects.order_by("-version").values_list("version", flat=True).first()
    return latest or 0


def directory_load(*, path: Path | None = None, only_if_newer: bool = False) -> LoadResult:
    """Make the database match the directory file. With only_if_newer, do nothing unless its version is above
    the one loaded (what `migrate` runs); without it, load even the same version again (the command)."""
    parsed = read_directory_file(path)
    result = LoadResult(version=parsed.version)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        if only_if_newer and loaded_version() >= parsed.version:
            return result
        _check_against_database(parsed)
        slugs = [entry.slug for entry in parsed.platforms]
        platforms = {p.slug: p for p in Platform.objects.select_for_update().filter(slug__in=slugs)}
        channels: dict[int, dict[str, ReportingChannel]] = {}
        for channel in ReportingChannel.objects.select_for_update().filter(platform__slug__in=slugs):
            channels.setdefault(channel.platform_id, {})[channel.key] = channel
        domains: dict[int, dict[str, PlatformDomain]] = {}
        for domain in PlatformDomain.objects.filter(platform__slug__in=slugs):
            domains.setdefault(domain.platform_id, {})[domain.domain] = domain
        used = set(
            RemovalRequest.objects.filter(channel__platform__slug__in=slugs)
            .values_list("channel_id", flat=True)
            .distinct()
        )
        # New platforms, domains and channels are inserted in bulk: a test database's flush reloads the file.
        new_platforms = [Platform(slug=e.slug, **e.values) for e in parsed.platforms if e.slug not in platforms]
        for platform in Platform.objects.bulk_create(new_platforms):
            platforms[platform.slug] = platform
        result.platforms_created = len(new_platforms)
        created = {p.slug for p in new_platforms}
        all_domains = {d.domain: d for by_platform in domains.values() for d in by_platform.values()}
        wanted_anywhere = {domain for entry in parsed.platforms for domain, _ in entry.domains}
        new_domains: list[PlatformDomain] = []
        new_channels: list[ReportingChannel] = []
        for entry in parsed.platforms:
            platform = platforms[entry.slug]
            if entry.slug not in created:
                _update_platform(entry, platform, result)
            _load_domains(entry, platform, domains, all_domains, wanted_anywhere, new_domains, result)
            _load_channels(entry, platform, channels, used, new_channels, result)
        PlatformDomain.objects.bulk_create(new_domains)
        ReportingChannel.objects.bulk_create(new_channels)
        DirectoryLoad.objects.create(
            version=parsed.version, file_date=parsed.date, sha256=parsed.sha256, summary=result.summary()
        )
        result.loaded = True
        transaction.on_commit(directory_module.directory_changed)
    return result


def _check_against_database(parsed: DirectoryFile) -> None:
    """Problems only the database shows: a domain or the catch-all role held by a platform added in the admin."""
    file_slugs = {entry.slug for entry in parsed.platforms}
    problems = []
    file_domains = {domain: entry.slug for entry in parsed.platforms for domain, _ in entry.domains}
    for domain, owner in (
        PlatformDomain.objects.filter(domain__in=file_domains)
        .exclude(platform__slug__in=file_slugs)
        .values_list("domain", "platform__slug")
    ):
        problems.append(
            f"platform '{file_domains[domain]}': domain '{domain}' belongs to '{owner}', a platform added in "
            "the admin; remove it there or leave it out of the file"
        )
    file_catch_all = next((e.slug for e in parsed.platforms if e.values["is_catch_all"]), None)
    if file_catch_all:
        other = Platform.objects.filter(is_catch_all=True).exclude(slug__in=file_slugs).first()
        if other is not None:
            problems.append(
                f"platform '{file_catch_all}': '{other.slug}' (added in the admin) is already the catch-all"
            )
    if problems:
        raise DirectoryFileError(problems)


def _update_platform(entry: PlatformEntry, platform: Platform, result: LoadResult) -> None:
    changed = [name for name, value in entry.values.items() if getattr(platform, name) != value]
    for name in changed:
        setattr(platform, name, entry.values[name])
    if changed:
        platform.save(update_fields=[*changed, "updated_at"])
        result.platforms_updated += 1


def _load_domains(
    entry: PlatformEntry,
    platform: Platform,
    domains: dict[int, dict[str, PlatformDomain]],
    all_domains: dict[str, PlatformDomain],
    wanted_anywhere: set[str],
    new_domains: list[PlatformDomain],
    result: LoadResult,
) -> None:
    wanted = dict(entry.domains)
    # A domain another entry of the file now lists moves there (below) instead of being deleted here.
    stale = [d.pk for name, d in domains.get(platform.pk, {}).items() if name not in wanted_anywhere]
    if stale:
        result.domains_removed += PlatformDomain.objects.filter(pk__in=stale).delete()[0]
    for domain, short in wanted.items():
        have = all_domains.get(domain)
        if have is None:
            new_domains.append(PlatformDomain(platform=platform, domain=domain, is_short_link=short))
        elif have.platform_id != platform.pk or have.is_short_link != short:
            have.platform, have.is_short_link = platform, short
            have.save(update_fields=["platform", "is_short_link"])


def _load_channels(
    entry: PlatformEntry,
    platform: Platform,
    channels: dict[int, dict[str, ReportingChannel]],
    used: set[int],
    new_channels: list[ReportingChannel],
    result: LoadResult,
) -> None:
    existing = channels.get(platform.pk, {})
    in_file = {c.key for c in entry.channels}
    for channel in entry.channels:
        current = existing.get(channel.key)
        if current is None:
            new_channels.append(ReportingChannel(platform=platform, key=channel.key, **channel.values))
            result.channels_created += 1
            continue
        changed = [name for name, value in channel.values.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, channel.values[name])
        if changed:
            current.save(update_fields=changed)
            result.channels_updated += 1
    # Channels no longer in the file (migration 0004 gave the ones from before the file 'legacy-' keys).
    # Channels without a key were added in the admin: the file does not know them, so they stay.
    for key, channel in existing.items():
        if not key or key in in_file:
            continue
        if channel.pk in used:
            if not channel.retired:
                channel.retired = True
                channel.save(update_fields=["retired"])
                result.channels_retired.append(f"{platform.slug}: {key}")
        else:
            channel.delete()
            result.channels_deleted += 1
