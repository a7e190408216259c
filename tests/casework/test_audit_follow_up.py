"""One "Viewed victim details" per page view, not per redirect after an action (issue 16, item 20), and the
audit log's CSV export: supervisors only, filtered, audited, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.models import AuditRecord
from tests.casework.conftest import make_case

pytestmark = pytest.mark.django_db
ORIGIN = Origin(ip="127.0.0.1", user_agent="pytest")


def views_of(case) -> int:
    return AuditRecord.objects.filter(action=AuditRecord.Action.CASE_VIEW_PII, case_id=case.pk).count()


@pytest.fixture
def my_case(caseworker):
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    return case


def test_the_page_after_an_action_is_not_a_second_view_but_a_reload_is(caseworker_client, my_case):
    page = reverse("casework:case", args=[my_case.reference])
    assert caseworker_client.get(page).status_code == 200
    response = caseworker_client.post(reverse("casework:note_add", args=[my_case.reference]), {"text": "called"})
    assert response.status_code == 302 and response["Location"] == page
    assert caseworker_client.get(page).status_code == 200
    assert views_of(my_case) == 1
    assert caseworker_client.get(page).status_code == 200  # a page view of its own
    assert views_of(my_case) == 2


def test_the_follow_up_cannot_be_asked_for_by_the_client(caseworker_client, my_case):
    """The attack: reading a case without a record by claiming to follow an action. Only the server sets it."""
    page = reverse("casework:case", args=[my_case.reference])
    caseworker_client.get(page)
    caseworker_client.cookies["casework_follow_up"] = my_case.reference
    caseworker_client.get(page, {"casework_follow_up": my_case.reference}, HTTP_REFERER=page)
    assert views_of(my_case) == 2


def test_a_follow_up_counts_only_for_the_case_acted_on_and_only_once(caseworker_client, caseworker, my_case):
    other = make_case()
    services.case_claim(case=other, actor=caseworker, origin=ORIGIN)
    mine, theirs = (reverse("casework:case", args=[c.reference]) for c in (my_case, other))
    caseworker_client.get(mine)
    caseworker_client.get(theirs)
    caseworker_client.post(reverse("casework:note_add", args=[my_case.reference]), {"text": "called"})
    caseworker_client.get(theirs)  # another case: recorded, and the follow-up is spent
    caseworker_client.get(mine)
    assert (views_of(my_case), views_of(other)) == (2, 2)


def test_a_follow_up_long_after_the_last_view_is_recorded(caseworker_client, my_case, monkeypatch):
    page = reverse("casework:case", args=[my_case.reference])
    caseworker_client.get(page)
    caseworker_client.post(reverse("casework:note_add", args=[my_case.reference]), {"text": "called"})
    monkeypatch.setattr(services, "FOLLOW_UP_WINDOW", timedelta(0))  # the last view is now too old to stand in
    caseworker_client.get(page)
    assert views_of(my_case) == 2


def test_only_supervisors_export_the_log_and_every_export_is_recorded(client, caseworker, supervisor, my_case):
    url = reverse("casework:audit_export")
    client.force_login(caseworker)
    assert client.get(url).status_code == 403
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.AUDIT_EXPORT).exists()
    client.force_login(supervisor)
    response = client.get(url, {"action": "case.claim", "page": "3", "ip": "not an address"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[2] for row in rows[1:]] == ["Claimed case"]  # the filter applies, bad values are ignored
    export = AuditRecord.objects.get(action=AuditRecord.Action.AUDIT_EXPORT)
    assert export.actor_id == supervisor.pk and export.detail == {"filters": {"action": "case.claim"}, "rows": 1}
