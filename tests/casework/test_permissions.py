"""Who sees what: PII only for the assigned caseworker and supervisors; supervisor pages; an untouchable audit log."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from cases.casework import services
from cases.casework.audit import Origin, audit_record
from cases.casework.models import AppendOnlyError, AuditRecord
from cases.models import Case
from tests.casework.conftest import VICTIM, make_case
from tests.conftest import make_staff

ORIGIN = Origin(ip="127.0.0.1", user_agent="pytest")


def page_text(response) -> str:
    return response.content.decode()


def assert_shows_no_pii(html: str) -> None:
    for value in VICTIM.values():
        assert value not in html, value
    assert "tulip" not in html  # the code word
    assert "weekdays 9-12" not in html  # the safe times


@pytest.mark.django_db
def test_a_caseworker_cannot_read_the_pii_of_a_case_assigned_to_another(client, caseworker, other_caseworker):
    case = make_case()
    services.case_claim(case=case, actor=other_caseworker, origin=ORIGIN)
    client.force_login(caseworker)
    response = client.get(reverse("casework:case", args=[case.reference]))
    assert response.status_code == 200
    html = page_text(response)
    assert case.reference in html and "shown only to the caseworker assigned" in html
    assert_shows_no_pii(html)
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.CASE_VIEW_PII).exists()


@pytest.mark.django_db
def test_the_pii_of_an_unassigned_case_stays_hidden_until_it_is_claimed(client, caseworker):
    case = make_case()
    client.force_login(caseworker)
    assert_shows_no_pii(page_text(client.get(reverse("casework:case", args=[case.reference]))))
    client.post(reverse("casework:claim", args=[case.reference]))
    html = page_text(client.get(reverse("casework:case", args=[case.reference])))
    for value in VICTIM.values():
        assert value in html


@pytest.mark.django_db
def test_the_assigned_caseworker_and_a_supervisor_see_the_pii(client, caseworker, supervisor):
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    for user in (caseworker, supervisor):
        client.force_login(user)
        html = page_text(client.get(reverse("casework:case", args=[case.reference])))
        assert "Alex Example" in html and "alex.victim@example.org" in html and "tulip" in html


@pytest.mark.django_db
def test_a_caseworker_cannot_act_on_a_case_assigned_to_another(client, caseworker, other_caseworker):
    case = make_case()
    services.case_claim(case=case, actor=other_caseworker, origin=ORIGIN)
    client.force_login(caseworker)
    for name, data in [
        ("casework:status", {"status": "waiting_on_victim"}),
        ("casework:note_add", {"text": "hello"}),
        ("casework:message_send", {"body": "hello"}),
    ]:
        assert client.post(reverse(name, args=[case.reference]), data).status_code == 403, name
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and not case.notes.exists()


@pytest.mark.django_db
def test_a_caseworker_cannot_reach_supervisor_pages(client, caseworker, other_caseworker):
    case = make_case()
    client.force_login(caseworker)
    assert client.get(reverse("casework:audit")).status_code == 403
    assert client.get(reverse("casework:assign", args=[case.reference])).status_code == 403
    response = client.post(reverse("casework:assign", args=[case.reference]), {"assignee": str(other_caseworker.pk)})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).assigned_to is None
    assert client.get("/admin/").status_code == 302  # not staff for the admin: sent to its sign-in


@pytest.mark.django_db
def test_a_supervisor_reaches_the_audit_log_and_assigns(client, supervisor, caseworker):
    case = make_case()
    client.force_login(supervisor)
    assert client.get(reverse("casework:audit")).status_code == 200
    response = client.post(reverse("casework:assign", args=[case.reference]), {"assignee": str(caseworker.pk)})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assigned_to == caseworker


@pytest.mark.django_db
def test_a_caseworker_cannot_touch_audit_records(client, caseworker):
    record = audit_record(action=AuditRecord.Action.OTHER, actor=caseworker, origin=ORIGIN)
    client.force_login(caseworker)
    # No portal URL changes or deletes a record, and the admin is closed to caseworkers.
    for url in (
        f"/admin/casework/auditrecord/{record.pk}/change/",
        f"/admin/casework/auditrecord/{record.pk}/delete/",
        "/admin/casework/auditrecord/",
    ):
        assert client.get(url).status_code == 302
        assert client.post(url, {"post": "yes", "action": "other"}).status_code == 302
    assert client.post(reverse("casework:audit"), {"action": "other"}).status_code in (403, 405)
    assert AuditRecord.objects.get(pk=record.pk).action == AuditRecord.Action.OTHER


@pytest.mark.django_db
def test_nobody_can_change_or_delete_audit_records_in_the_admin_not_even_a_superuser(django_user_model):
    root = django_user_model.objects.create_superuser(email="root@helpline.test", password="x" * 20)
    request = RequestFactory().get("/admin/")
    request.user = root
    model_admin = admin.site._registry[AuditRecord]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    codenames = set(
        Permission.objects.filter(content_type__app_label="casework", codename__endswith="_auditrecord").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditrecord"}, "no add, change or delete permission exists to be granted"


@pytest.mark.django_db
def test_the_model_refuses_to_change_or_delete_a_record(caseworker):
    record = audit_record(action=AuditRecord.Action.OTHER, actor=caseworker, origin=ORIGIN)
    record.action = AuditRecord.Action.CASE_CLAIM
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).update(action="other")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casework_auditrecord SET action = 'other', ip = NULL WHERE id = %s",
        "DELETE FROM casework_auditrecord WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_record(caseworker, statement):
    record = audit_record(action=AuditRecord.Action.CASE_CLAIM, actor=caseworker, origin=ORIGIN)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [record.pk])
    assert AuditRecord.objects.get(pk=record.pk).action == AuditRecord.Action.CASE_CLAIM


@pytest.mark.django_db
def test_a_staff_member_without_a_role_cannot_claim(client):
    outsider = make_staff("someone@helpline.test", "caseworker")
    outsider.groups.clear()
    case = make_case()
    client.force_login(outsider)
    assert client.post(reverse("casework:claim", args=[case.reference])).status_code == 403
    assert client.get(reverse("casework:queue")).status_code == 403
