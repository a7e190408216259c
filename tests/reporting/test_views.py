"""The report pages: who may open them, what a caseworker sees of their own, the period form, flat query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.reporting import reports
from tests.reporting import expected

pytestmark = pytest.mark.usefixtures("report_clock")

SUPERVISOR_PAGES = ["reporting:cases", "reporting:removals", "reporting:queue", "reporting:bank"]
PERIOD = {"start": "2026-01-07", "end": "2026-03-15"}


def table_cells(html: str, slug: str) -> list[list[str]]:
    """The text of every row (header cell first) of one report table on a page."""
    table = re.search(rf'<table class="table report-table" id="table-{slug}">(.*?)</table>', html, re.S).group(1)
    body = table.split("</thead>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


@pytest.mark.parametrize("name", SUPERVISOR_PAGES)
def test_a_caseworker_cannot_open_the_supervisor_reports(caseworker_client, name):
    assert caseworker_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("slug", sorted(reports.EXPORTS))
def test_a_caseworker_cannot_download_the_supervisor_exports(caseworker_client, slug):
    assert caseworker_client.get(reverse("reporting:export", args=[slug])).status_code == 403
    assert caseworker_client.get(reverse("reporting:export_external", args=[slug])).status_code == 403


@pytest.mark.parametrize("name", [*SUPERVISOR_PAGES, "reporting:mine"])
def test_signed_out_visitors_are_sent_to_sign_in_and_staff_without_mfa_to_enrol(nomfa_client, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = nomfa_client.get(reverse(name))
    assert response.status_code == 302 and "2fa" in response["Location"]


@pytest.mark.parametrize("name", SUPERVISOR_PAGES)
def test_a_supervisor_opens_every_report_page_with_its_tables_and_charts(supervisor_client, data, name):
    response = supervisor_client.get(reverse(name), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    page = next(p for p in reports.SUPERVISOR_PAGES.values() if f"reporting:{p.name}" == name)
    assert f"<h1>{page.title}</h1>" in html
    for presented in response.context["tables"]:
        slug = presented.table.slug
        assert f'id="table-{slug}"' in html
        assert reverse("reporting:export", args=[slug]) + "?start=2026-01-07&amp;end=2026-03-15" in html
        if presented.chart:
            assert f'data-chart="chart-data-{slug}"' in html
            assert f'<script id="chart-data-{slug}" type="application/json">' in html
    assert "<script>" not in html  # nothing inline that the CSP would have to allow


def test_the_page_table_shows_the_same_figures_as_the_selector(supervisor_client, data):
    html = supervisor_client.get(reverse("reporting:removals"), PERIOD).content.decode()
    rows = table_cells(html, "removals-platforms")
    want, total = expected.outcome_tables(data)["platforms"]
    by_name = {row[0]: row for row in rows}
    for name, figures in want.items():
        assert by_name[name][1:8] == [
            str(figures[k]) for k in ("sent", "removed", "refused", "pending", "follow_up_due", "overdue", "closed")
        ]
        assert by_name[name][8] == f"{figures['removal_rate']}%"
        assert by_name[name][9] == f"{figures['median_hours']:.1f}"
    assert by_name["Total"][1] == str(total["sent"])


def test_slowest_requests_link_to_the_staff_case_page(supervisor_client, data):
    html = supervisor_client.get(reverse("reporting:removals"), PERIOD).content.decode()
    first = next(r for r in data.requests if r.pk == expected.slowest(data)[0])
    reference = next(c for c in data.cases if c.key == first.case).pk
    from cases.models import Case

    case_reference = Case.objects.get(pk=reference).reference
    assert f'<a href="{reverse("casework:case", args=[case_reference])}">RR-{first.pk:06d}</a>' in html
    assert "Victim Name" not in html and "victim@example.org" not in html


def test_a_caseworker_sees_only_their_own_figures(client, data, staff):
    for who in ("cw1", "cw2"):
        client.force_login(staff[who])
        response = client.get(reverse("reporting:mine"), PERIOD)
        assert response.status_code == 200
        html = response.content.decode()
        held = expected.own_held(data, who)
        assert table_cells(html, "mine-held")[-1] == ["All"] + [
            str(held["All"][k]) for k in ("open", "new", "in_progress", "waiting")
        ]
        _weeks, total = expected.own_weekly(data, who)
        assert table_cells(html, "mine-weekly")[-1] == ["Total"] + [
            str(total[k]) for k in ("taken", "resolved", "closed", "sent")
        ]
        _platforms, platforms_total = expected.outcome_tables(data, who)["platforms"]
        assert table_cells(html, "mine-platforms")[-1][1] == str(platforms_total["sent"])
        # Nobody else's name, and no link to the supervisor pages.
        others = [str(staff[k]) for k in ("cw1", "cw2", "sup") if k != who]
        assert not any(re.search(rf"\b{name}\b", html.split("<main", 1)[1]) for name in others)
        assert reverse("reporting:removals") not in html
    mine = expected.own_weekly(data, "cw1")[1]
    theirs = expected.own_weekly(data, "cw2")[1]
    assert mine != theirs  # the two pages could not be the same by accident


def test_a_caseworkers_own_export_holds_only_their_figures(client, data, staff):
    client.force_login(staff["cw2"])
    body = client.get(reverse("reporting:own_export", args=["mine-weekly"]), PERIOD).content.decode()
    total = body.strip().splitlines()[-1].split(",")
    want = expected.own_weekly(data, "cw2")[1]
    assert total == ["Total"] + [str(want[k]) for k in ("taken", "resolved", "closed", "sent")]
    assert client.get(reverse("reporting:own_export", args=["cases-weekly"]), PERIOD).status_code == 404


def test_a_supervisor_sees_their_own_figures_too(supervisor_client, data):
    assert supervisor_client.get(reverse("reporting:mine"), PERIOD).status_code == 200


def test_the_default_period_is_the_last_90_days(supervisor_client, db):
    response = supervisor_client.get(reverse("reporting:cases"))
    period = response.context["period"]
    assert (period.first_day.isoformat(), period.last_day.isoformat(), period.days) == ("2025-12-19", "2026-03-18", 90)
    assert "90 days" in response.content.decode()


def test_a_start_after_the_end_is_refused_in_plain_words_and_the_default_shown(supervisor_client, db):
    response = supervisor_client.get(reverse("reporting:cases"), {"start": "2026-03-01", "end": "2026-02-01"})
    assert response.status_code == 200
    assert "The start date is after the end date" in response.content.decode()
    assert response.context["period"].days == 90


def test_an_unknown_export_is_not_found(supervisor_client, db):
    assert supervisor_client.get(reverse("reporting:export", args=["nothing-here"])).status_code == 404


@pytest.mark.parametrize("name", [*SUPERVISOR_PAGES, "reporting:mine"])
def test_each_page_runs_a_fixed_number_of_queries_whatever_the_data(supervisor_client, supervisor, staff, name):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert supervisor_client.get(reverse(name), PERIOD).status_code == 200
        return len([q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    empty = queries()
    from tests.reporting import dataset

    dataset.insert(dataset.generate(), staff)
    assert queries() == empty
    assert empty <= 12
