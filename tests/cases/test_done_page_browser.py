"""The "shown once" page in Chromium: the reference and PIN are to be written down or copied first; a file (which
lands in Downloads, where an abuser may look) is saved only after a plain warning and a second, deliberate click."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.models import Case
from tests.cases.browser import axe_check, open_page
from tests.cases.helpers import walk_wizard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _done_page(chromium, live_server):
    client = Client()
    assert walk_wizard(client)["Location"] == "/help/done/"
    context, page, watch = open_page(chromium, live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/help/done/")
    return context, page, watch


def test_saving_as_a_file_needs_a_plain_warning_first_and_copy_comes_before_it(chromium, live_server):
    context, page, watch = _done_page(chromium, live_server)
    reference = Case.objects.get().reference
    pin = page.locator("#case-pin").inner_text()
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    assert "Write them down" in page.locator("[data-credentials]").inner_text()
    buttons = page.locator("[data-credentials] .form-actions button:visible").all_inner_texts()
    assert buttons == ["Copy reference and PIN", "Print", "Save as a file…"]

    page.get_by_role("button", name="Save as a file").click()
    warning = page.locator("[data-save-warning]")
    warning.wait_for(state="visible")
    assert "Downloads folder" in warning.inner_text() and "Anyone who uses or checks" in warning.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "save-warning"
    axe_check(page, watch, "save-warning")
    assert downloads == []  # the first click only warns

    page.get_by_role("button", name="Do not save").click()
    warning.wait_for(state="hidden")
    assert downloads == []

    page.get_by_role("button", name="Save as a file").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save the file anyway").click()
    saved = download_info.value.path().read_text()
    assert reference in saved and pin in saved
    assert len(downloads) == 1
    assert watch.accessibility == {} and watch.foreign_requests == [] and watch.console_errors == []
    context.close()


def test_copy_puts_the_reference_and_pin_on_the_clipboard_and_says_what_to_do_next(chromium, live_server):
    context, page, watch = _done_page(chromium, live_server)
    reference = Case.objects.get().reference
    pin = page.locator("#case-pin").inner_text()
    page.get_by_role("button", name="Copy reference and PIN").click()
    page.get_by_role("status").filter(has_text="Copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert reference in copied and pin in copied
    assert "copy something else" in page.get_by_role("status").inner_text()
    assert watch.foreign_requests == [] and watch.console_errors == []
    context.close()
