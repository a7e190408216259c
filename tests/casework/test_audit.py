"""The audit log: every view of a victim's details is recorded (who, when, what, from where, no PII values),
and supervisors can browse and filter the log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework import services
from cases.casework.audit import Origin, audit_record
from cases.casework.models import AuditRecord
from tests.casework.conftest import VICTIM, make_case

ORIGIN = Origin(ip="127.0.0.1", user_agent="pytest")
BROWSER = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Mozilla/5.0 (caseworker laptop)"}


def pii_views():
    return list(AuditRecord.objects.filter(action=AuditRecord.Action.CASE_VIEW_PII).order_by("at", "id"))


@pytest.mark.django_db
def test_every_view_of_victim_details_writes_an_audit_record(client, caseworker, supervisor):
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    url = reverse("casework:case", args=[case.reference])
    for user in (caseworker, caseworker, supervisor):
        client.force_login(user)
        assert client.get(url, **BROWSER).status_code == 200
    records = pii_views()
    assert [r.actor for r in records] == [caseworker, caseworker, supervisor]
    record = records[0]
    assert (record.case_id, record.case_reference, record.ip, record.user_agent) == (
        case.pk,
        case.reference,
        "192.0.2.44",
        "Mozilla/5.0 (caseworker laptop)",
    )
    assert record.actor_email == caseworker.email and record.at is not None
    assert set(record.detail["shown"]) >= {
        "contact_name",
        "contact_email",
        "contact_phone",
        "safe_contact",
        "description",
    }
    text = json.dumps(record.detail)
    for value in VICTIM.values():
        assert value not in text


@pytest.mark.django_db
def test_a_page_without_victim_details_writes_no_pii_view_record(client, caseworker, other_caseworker):
    case = make_case()
    services.case_claim(case=case, actor=other_caseworker, origin=ORIGIN)
    client.force_login(caseworker)
    client.get(reverse("casework:case", args=[case.reference]))
    client.get(reverse("casework:queue"))
    assert pii_views() == []


@pytest.mark.django_db
def test_a_failed_form_that_shows_the_page_again_is_recorded_too(client, caseworker):
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    client.force_login(caseworker)
    response = client.post(reverse("casework:note_add", args=[case.reference]), {"text": ""})
    assert response.status_code == 400 and "Alex Example" in response.content.decode()
    assert len(pii_views()) == 1


@pytest.mark.django_db
def test_a_supervisor_browses_and_filters_the_audit_log(client, supervisor, caseworker, other_caseworker):
    first, second = make_case(), make_case()
    services.case_claim(case=first, actor=caseworker, origin=Origin(ip="192.0.2.1"))
    services.case_claim(case=second, actor=other_caseworker, origin=Origin(ip="192.0.2.2"))
    services.note_add(case=first, text="private words", actor=caseworker, origin=ORIGIN)
    client.force_login(supervisor)
    url = reverse("casework:audit")

    def rows(**params) -> str:
        response = client.get(url, params)
        assert response.status_code == 200
        return response.content.decode()

    everything = rows()
    assert first.reference in everything and second.reference in everything
    assert "private words" not in everything
    by_actor = rows(actor=str(other_caseworker.pk))
    assert second.reference in by_actor and first.reference not in by_actor
    by_case = rows(reference=first.reference.lower())
    assert "<td>Added internal note</td>" in by_case and second.reference not in by_case
    by_action = rows(action="note.add")
    assert first.reference in by_action and "<td>Claimed case</td>" not in by_action
    assert second.reference in rows(ip="192.0.2.2") and first.reference not in rows(ip="192.0.2.2")
    today = timezone.localdate()
    assert first.reference in rows(since=today.isoformat(), until=today.isoformat())
    assert first.reference not in rows(until=(today - timedelta(days=1)).isoformat())


@pytest.mark.django_db
def test_the_audit_log_pages_without_counting_everything(client, supervisor):
    for _ in range(55):
        audit_record(action=AuditRecord.Action.OTHER, actor=supervisor, origin=ORIGIN)
    client.force_login(supervisor)
    first = client.get(reverse("casework:audit")).content.decode()
    assert first.count("<tr>") == 1 + 50 and 'rel="next"' in first
    second = client.get(reverse("casework:audit"), {"page": 2}).content.decode()
    assert second.count("<tr>") == 1 + 5 and 'rel="next"' not in second
