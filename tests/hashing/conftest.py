"""Fixtures for the hashing tests: a local static server and headless Chromium (never skipped)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "static"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BLANK_PAGE = b"<!doctype html><meta charset=utf-8><title>hashing test</title>"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves /static/ from the repository and /files/ from the test's own folder; / is a blank page."""

    files_root: Path

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/static/"):
            return str(STATIC / path.removeprefix("/static/"))
        if path.startswith("/files/"):
            return str(self.files_root / path.removeprefix("/files/"))
        return str(self.files_root / "__blank__.html")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hashing-files")
    (root / "__blank__.html").write_bytes(BLANK_PAGE)
    return root


@pytest.fixture(scope="session")
def static_server(files_dir):
    """A threaded HTTP server on 127.0.0.1 serving the repository's static/ (proves it works standalone)."""
    handler = type("Handler", (_Handler,), {"files_root": files_dir})
    handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    # No skip: a machine without Chromium must fail these tests, not hide them.
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), f"{CHROMIUM} is required for the browser tests"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, static_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/")
    yield page
    context.close()
