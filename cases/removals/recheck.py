"""Re-checks: fetch each URL a sent request covers, safely, and tell whether the content appears removed.

The fetcher resolves the host itself, refuses private, loopback and other non-public addresses, connects to
the address it checked (so a second DNS answer cannot point it elsewhere), follows a few redirects checking
each, and reads a capped number of bytes. Images are hashed here (PDQ and pHash, hashing.reference) and
compared with the case's hashes, so a caseworker can tell it is the victim's image without viewing it.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import CaseHash, CaseURL
from cases.removals import directory, queueing, state
from cases.removals.models import RemovalRequest, RequestURL, UrlCheck
from cases.timeline import event_record
from hashing import reference
from hashing.values import hamming_distance

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
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


def _public_address(host: str, port: int) -> str:
    """A public IP address for host, or FetchRefused if any address it resolves to is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"cannot resolve host: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OSError("host has no address")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is loopback too
            ip = ip.ipv4_mapped
        if not ip.is_global and not _allow_private():
            raise FetchRefused("the host resolves to a private, loopback or reserved address")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, max_bytes: int = MAX_BYTES, max_redirects: int = MAX_REDIRECTS) -> Fetched:
    """GET a URL with the limits above. Raises FetchRefused (never fetch it) or OSError (try later)."""
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("only http and https URLs are checked")
        if parts.username or parts.password:
            raise FetchRefused("URLs with credentials are not checked")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _public_address(parts.hostname, port)
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(parts.hostname, port, address, TIMEOUT_SECONDS)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                body = body[:max_bytes]
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


def judge(fetched: Fetched, *, markers: list[str], case_hashes: list[CaseHash]) -> Verdict:
    """What a fetch says about the content: gone (404/410 or a removed page), still there, or unclear."""
    base = {"http_status": fetched.status, "content_type": fetched.content_type[:100]}
    if fetched.status in (404, 410):
        return Verdict(UrlCheck.Result.APPEARS_REMOVED, f"the site answers {fetched.status}", **base)
    if fetched.status >= 400:
        return Verdict(UrlCheck.Result.ERROR, f"the site answers {fetched.status}", **base)
    if fetched.content_type.startswith("image/"):
        pdq_distance, phash_distance = _distances(fetched.body, case_hashes)
        reason = "serves an image" if pdq_distance is not None else "serves an image it could not decode"
        return Verdict(UrlCheck.Result.ONLINE, reason, pdq_distance=pdq_distance, phash_distance=phash_distance, **base)
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
    platform = directory.directory().by_slug.get(case_url.platform_slug)
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
        checked_at=now,
        next_check_at=now + wait,
        checks=check.checks + 1,
        claimed_at=None,
    )
    if verdict.result != previous and verdict.result == UrlCheck.Result.APPEARS_REMOVED:
        event_record(case=case_url.case, kind="url_appears_removed", case_url_id=case_url_id)
    check.refresh_from_db()
    return check
