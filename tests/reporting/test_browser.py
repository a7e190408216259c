"""In headless Chromium, under the portal's real Content-Security-Policy: every report page draws its charts
(vendored Chart.js, no inline script, no eval, no style attribute), asks no other host for anything, and passes
axe-core's serious and critical checks."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.cases.browser import axe_check, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/staff/reports/",
    "/staff/reports/removals/",
    "/staff/reports/queue/",
    "/staff/reports/hash-bank/",
    "/staff/reports/mine/",
]
QUERY = "?start=2026-01-07&end=2026-03-15"

# Collects CSP violations before any page script runs (Playwright's init scripts are not subject to the CSP).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def chromium(shared_chromium):
    return shared_chromium


def test_every_report_page_draws_its_charts_under_the_csp(chromium, live_server, report_clock, data, supervisor):
    client = Client()
    client.force_login(supervisor)
    context, page, watch = open_page(chromium, live_server.url, viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.add_init_script(WATCH_CSP)
    violations, drawn = [], {}
    try:
        for path in PAGES:
            response = page.goto(live_server.url + path + QUERY)
            assert response.status == 200, path
            policy = dict(
                (d.split()[0], d.split()[1:])
                for d in response.headers["content-security-policy"].split(";")
                if d.strip()
            )
            assert "'self'" in policy["script-src"] and policy["style-src"] == ["'self'"]
            assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(policy["script-src"] + policy["style-src"])
            canvases = page.locator("canvas[data-chart]").count()
            page.wait_for_function("() => document.documentElement.dataset.chartsDrawn !== undefined")
            drawn[path] = (canvases, int(page.evaluate("() => document.documentElement.dataset.chartsDrawn")))
            # Each chart painted something: its pixels are not all transparent.
            painted = page.evaluate(
                "() => [...document.querySelectorAll('canvas[data-chart]')].map(c => {"
                " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })"
            )
            assert all(count > 500 for count in painted), (path, painted)
            # No style attribute in the markup the server sent (Chart.js styles the canvas through the CSSOM).
            assert "style=" not in response.text()
            axe_check(page, watch, path)
            violations += page.evaluate("() => window.__cspViolations")
    finally:
        context.close()
    assert violations == []
    assert all(canvases > 0 and canvases == count for canvases, count in drawn.values()), drawn
    assert watch.foreign_requests == []
    assert watch.console_errors == []
    assert watch.accessibility == {}
    assert urlsplit(live_server.url).hostname in ("localhost", "127.0.0.1")
