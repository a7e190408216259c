"""Helpers for the browser tests: a page that records foreign requests and CSP errors, axe-core, screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Watch:
    """What a page did that it must not: requests to other hosts, CSP violations, script errors."""

    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    accessibility: dict[str, list[str]] = field(default_factory=dict)


def open_page(browser, base_url: str, *, locale: str = "en-GB", javascript: bool = True, viewport=MOBILE):
    context = browser.new_context(
        locale=locale, viewport=viewport, java_script_enabled=javascript, accept_downloads=True
    )
    page = context.new_page()
    origin = urlsplit(base_url).netloc
    watch = Watch(origin=origin)

    def on_request(request):
        netloc = urlsplit(request.url).netloc
        if request.url.startswith(("http:", "https:")) and netloc != origin:
            watch.foreign_requests.append(request.url)

    page.on("request", on_request)
    page.on("console", lambda m: m.type == "error" and watch.console_errors.append(m.text))
    page.on("pageerror", lambda e: watch.console_errors.append(str(e)))
    return context, page, watch


def axe_check(page, watch: Watch, label: str) -> None:
    """Run axe-core (served by the portal itself) and keep the serious and critical violations."""
    page.wait_for_load_state("load")  # a click that navigates returns before the new page is parsed
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    bad = [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result if v["impact"] in BLOCKING_IMPACTS]
    if bad:
        watch.accessibility[label] = bad


def snap(page, folder: Path, label: str) -> None:
    """Screenshots at phone width (360 px) and desktop width, whole page."""
    size = page.viewport_size
    page.set_viewport_size(MOBILE)
    page.screenshot(path=str(folder / f"{label}-360.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(folder / f"{label}-desktop.png"), full_page=True)
    page.set_viewport_size(size)


def check_page(page, watch: Watch, folder: Path | None, label: str) -> None:
    axe_check(page, watch, label)
    if folder is not None:
        snap(page, folder, label)
