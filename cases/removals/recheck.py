"""Re-checks: fetch each URL a sent request covers, safely, and tell whether the content appears removed.

The fetcher resolves the host itself, refuses private, loopback and other non-public addresses (IPv6
transition addresses included: an IPv4 address embedded by NAT64, 6to4, Teredo or an IPv4-mapped or
-compatible form is checked as that IPv4 address), connects to the address it checked (so a second DNS answer
cannot point it elsewhere), follows a few redirects checking each, reads a capped number of bytes, and gives
up the whole fetch (DNS, connect, TLS, headers, body, every redirect) once its overall deadline has passed, so
a server that drips a byte every few seconds cannot hold a worker. Images are hashed here (PDQ and pHash,
hashing.reference, within its pixel limit) and compared with the case's hashes, so a caseworker can tell it is
the victim's image without viewing it. Videos, when the case has video fingerprints, are hashed with the `vpdq`
reference in a capped child process (hashing.video_reference) and compared with vPDQ's two match percentages;
only the first MAX_BYTES arrive, so a longer video is compared if its start decodes (an MP4 with its index at
the front does; one with the index at the end does not, and the check says so).
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import CaseEvent, CaseHash, CaseURL
from cases.removals import directory, queueing, state
from cases.removals.models import RemovalRequest, RequestURL, UrlCheck
from cases.timeline import event_record
from hashing import reference, video_reference
from hashing.bank import videos
from hashing.values import hamming_distance

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0  # each socket operation
DEADLINE_SECONDS = 30.0  # the whole fetch, redirects included
MAX_REDIRECTS = 3
MAX_BYTES = 8 * 1024 * 1024
RECHECK_EVERY = timedelta(hours=6)
RECHECK_AFTER_ERROR = timedelta(hours=1)
CLAIM_STALE = timedelta(minutes=10)
USER_AGENT = "HelplineRecheck/1.0 (removal request follow-up)"
GENERIC_REMOVED_MARKERS = (
    "this content is no longer available",
    "this content isn't available",
    "content has been removed",
    "this page isn't available",
    "has been removed for violating",
)


class FetchRefused(Exception):
    """The URL may not be fetched (scheme, address); permanent for this URL."""


@dataclass
class Fetched:
    status: int
    content_type: str
    body: bytes
    final_url: str


def _allow_private() -> bool:
    return bool(getattr(settings, "RECHECK_ALLOW_PRIVATE_ADDRESSES", False))


# 64:ff9b::/96 is NAT64's well-known prefix (RFC 6052): the last 32 bits are an IPv4 address the gateway
# connects to. ::/96 holds the deprecated IPv4-compatible form (RFC 4291 2.5.5.1), ::1 and :: included.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# 64:ff9b:1::/48 is for local NAT64 set-ups (RFC 8215): where the IPv4 address sits is the site's choice, so
# nothing tells which host it reaches. 2001::/32 is Teredo (RFC 4380): tunnel clients, never a web site.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_TEREDO = ipaddress.IPv6Network("2001::/32")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a packet to this IPv6 address may end up at, through a translator or tunnel."""
    embedded = []
    if ip.ipv4_mapped is not None:
        embedded.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:  # 2002::/16 (RFC 3056): bits 16-47
        embedded.append(ip.sixtofour)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return embedded


def address_is_public(address: str) -> bool:
    """Whether a re-check may connect to this address: a global unicast address, and for IPv6 transition
    forms, every IPv4 address embedded in it global too. Teredo and local-use NAT64 are refused outright."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 4:
        return ip.is_global
    if ip in _NAT64_LOCAL or ip in _TEREDO:
        return False
    embedded = _embedded_ipv4(ip)
    if embedded:
        # The IPv6 wrapper itself may count as "global" (Python says so of 2002::/16 and ::/96): what the
        # packet reaches is the IPv4 address, so that is what must be public.
        return all(v4.is_global for v4 in embedded)
    return ip.is_global


# getaddrinfo cannot be interrupted; it runs here so the fetch can stop waiting for it at its deadline.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="recheck-dns")


def _public_address(host: str, port: int, *, timeout: float) -> str:
    """A public IP address for host, or FetchRefused if any address it resolves to is not public."""
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=max(timeout, 0.0))
    except FutureTimeout:
        raise OSError("the host name did not resolve in time") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"cannot resolve host: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OSError("host has no address")
    if not _allow_private() and not all(address_is_public(address) for address in addresses):
        raise FetchRefused("the host resolves to a private, loopback or reserved address")
    return addresses[0]


class _Deadline:
    """The time left for one fetch; at the deadline it shuts the open socket, which ends any blocked read."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.ends

    def error(self) -> OSError:
        return OSError(f"the site did not answer within {self.seconds:g} seconds")

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socket = sock
            if self.expired:
                self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(address: str, port: int, deadline: _Deadline) -> socket.socket:
    sock = socket.create_connection((address, port), min(TIMEOUT_SECONDS, deadline.left()))
    deadline.watch(sock)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, deadline: _Deadline):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self._address = address
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self._deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, deadline: _Deadline):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        self._address = address
        self._deadline = deadline

    def connect(self) -> None:
        sock = _connect(self._address, self.port, self._deadline)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, deadline: _Deadline) -> bytes:
    """At most max_bytes of the body, read a piece at a time so the deadline is checked between pieces."""
    chunks: list[bytes] = []
    received = 0
    while received < max_bytes:
        deadline.left()
        chunk = response.read1(min(64 * 1024, max_bytes - received))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if deadline.passed():  # the deadline shut the socket mid-body: what arrived is not the page
        raise deadline.error()
    return b"".join(chunks)


