"""The platform directory lookup: which platform a host belongs to, cached per process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cases.removals.models import Platform, ReportingChannel

# Admin edits reach every process within this many seconds; the process that saves clears at once.
CACHE_SECONDS = 60.0

_lock = threading.Lock()
_cache: tuple[float, dict[str, str]] | None = None
_platforms: tuple[float, Directory] | None = None


@dataclass(frozen=True)
class Directory:
    """Every platform with its channels, as drafting needs them; one snapshot per process for a minute."""

    by_slug: dict[str, Platform]
    channels: dict[int, list[ReportingChannel]]
    catch_all: Platform | None
    search_engines: list[Platform]


def normalise_host(host: str) -> str:
    """Lower case, no port, no trailing dot, no 'www.'; '' for something that is not a host name."""
    host = (host or "").strip().lower()
    if host.startswith("[") or "@" in host or "/" in host:
        return ""
    host = host.split(":", 1)[0].rstrip(".")
    while host.startswith("www."):
        host = host[4:]
    return host


def host_of(url: str) -> str:
    try:
        return normalise_host(urlsplit(url.strip()).hostname or "")
    except ValueError:
        return ""


def _domains() -> dict[str, str]:
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and cached[0] > now:
        return cached[1]
    from cases.removals.models import PlatformDomain

    mapping = dict(PlatformDomain.objects.values_list("domain", "platform__slug"))
    with _lock:
        _cache = (now + CACHE_SECONDS, mapping)
    return mapping


def directory_snapshot() -> Directory:
    """This process's snapshot of the platforms and their open channels, taken again after CACHE_SECONDS."""
    global _platforms
    now = time.monotonic()
    cached = _platforms
    if cached is not None and cached[0] > now:
        return cached[1]
    from cases.removals.models import Platform, ReportingChannel

    platforms = list(Platform.objects.all())
    channels: dict[int, list[ReportingChannel]] = {p.pk: [] for p in platforms}
    # Retired channels (dropped from the directory file, kept for the requests that used them) are never chosen.
    for channel in ReportingChannel.objects.filter(retired=False):
        channels.setdefault(channel.platform_id, []).append(channel)
    snapshot = Directory(
        by_slug={p.slug: p for p in platforms},
        channels=channels,
        catch_all=next((p for p in platforms if p.is_catch_all), None),
        search_engines=[p for p in platforms if p.kind == p.Kind.SEARCH_ENGINE],
    )
    with _lock:
        _platforms = (now + CACHE_SECONDS, snapshot)
    return snapshot


def directory_changed() -> None:
    """Forget the cached lookup and snapshot (the admin calls this after every save)."""
    global _cache, _platforms
    with _lock:
        _cache = None
        _platforms = None


def platform_slug_for_host(host: str) -> str:
    """The directory's slug for a host, its subdomains included; '' when the host is unknown."""
    host = normalise_host(host)
    if not host:
        return ""
    domains = _domains()
    labels = host.split(".")
    for start in range(len(labels) - 1):  # never match a bare top-level domain
        slug = domains.get(".".join(labels[start:]))
        if slug:
            return slug
    return ""
