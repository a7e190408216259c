"""Re-checks against a local HTTP server whose answers change: removed, still online, the victim's image."""

from __future__ import annotations

import io
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from cases.models import CaseEvent
from cases.removals import drafting, queueing, recheck, services, sweeper
from cases.removals.models import RemovalRequest, UrlCheck
from hashing import reference
from tests.removals.factories import add_hash, add_url, make_case

pytestmark = pytest.mark.usefixtures("platforms")


class Site:
    """A loopback web server; `answers[path] = (status, content type, body, headers)` may change at any time."""

    def __init__(self):
        self.answers: dict[str, tuple[int, str, bytes, dict]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hits.append(self.path)
                status, content_type, body, headers = site.answers.get(self.path, (404, "text/html", b"nope", {}))
                if headers.get("sleep"):
                    time.sleep(float(headers["sleep"]))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    if name != "sleep":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path: str, html: str, status: int = 200):
        self.answers[path] = (status, "text/html; charset=utf-8", html.encode(), {})


@pytest.fixture
def site():
    server = Site()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def allow_loopback(settings):
    settings.RECHECK_ALLOW_PRIVATE_ADDRESSES = True


def _image(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = (rng.random((64, 96, 3)) * 255).astype("uint8")
    pixels = np.kron(pixels, np.ones((4, 4, 1), dtype="uint8"))  # blocky, so PDQ sees structure
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _case_url(site, path="/post/1", slug="instagram"):
    case = make_case()
    case_url = add_url(case, site.url + path, slug=slug)
    return case, case_url


def test_a_page_that_goes_404_then_410_appears_removed_for_the_caseworker_to_confirm(site, allow_loopback):
    case, case_url = _case_url(site)
    site.page("/post/1", "<html><body><img src=x> a post</body></html>")
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert (check.result, check.http_status, check.checks) == ("online", 200, 1)
    site.page("/post/1", "not here", status=404)
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert (check.result, check.reason) == ("appears_removed", "the site answers 404")
    assert CaseEvent.objects.filter(case=case, kind="url_appears_removed").count() == 1
    site.page("/post/1", "gone", status=410)
    assert recheck.url_recheck(case_url_id=case_url.pk).reason == "the site answers 410"
    assert CaseEvent.objects.filter(case=case, kind="url_appears_removed").count() == 1  # told once


def test_a_platforms_removed_content_page_appears_removed(site, allow_loopback):
    _, case_url = _case_url(site)
    site.page("/post/1", "<html><h2>Sorry, this page isn&#39;t available.</h2></html>".replace("&#39;", "'"))
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert (check.result, check.reason) == ("appears_removed", "the page says the content was removed")


def test_an_image_is_hashed_and_compared_with_the_victims_hashes(site, allow_loopback):
    case, case_url = _case_url(site, "/img/1.png", slug="other")
    victim_image, other_image = _image(1), _image(2)
    add_hash(case, reference.hash_bytes(victim_image))
    site.answers["/img/1.png"] = (200, "image/png", victim_image, {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.result == "online" and check.content_type == "image/png"
    assert (check.pdq_distance, check.phash_distance) == (0, 0)
    site.answers["/img/1.png"] = (200, "image/png", other_image, {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.pdq_distance > 60 and check.phash_distance > 10


def test_private_and_loopback_addresses_are_never_fetched_by_default(site):
    _, case_url = _case_url(site)
    site.page("/post/1", "hello")
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.result == "refused" and "private, loopback" in check.reason
    assert site.hits == []
    for url in (
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost/",
    ):
        with pytest.raises(recheck.FetchRefused):
            recheck.fetch(url)


def test_only_http_urls_without_credentials_are_fetched(allow_loopback):
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http://user:pw@127.0.0.1/"):
        with pytest.raises(recheck.FetchRefused):
            recheck.fetch(url)


def test_redirects_are_followed_a_few_times_only(site, allow_loopback):
    for n in range(6):
        site.answers[f"/r{n}"] = (302, "text/html", b"", {"Location": f"/r{n + 1}"})
    site.page("/r3", "arrived")
    site.answers["/r2"] = (302, "text/html", b"", {"Location": "/r3"})
    assert recheck.fetch(site.url + "/r0").body == b"arrived"
    site.answers["/r2"] = (302, "text/html", b"", {"Location": "/r3x"})
    site.answers["/r3x"] = (302, "text/html", b"", {"Location": "/r4"})
    with pytest.raises(OSError, match="more than 3 redirects"):
        recheck.fetch(site.url + "/r0")
    site.answers["/r0"] = (302, "text/html", b"", {"Location": "ftp://127.0.0.1/x"})
    with pytest.raises(recheck.FetchRefused):
        recheck.fetch(site.url + "/r0")


def test_bodies_are_capped_and_slow_servers_time_out(site, allow_loopback, monkeypatch):
    site.answers["/big"] = (200, "text/html", b"a" * 300_000, {})
    assert len(recheck.fetch(site.url + "/big", max_bytes=100_000).body) == 100_000
    monkeypatch.setattr(recheck, "TIMEOUT_SECONDS", 0.3)
    site.answers["/slow"] = (200, "text/html", b"late", {"sleep": "1.5"})
    _, case_url = _case_url(site, "/slow")
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.result == "error" and check.next_check_at > timezone.now()


def test_only_urls_of_sent_requests_are_queued_and_each_once(
    site, caseworker, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(queueing, "queue_recheck", lambda **kw: queued.append(kw["case_url_id"]))
    case = make_case(urls=["https://instagram.com/p/sent", "https://x.com/a/status/2"])
    drafting.draft_for_case(case_id=case.pk)
    sent = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    services.removal_mark_ready(request_id=sent.pk, actor=caseworker)
    services.removal_mark_sent(request_id=sent.pk, actor=caseworker, expected_status="ready")
    with django_capture_on_commit_callbacks(execute=True):
        assert recheck.rechecks_queue_due() == 1
        assert recheck.rechecks_queue_due() == 0
    assert queued == [sent.urls.get().pk]


def test_a_claimed_check_is_left_alone_until_its_claim_is_stale(site, allow_loopback):
    _, case_url = _case_url(site)
    site.page("/post/1", "online")
    UrlCheck.objects.create(case_url=case_url, claimed_at=timezone.now())
    assert recheck.url_recheck(case_url_id=case_url.pk).checks == 0
    assert site.hits == []
    UrlCheck.objects.filter(case_url=case_url).update(claimed_at=timezone.now() - timedelta(minutes=30))
    assert sweeper.removals_sweep().checks_released == 1  # a killed worker's claim is reset
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.checks == 1 and check.claimed_at is None


class DripServer:
    """A loopback server that answers every request with `head` at once, then `drip` one byte per `interval`
    seconds (or, with `endless`, 64 KB pieces until the client hangs up): a slow or bottomless web site."""

    def __init__(self, head: bytes, drip: bytes = b"", interval: float = 2.0, endless: bool = False):
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent = 0

        def answer(conn):
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(head)
                    if endless:
                        while not self.stop.is_set():
                            conn.sendall(b"x" * 65536)
                            self.sent += 65536
                    for byte in drip:
                        if self.stop.wait(interval):
                            return
                        conn.sendall(bytes([byte]))
                        self.sent += 1
                except OSError:
                    return

        def serve():
            while not self.stop.is_set():
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    return
                threading.Thread(target=answer, args=(conn,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()

    def close(self):
        self.stop.set()
        self.listener.close()


@pytest.fixture
def drip_server():
    servers = []

    def make(*args, **kwargs):
        servers.append(DripServer(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_a_server_dripping_its_headers_a_byte_every_two_seconds_is_given_up_at_the_deadline(
    drip_server, allow_loopback
):
    # Each byte comes well inside the 10 s per-socket timeout: only the overall deadline stops this.
    server = drip_server(b"", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok")
    started = time.monotonic()
    with pytest.raises(OSError, match=r"did not answer within 1\.5 seconds"):
        recheck.fetch(server.url + "/post/1", deadline_seconds=1.5)
    assert time.monotonic() - started < 1.5 + 1.0


def test_a_server_dripping_its_body_is_given_up_at_the_deadline_and_the_check_retried_later(
    drip_server, allow_loopback, monkeypatch
):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n"
    server = drip_server(head, b"a" * 100)
    monkeypatch.setattr(recheck, "DEADLINE_SECONDS", 1.5)
    _, case_url = _case_url(server)
    started = time.monotonic()
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert time.monotonic() - started < 1.5 + 1.0
    assert check.result == "error" and check.reason == "the site did not answer within 1.5 seconds"
    assert check.claimed_at is None and check.next_check_at > timezone.now()


def test_a_bottomless_body_is_cut_at_the_byte_cap(drip_server, allow_loopback):
    # No Content-Length and no end: only the cap stops the read.
    server = drip_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n", endless=True)
    fetched = recheck.fetch(server.url + "/", max_bytes=1_000_000)
    assert len(fetched.body) == 1_000_000 and fetched.status == 200


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 to 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254, the cloud metadata service
        "64:ff9b:1::808:808",  # local-use NAT64: where the IPv4 sits is the site's choice
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:7f00:1",  # IPv4-mapped 127.0.0.1
        "::ffff:10.1.2.3",
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "127.0.0.2",
        "100.64.0.1",
    ],
)
def test_ipv6_transition_addresses_that_reach_a_private_ipv4_are_refused(address, site, monkeypatch):
    assert not recheck.address_is_public(address)
    with pytest.raises(recheck.FetchRefused, match="private, loopback or reserved"):
        recheck.fetch(f"http://[{address}]/" if ":" in address else f"http://{address}/")
    # The same address behind a host name: refused after the DNS answer.
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "images.example.org":
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(recheck.FetchRefused):
        recheck.fetch("http://images.example.org/x.jpg")
    # And as a redirect's target from a site the check may fetch (the loopback test site stands in for one).
    monkeypatch.setattr(
        recheck, "address_is_public", lambda a, real=recheck.address_is_public: a == "127.0.0.1" or real(a)
    )
    site.answers["/hop"] = (302, "text/html", b"", {"Location": "http://images.example.org/x.jpg"})
    with pytest.raises(recheck.FetchRefused):
        recheck.fetch(site.url + "/hop")
    assert site.hits == ["/hop"]


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111", "93.184.215.14"]
)
def test_transition_addresses_of_public_ipv4_hosts_and_plain_public_addresses_stay_allowed(address):
    assert recheck.address_is_public(address)


def _tiny_huge_png() -> bytes:
    """20 KB on disk, 13000 x 13000 pixels: half a gigabyte and more once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_tiny_png_of_13000_by_13000_pixels_is_refused_before_decoding_in_a_recheck(site, allow_loopback):
    data = _tiny_huge_png()
    assert len(data) < 64_000
    case, case_url = _case_url(site, "/img/bomb.png", slug="other")
    add_hash(case, reference.hash_bytes(_image(1)))
    site.answers["/img/bomb.png"] = (200, "image/png", data, {})
    started = time.monotonic()
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert time.monotonic() - started < 2.0
    assert check.result == "online" and check.pdq_distance is None
    assert check.reason == (
        "serves an image it will not compare: the image is 13000 x 13000 pixels, "
        "more than the 50 megapixels the server decodes"
    )


def test_a_check_stopped_by_the_tasks_soft_time_limit_releases_its_claim_for_a_later_try(
    site, allow_loopback, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from cases.removals import tasks

    _, case_url = _case_url(site)

    def stopped(url, **kwargs):
        assert UrlCheck.objects.get(case_url=case_url).claimed_at is not None  # the claim is held mid-fetch
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(recheck, "fetch", stopped)
    assert tasks.recheck_url.soft_time_limit < tasks.recheck_url.time_limit
    assert tasks.recheck_url.run(case_url.pk) == "out of time"
    check = UrlCheck.objects.get(case_url=case_url)
    assert check.claimed_at is None and check.result == "error" and check.reason == "the check ran out of time"
    assert check.next_check_at > timezone.now()
