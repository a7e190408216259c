"""A fake RDAP service on 127.0.0.1 for the abuse-contact tests: IANA-style bootstrap files pointing at itself,
one registry record per address and domain, and a log of every request it got. Nothing reaches the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE = "pics.abusive-site.test"
SITE_ADDRESS = "93.184.215.14"  # a public address; nothing connects to it, only its RDAP record is asked for


def _entity(role: str, name: str, email: str, *, nested: list | None = None) -> dict:
    entity = {
        "objectClassName": "entity",
        "roles": [role],
        "vcardArray": [
            "vcard",
            [["version", {}, "text", "4.0"], ["fn", {}, "text", name], ["email", {}, "text", email]],
        ],
    }
    if nested:
        entity["entities"] = nested
    return entity


def records(base: str) -> dict[str, tuple[int, dict]]:
    return {
        "/ipv4.json": (200, {"version": "1.0", "services": [[["93.0.0.0/8", "10.0.0.0/8"], [base + "rir/"]]]}),
        "/ipv6.json": (200, {"version": "1.0", "services": []}),
        "/dns.json": (200, {"version": "1.0", "services": [[["test"], [base + "registry/"]]]}),
        f"/rir/ip/{SITE_ADDRESS}": (
            200,
            {
                "objectClassName": "ip network",
                "handle": "NET-93-184-215-0-1",
                "name": "EXAMPLE-HOSTING",
                "entities": [
                    _entity(
                        "registrant",
                        "Example Hosting Ltd",
                        "noc@hosting.test",
                        nested=[
                            _entity("abuse", "Abuse desk", "abuse@hosting.test"),
                        ],
                    ),
                ],
            },
        ),
        f"/registry/domain/{SITE}": (404, {"errorCode": 404, "title": "Not found"}),
        "/registry/domain/abusive-site.test": (
            200,
            {
                "objectClassName": "domain",
                "ldhName": "abusive-site.test",
                "entities": [
                    _entity(
                        "registrar",
                        "Example Registrar Inc.",
                        "info@registrar.test",
                        nested=[
                            _entity("abuse", "Registrar abuse", "abuse@registrar.test"),
                        ],
                    ),
                ],
            },
        ),
    }


class FakeRdap:
    def __init__(self) -> None:
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append(self.path)
                status, body = fake.records.get(self.path, (404, {"errorCode": 404}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/rdap+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.records = records(self.base)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRdap:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def patched_resolver(monkeypatch, names: dict[str, str]) -> None:
    """Resolve the given names to the given addresses; everything else as before (the live server, 127.0.0.1)."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.lower() in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host.lower()], port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
