"""One headless Chromium for the whole test run (Debian's, at /usr/bin/chromium; Playwright's own
browser download cannot work here). Playwright's sync API allows one running instance per thread, so
every module that needs a browser takes this one instead of starting its own."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def shared_chromium():
    from playwright.sync_api import sync_playwright

    # No skip: a machine without Chromium must fail the browser tests, not hide them.
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), f"{CHROMIUM} is required for the browser tests"
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls stay synchronous.
    # The variable goes again at the end; subprocess tests of production settings strip it themselves.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before
