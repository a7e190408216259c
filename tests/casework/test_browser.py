"""In headless Chromium: a caseworker signs in with TOTP, claims a case from the queue (htmx, no reload), opens it,
records a platform's answer on the removal board, and the case's timeline shows it; no CSP violation on the way.
The same queue also works with JavaScript off."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from cases.models import Case, CaseURL
from tests import totp
from tests.casework.conftest import make_case, make_request
from tests.conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects CSP violations the browser reports, before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    def __init__(self, page, origin: str):
        self.page, self.origin = page, origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.violations: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, request) -> None:
        if request.url.startswith(("http:", "https:")) and urlsplit(request.url).netloc != self.origin:
            self.foreign.append(request.url)

    def collect(self) -> None:
        """Keep this page's CSP violations (the list lives in the page and goes with it)."""
        self.violations += self.page.evaluate("() => window.__cspViolations || []")

    def accessibility(self, label: str) -> None:
        """axe-core, served by the portal itself: serious and critical problems are failures."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
        found = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)"
        )
        self.errors += [f"{label}: {problem}" for problem in found]

    def assert_clean(self) -> None:
        self.collect()
        assert self.violations == [], self.violations
        assert self.foreign == [], self.foreign
        assert self.errors == [], self.errors


def sign_in(page, base_url: str, user) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    code = totp.code(user.totp_secret, timezone.now().timestamp())
    page.fill("input[name=code]", code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/staff/queue/$"))


@pytest.fixture
def case_with_a_sent_request(platform):
    case = make_case(is_urgent=True, categories=["extortion"])
    link = CaseURL.objects.create(
        case=case, url="https://examplegram.test/p/777", url_digest="e" * 64, host="examplegram.test"
    )
    request = make_request(case, platform, status="sent", deadline_in_hours=30, ticket_number="")
    request.urls.add(link)
    return case, request


def test_a_caseworker_claims_a_case_records_a_platform_answer_and_sees_it_in_the_timeline(
    chromium, live_server, caseworker, case_with_a_sent_request
):
    case, request = case_with_a_sent_request
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    watch = Watch(page, urlsplit(live_server.url).netloc)
    try:
        sign_in(page, live_server.url, caseworker)
        watch.collect()

        page.click("nav.staff-nav >> text=Queue")
        page.wait_for_url(re.compile(r"/staff/queue/"))
        row = page.locator(f"#row-{case.reference}")
        assert "Examplegram" in row.inner_text() and "Urgent" in row.inner_text()
        assert page.locator("#count-unassigned").inner_text() == "1"
        watch.accessibility("queue")
        page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads

        row.get_by_role("button", name=f"Claim {case.reference}").click()
        page.wait_for_selector(f"#row-{case.reference} >> text=You claimed")
        assert page.evaluate("() => window.__sameDocument === true"), "the claim swapped the row without a reload"
        assert page.locator("#count-unassigned").inner_text() == "0"
        assert page.locator("#count-mine").inner_text() == "1"
        assert Case.objects.get(pk=case.pk).assigned_to == caseworker

        # Tabs and filters update the list in place too, and the address follows them.
        page.click("ul.queue-tabs >> text=Mine")
        page.wait_for_selector("ul.queue-tabs a[aria-current=page][href*='tab=mine']")  # the new fragment is in
        # htmx wires up swapped-in content (the filter form's change trigger) when it settles, a moment after the
        # fragment is in the page; until then #queue carries htmx's documented swapping and settling classes. A
        # change made before that is not seen (the case of a fast browser), so wait for them to go.
        page.wait_for_function("() => !document.querySelector('#queue.htmx-swapping, #queue.htmx-settling')")
        page.select_option("#id_priority", "urgent")
        page.wait_for_selector("#id_priority option[value=urgent][selected]", state="attached")  # and the filtered one
        page.wait_for_function(
            "() => location.search.includes('tab=mine') && location.search.includes('priority=urgent')"
        )
        assert page.locator(f"#row-{case.reference}").count() == 1
        assert page.evaluate("() => window.__sameDocument === true")
        assert page.evaluate("() => localStorage.length") == 0, "htmx keeps no page snapshot on the device"
        watch.collect()

        page.click(f"#row-{case.reference} >> text={case.reference}")
        page.wait_for_url(re.compile(rf"/staff/cases/{case.reference}/$"))
        assert "Safe contact: read before any contact" in page.inner_text("main")
        assert "Alex Example" in page.inner_text("main")
        watch.accessibility("case page")
        watch.collect()

        article = page.locator(f"#request-{request.pk}")
        article.locator("select[name=answer]").select_option("removed")
        article.locator("input[name=ticket_number]").last.fill("EX-4821")
        article.get_by_role("button", name="Record answer").click()
        page.wait_for_url(re.compile(rf"/staff/cases/{case.reference}/"))
        watch.collect()

        page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
        timeline = page.locator("ol.timeline").inner_text()
        assert "Removal request examplegram: Sent → Removed" in timeline
        assert "Claimed" in timeline
        watch.assert_clean()
    finally:
        context.close()


def test_the_queue_works_without_javascript(chromium, live_server, caseworker, case_with_a_sent_request):
    case, _request = case_with_a_sent_request
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, caseworker)
        page.goto(live_server.url + "/staff/queue/?tab=unassigned")
        page.select_option("#id_priority", "urgent")
        page.click("form.queue-filters button[type=submit]")
        page.wait_for_url(re.compile(r"priority=urgent"))
        page.get_by_role("button", name=f"Claim {case.reference}").click()
        page.wait_for_url(re.compile(r"/staff/queue/\?"))
        assert "You claimed" in page.inner_text("main")
        page.click("text=Mine")
        assert case.reference in page.inner_text("table.queue-table")
    finally:
        context.close()
