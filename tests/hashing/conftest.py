"""Fixtures for the hashing tests: a local static server and headless Chromium (never skipped)."""

from __future__ import annotations

import contextlib
import http.server
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "static"
# Public reference images and their expected hashes, carried in the repository (see its SOURCES.md).
REFERENCE = REPO / "tests" / "data" / "reference"
BLANK_PAGE = b"<!doctype html><meta charset=utf-8><title>hashing test</title>"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves /static/ from the repository and /files/ from the test's own folder; / is a blank page."""

    files_root: Path
    received: list

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/static/"):
            return str(STATIC / path.removeprefix("/static/"))
        if path.startswith("/files/"):
            return str(self.files_root / path.removeprefix("/files/"))
        return str(self.files_root / "__blank__.html")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        reply = b"<!doctype html><title>sent</title><p>Thank you."
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self) -> None:
        self.received.append({"path": self.path, "headers": dict(self.headers), "body": b""})
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hashing-files")


@contextlib.contextmanager
def serve(files_root: Path, received: list | None = None):
    """A threaded HTTP server on 127.0.0.1 serving the repository's static/ (proves it works standalone)."""
    (files_root / "__blank__.html").write_bytes(BLANK_PAGE)
    handler = type("Handler", (_Handler,), {"files_root": files_root, "received": [] if received is None else received})
    handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def static_server(files_dir):
    with serve(files_dir) as base:
        yield base


@pytest.fixture(scope="session")
def recording_server(tmp_path_factory):
    """A server of its own that keeps every request it receives, bodies included."""
    root = tmp_path_factory.mktemp("recorded")
    received: list = []
    with serve(root, received) as base:
        yield base, root, received


@pytest.fixture(scope="session")
def browser(shared_chromium):
    return shared_chromium


@pytest.fixture
def page(browser, static_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/")
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _bank_index_dir(settings, tmp_path):
    """Each test's shared bank index snapshots in its own folder, never the checkout's var/."""
    settings.BANK_INDEX_DIR = str(tmp_path / "bank-index")