def fetch(
    url: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    deadline_seconds: float | None = None,
) -> Fetched:
    """GET a URL with the limits above. Raises FetchRefused (never fetch it) or OSError (try later)."""
    if deadline_seconds is None:
        deadline_seconds = getattr(settings, "RECHECK_DEADLINE_SECONDS", None) or DEADLINE_SECONDS
    deadline = _Deadline(deadline_seconds)
    try:
        return _fetch(url, max_bytes=max_bytes, max_redirects=max_redirects, deadline=deadline)
    except OSError:
        if deadline.passed():  # a read the deadline cut short reports a timeout, reset or empty answer: say why
            raise deadline.error() from None
        raise
    finally:
        deadline.cancel()


def _fetch(url: str, *, max_bytes: int, max_redirects: int, deadline: _Deadline) -> Fetched:
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("only http and https URLs are checked")
        if parts.username or parts.password:
            raise FetchRefused("URLs with credentials are not checked")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("the URL's port is not a number between 0 and 65535") from None
        address = _public_address(parts.hostname, port, timeout=deadline.left())
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(parts.hostname, port, address, deadline)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            body = _read_capped(response, max_bytes, deadline)
            return Fetched(
                status=response.status,
                content_type=(response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower(),
                body=body,
                final_url=url,
            )
        except (http.client.HTTPException, ssl.SSLError) as exc:
            raise OSError(f"bad HTTP answer: {exc.__class__.__name__}") from None
        finally:
            connection.close()
    raise OSError(f"more than {max_redirects} redirects")


@dataclass
class Verdict:
    result: str
    reason: str
    http_status: int | None = None
    content_type: str = ""
    pdq_distance: int | None = None
    phash_distance: int | None = None
    vpdq_query_percent: float | None = None
    vpdq_compared_percent: float | None = None


def _distances(data: bytes, case_hashes: list[CaseHash]) -> tuple[int | None, int | None]:
    hashes = reference.hash_bytes(data)
    if not hashes.is_image:
        return None, None
    fetched_pdq = [hashes.pdq.hex] + ([h.hex for h in hashes.pdq_dihedral] if hashes.pdq_dihedral else [])
    pdq_best = phash_best = None
    for case_hash in case_hashes:
        theirs = [h for h in [case_hash.pdq, case_hash.pdq_oriented, *(case_hash.pdq_dihedral or [])] if h]
        for mine in theirs:
            for fetched in fetched_pdq:
                distance = hamming_distance(fetched, mine)
                pdq_best = distance if pdq_best is None else min(pdq_best, distance)
        if case_hash.phash and hashes.phash is not None:
            distance = hamming_distance(hashes.phash.hex, case_hash.phash)
            phash_best = distance if phash_best is None else min(phash_best, distance)
    return pdq_best, phash_best


def _video_verdict(fetched: Fetched, case_hashes: list[CaseHash], base: dict) -> Verdict:
    """A fetched video against the case's videos: vPDQ's best query and compared percentages over them."""
    theirs = [[(row[0], row[1]) for row in case_hash.vpdq_frames] for case_hash in case_hashes if case_hash.vpdq_frames]
    if not theirs:
        # Nothing to compare with: do not run a decoder over a stranger's bytes for nothing.
        return Verdict(UrlCheck.Result.ONLINE, "serves a video (the case has no video fingerprints)", **base)
    try:
        frames = video_reference.hash_video_bytes(fetched.body)
    except video_reference.VideoNotHashed as exc:
        return Verdict(UrlCheck.Result.ONLINE, f"serves a video it could not hash: {exc}"[:200], **base)
    fetched_hashes = videos.usable_hashes((f.pdq.hex, f.pdq.quality or 0) for f in frames)
    query, compared = videos.best_case_match(fetched_hashes, theirs)
    return Verdict(
        UrlCheck.Result.ONLINE,
        "serves a video",
        vpdq_query_percent=round(query, 1),
        vpdq_compared_percent=round(compared, 1),
        **base,
    )


def judge(fetched: Fetched, *, markers: list[str], case_hashes: list[CaseHash]) -> Verdict:
    """What a fetch says about the content: gone (404/410 or a removed page), still there, or unclear."""
    base = {"http_status": fetched.status, "content_type": fetched.content_type[:100]}
    if fetched.status in (404, 410):
        return Verdict(UrlCheck.Result.APPEARS_REMOVED, f"the site answers {fetched.status}", **base)
    if fetched.status >= 400:
        return Verdict(UrlCheck.Result.ERROR, f"the site answers {fetched.status}", **base)
    if fetched.content_type.startswith("image/"):
        try:
            pdq_distance, phash_distance = _distances(fetched.body, case_hashes)
        except reference.ImageTooLarge as exc:
            return Verdict(UrlCheck.Result.ONLINE, f"serves an image it will not compare: {exc}"[:200], **base)
        reason = "serves an image" if pdq_distance is not None else "serves an image it could not decode"
        return Verdict(UrlCheck.Result.ONLINE, reason, pdq_distance=pdq_distance, phash_distance=phash_distance, **base)
    if fetched.content_type.startswith("video/"):
        return _video_verdict(fetched, case_hashes, base)
    text = fetched.body.decode("utf-8", errors="replace").lower().replace("\u2019", "'")
    for marker in [*markers, *GENERIC_REMOVED_MARKERS]:
        if marker and marker.lower() in text:
            return Verdict(UrlCheck.Result.APPEARS_REMOVED, "the page says the content was removed", **base)
    return Verdict(UrlCheck.Result.ONLINE, "the page is still online", **base)


def _awaiting_url_ids():
    """URLs covered by a removal (or escalation) request that was sent and is not resolved."""
    return RequestURL.objects.filter(
        request__status__in=state.AWAITING_PLATFORM,
        request__kind__in=[RemovalRequest.Kind.REMOVAL, RemovalRequest.Kind.ESCALATION],
    ).values("case_url_id")


def rechecks_queue_due(*, limit: int = 500) -> int:
    """Queue a check of every URL that a sent request covers and that is due. Moving `next_check_at` on
    first keeps the next run from queueing it twice; a lost message only delays that URL's next check."""
    now = timezone.now()
    ids = set(CaseURL.objects.filter(pk__in=_awaiting_url_ids()).values_list("pk", flat=True))
    have = set(UrlCheck.objects.filter(case_url_id__in=ids).values_list("case_url_id", flat=True))
    UrlCheck.objects.bulk_create(
        [UrlCheck(case_url_id=i, next_check_at=now) for i in ids - have], ignore_conflicts=True
    )
    due = UrlCheck.objects.filter(case_url_id__in=ids, next_check_at__lte=now, claimed_at__isnull=True)
    queued = 0
    for check_id, case_url_id, next_check_at in due.values_list("pk", "case_url_id", "next_check_at")[:limit]:
        if UrlCheck.objects.filter(pk=check_id, next_check_at=next_check_at).update(next_check_at=now + RECHECK_EVERY):
            transaction.on_commit(lambda i=case_url_id: queueing.queue_recheck(case_url_id=i))
            queued += 1
    return queued


def url_recheck(*, case_url_id: int) -> UrlCheck:
    """Fetch one URL and record what it shows. The claim is taken here if nobody holds it, and released."""
    now = timezone.now()
    check, _ = UrlCheck.objects.get_or_create(case_url_id=case_url_id)
    # One fetch at a time per URL; a claim left by a killed worker is taken over once stale.
    claimed = (
        UrlCheck.objects.filter(pk=check.pk)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE))
        .update(claimed_at=now)
    )
    if not claimed:
        return check
    case_url = CaseURL.objects.select_related("case").get(pk=case_url_id)
    platform = directory.directory_snapshot().by_slug.get(case_url.platform_slug)
    markers = list(platform.removed_markers) if platform else []
    try:
        fetched = fetch(case_url.url)
        verdict = judge(fetched, markers=markers, case_hashes=list(case_url.case.hashes.all()))
    except FetchRefused as exc:
        verdict = Verdict(UrlCheck.Result.REFUSED, str(exc))
    except OSError as exc:
        verdict = Verdict(UrlCheck.Result.ERROR, str(exc)[:200] or exc.__class__.__name__)
    previous = check.result
    wait = RECHECK_AFTER_ERROR if verdict.result == UrlCheck.Result.ERROR else RECHECK_EVERY
    UrlCheck.objects.filter(pk=check.pk).update(
        result=verdict.result,
        reason=verdict.reason[:200],
        http_status=verdict.http_status,
        content_type=verdict.content_type,
        pdq_distance=verdict.pdq_distance,
        phash_distance=verdict.phash_distance,
        vpdq_query_percent=verdict.vpdq_query_percent,
        vpdq_compared_percent=verdict.vpdq_compared_percent,
        checked_at=now,
        next_check_at=now + wait,
        checks=check.checks + 1,
        claimed_at=None,
    )
    if verdict.result != previous and verdict.result == UrlCheck.Result.APPEARS_REMOVED:
        event_record(case=case_url.case, kind=CaseEvent.Kind.URL_APPEARS_REMOVED, case_url_id=case_url_id)
    check.refresh_from_db()
    return check


def url_recheck_ran_out_of_time(*, case_url_id: int) -> int:
    """The task's soft time limit stopped a check: release its claim and try again later, as after an error."""
    now = timezone.now()
    return UrlCheck.objects.filter(case_url_id=case_url_id, claimed_at__isnull=False).update(
        result=UrlCheck.Result.ERROR,
        reason="the check ran out of time",
        checked_at=now,
        next_check_at=now + RECHECK_AFTER_ERROR,
        claimed_at=None,
    )
