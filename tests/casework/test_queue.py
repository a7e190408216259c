"""The queue: tabs with counts, columns, filters, sorting, pagination, reference search, htmx and no PII."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.queue import PAGE_SIZE
from cases.models import Case
from tests.casework.conftest import VICTIM, make_case, make_request, page_queries, plain_text

ORIGIN = Origin(ip="127.0.0.1")
QUEUE = "/staff/queue/"


def references(response) -> list[str]:
    return re.findall(r'<tr id="row-(HL-[^"]+)"', response.content.decode())


def count_of(response, tab: str) -> int:
    match = re.search(rf'id="count-{tab}">(\d+)<', response.content.decode())
    assert match, tab
    return int(match.group(1))


@pytest.fixture
def board(db, caseworker, other_caseworker, platform):
    """A small queue: two unassigned (one urgent), one mine, one overdue of another's, one waiting, one closed."""
    from cases.removals.models import Platform

    other_platform = Platform.objects.create(slug="tubeclips", name="TubeClips")
    now = timezone.now()
    cases = {
        "old": make_case(created_at=now - timedelta(days=3), language="es"),
        "urgent": make_case(created_at=now - timedelta(hours=2), is_urgent=True, is_minor=True),
        "mine": make_case(created_at=now - timedelta(days=1), status=Case.Status.IN_PROGRESS, assigned_to=caseworker),
        "overdue": make_case(
            created_at=now - timedelta(days=5), status=Case.Status.IN_PROGRESS, assigned_to=other_caseworker
        ),
        "waiting": make_case(status=Case.Status.WAITING_ON_VICTIM, assigned_to=caseworker),
        "closed": make_case(status=Case.Status.CLOSED, closed_at=now, closing_reason="removed"),
    }
    make_request(cases["old"], platform, status="sent", deadline_in_hours=30)
    make_request(cases["old"], other_platform, status="drafted")
    # Past a legal deadline (TAKE IT DOWN's 48 hours): overdue.
    make_request(
        cases["overdue"], platform, status="sent", deadline_in_hours=-3, basis="take_it_down", deadline_statutory=True
    )
    make_request(cases["mine"], other_platform, status="acknowledged", deadline_in_hours=5)
    # Past the helpline's own follow-up target only (no legal deadline): a follow-up, not overdue.
    make_request(cases["mine"], platform, status="sent", deadline_in_hours=-2)
    return cases


@pytest.mark.django_db
def test_tabs_show_their_cases_and_counts(caseworker_client, board):
    response = caseworker_client.get(QUEUE)
    assert response.status_code == 200
    assert {tab: count_of(response, tab) for tab in ("unassigned", "mine", "overdue", "waiting", "closed")} == {
        "unassigned": 2,
        "mine": 2,
        "overdue": 1,
        "waiting": 1,
        "closed": 1,
    }
    assert references(response) == [board["urgent"].reference, board["old"].reference], "urgent first"
    tabs = {
        "mine": {board["mine"].reference, board["waiting"].reference},
        "overdue": {board["overdue"].reference},
        "waiting": {board["waiting"].reference},
        "closed": {board["closed"].reference},
    }
    for tab, expected in tabs.items():
        assert set(references(caseworker_client.get(QUEUE, {"tab": tab}))) == expected, tab


@pytest.mark.django_db
def test_a_request_past_only_the_helplines_own_target_is_a_follow_up_not_overdue(caseworker_client, board):
    assert board["mine"].reference not in references(caseworker_client.get(QUEUE, {"tab": "overdue"}))
    html = caseworker_client.get(QUEUE, {"tab": "mine"}).content.decode()
    row = html.split(f'id="row-{board["mine"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "follow-up due" in row and "badge-overdue" not in row
    overdue = caseworker_client.get(QUEUE, {"tab": "overdue"}).content.decode()
    row = overdue.split(f'id="row-{board["overdue"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "badge-overdue" in row and "follow-up due" not in row


@pytest.mark.django_db
def test_columns_show_platforms_deadline_assignee_and_priority_but_no_victim_pii(caseworker_client, board):
    html = caseworker_client.get(QUEUE, {"tab": "overdue"}).content.decode()
    row = html.split(f'id="row-{board["overdue"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "Examplegram" in row and "overdue" in row and "Robin" in row
    html = caseworker_client.get(QUEUE).content.decode()
    row = html.split(f'id="row-{board["old"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "Examplegram, TubeClips" in row and ">es<" in row and "Claim" in row
    urgent = html.split(f'id="row-{board["urgent"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "Urgent" in urgent and "minor" in urgent
    for tab in ("unassigned", "mine", "overdue", "waiting", "closed"):
        page = caseworker_client.get(QUEUE, {"tab": tab}).content.decode()
        for value in VICTIM.values():
            assert value not in page


@pytest.mark.django_db
def test_filters_narrow_the_list(caseworker_client, board, caseworker):
    def refs(**params):
        return set(references(caseworker_client.get(QUEUE, params)))

    assert refs(tab="unassigned", platform="tubeclips") == {board["old"].reference}
    assert refs(tab="unassigned", priority="urgent") == {board["urgent"].reference}
    assert refs(tab="unassigned", priority="normal") == {board["old"].reference}
    assert refs(tab="unassigned", language="es") == {board["old"].reference}
    assert refs(tab="mine", status="waiting_on_victim") == {board["waiting"].reference}
    assert refs(tab="overdue", assignee=str(caseworker.pk)) == set()
    assert refs(tab="closed", assignee="none") == {board["closed"].reference}
    assert refs(tab="unassigned", platform="no-such-platform") == {
        board["old"].reference,
        board["urgent"].reference,
    }, "an unknown value is ignored, not an error"


@pytest.mark.django_db
def test_search_by_reference_accepts_what_people_type(caseworker_client, board):
    reference = board["old"].reference  # e.g. HL-T001-0001
    typed = reference.lower().replace("-", " ")
    assert references(caseworker_client.get(QUEUE, {"reference": typed})) == [reference]
    assert references(caseworker_client.get(QUEUE, {"reference": reference[:7]})) == [reference]


@pytest.mark.django_db
def test_sorting(caseworker_client, board):
    oldest = references(caseworker_client.get(QUEUE, {"sort": "oldest"}))
    newest = references(caseworker_client.get(QUEUE, {"sort": "newest"}))
    assert oldest == [board["old"].reference, board["urgent"].reference] == newest[::-1]
    deadline = references(caseworker_client.get(QUEUE, {"tab": "mine", "sort": "deadline"}))
    assert deadline == [board["mine"].reference, board["waiting"].reference], "cases without a deadline last"


@pytest.mark.django_db
def test_pagination_of_a_tab_counts_pages(caseworker_client, db):
    for _ in range(PAGE_SIZE + 3):
        make_case()
    first = caseworker_client.get(QUEUE)
    assert len(references(first)) == PAGE_SIZE
    assert "28 cases · page 1 of 2" in plain_text(first.content.decode())
    second = caseworker_client.get(QUEUE, {"page": 2})
    assert len(references(second)) == 3 and 'rel="next"' not in second.content.decode()
    assert len(references(caseworker_client.get(QUEUE, {"page": 99}))) == 3, "a page past the end shows the last"


@pytest.mark.django_db
def test_pagination_of_a_filtered_list_keeps_the_filters_without_counting(caseworker_client, db):
    for _ in range(PAGE_SIZE + 3):
        make_case(language="es")
    make_case(language="en")
    first = caseworker_client.get(QUEUE, {"language": "es"})
    assert len(references(first)) == PAGE_SIZE
    html = first.content.decode()
    assert "Cases matching the filters · page 1" in plain_text(html)
    next_link = re.search(r'href="(\?[^"]*page=2[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "language=es" in next_link
    second = caseworker_client.get(QUEUE + next_link)
    assert len(references(second)) == 3 and 'rel="next"' not in second.content.decode()


@pytest.mark.django_db
def test_an_htmx_request_gets_the_queue_fragment_only(caseworker_client, board):
    response = caseworker_client.get(QUEUE, {"tab": "mine"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue"') and "<html" not in html
    assert set(references(response)) == {board["mine"].reference, board["waiting"].reference}
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_claiming_from_the_queue_without_js_redirects_back_with_a_message(caseworker_client, board, caseworker):
    case = board["old"]
    back = f"{QUEUE}?tab=unassigned&language=es"
    response = caseworker_client.post(reverse("casework:claim", args=[case.reference]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert "You claimed" in caseworker_client.get(back).content.decode()
    assert Case.objects.get(pk=case.pk).assigned_to == caseworker


@pytest.mark.django_db
def test_claiming_from_the_queue_with_htmx_swaps_the_row_and_updates_counts(
    client, board, caseworker, other_caseworker
):
    case = board["old"]
    services.case_claim(case=case, actor=other_caseworker, origin=ORIGIN)  # Robin was faster
    client.force_login(caseworker)
    response = client.post(
        reverse("casework:claim", args=[case.reference]),
        {"from": "queue", "next": "https://evil.example/"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="row-{case.reference}"')
    assert "Robin claimed this case first" in html
    assert 'id="count-unassigned" hx-swap-oob="true">1<' in html

    urgent = board["urgent"]
    response = client.post(
        reverse("casework:claim", args=[urgent.reference]), {"from": "queue"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "You claimed" in html and "<strong>You</strong>" in html
    assert 'id="count-mine" hx-swap-oob="true">3<' in html


@pytest.mark.django_db
def test_a_claim_never_redirects_to_another_site(caseworker_client, board):
    response = caseworker_client.post(
        reverse("casework:claim", args=[board["old"].reference]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("casework:case", args=[board["old"].reference])


@pytest.mark.django_db
def test_the_queue_query_count_does_not_grow_with_the_data(caseworker_client, caseworker, platform):
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert caseworker_client.get(QUEUE, params).status_code == 200
        return page_queries(captured)

    def seed(n: int) -> None:
        for i in range(n):
            case = make_case(assigned_to=caseworker if i % 2 else None, status="in_progress" if i % 2 else "new")
            make_request(case, platform, status="sent", deadline_in_hours=-1 if i % 3 else 10)

    seed(4)  # at least one case in each tab
    small = {tab: queries({"tab": tab}) for tab in ("unassigned", "mine", "overdue")}
    seed(60)
    large = {tab: queries({"tab": tab}) for tab in ("unassigned", "mine", "overdue")}
    assert small == large
    assert max(large.values()) <= 15
    assert queries({"tab": "unassigned", "platform": "examplegram", "priority": "normal"}) <= 15


@pytest.mark.django_db
def test_staff_pages_load_htmx_from_the_portal_configured_without_eval_or_inline_code(caseworker_client, board):
    response = caseworker_client.get(QUEUE)
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in script_src.replace("'wasm-unsafe-eval'", "")
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "no inline script"
    assert "style=" not in html and "<style" not in html, "no inline style"
    assert '<script type="module" src="/static/js/htmx-init.js">' in html
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1))
    assert (config["allowEval"], config["includeIndicatorStyles"], config["historyCacheSize"]) == (False, False, 0)
    init = (settings.BASE_DIR / "static/js/htmx-init.js").read_text()
    assert 'from "../vendor/htmx/htmx.esm.js"' in init and "allowEval: false" in init
    vendored = settings.BASE_DIR / "static/vendor/htmx"
    assert (vendored / "LICENSE").exists() and "htmx.org@2.0.11" in (vendored / "README.md").read_text()
    assert "export default htmx" in (vendored / "htmx.esm.js").read_text()
