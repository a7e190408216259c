"""The case page shows who is who: the person pictured (a victim detail, audited), who filed, who took the
images, the country, and whether requests are held for evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.models import AuditRecord
from cases.models import Case
from tests.casework.conftest import make_case, plain_text


@pytest.mark.django_db
def test_the_case_page_shows_who_is_who_and_audits_the_pictured_persons_name(caseworker, caseworker_client):
    case = make_case(
        filed_by=Case.Filer.AUTHORISED,
        person_name="Sam Pictured",
        images_taken_by=Case.TakenBy.SOMEONE_ELSE,
        country="DE",
        police=Case.Police.YES,
    )
    services.case_claim(case=case, actor=caseworker, origin=Origin(ip="127.0.0.1"))
    text = plain_text(caseworker_client.get(reverse("casework:case", args=[case.reference])).content.decode())
    assert "Person pictured Sam Pictured" in text
    assert "Filed by Someone authorised to act for them" in text
    assert "Images taken by Someone else" in text and "Country DE" in text
    assert "requests held until evidence is confirmed" in text
    read = AuditRecord.objects.filter(case=case, action=AuditRecord.Action.CASE_VIEW_PII).last()
    assert "person_name" in str(read.detail)


@pytest.mark.django_db
def test_another_caseworker_does_not_see_the_pictured_persons_name(caseworker, other_caseworker, client):
    case = make_case(person_name="Sam Pictured")
    services.case_claim(case=case, actor=caseworker, origin=Origin(ip="127.0.0.1"))
    client.force_login(other_caseworker)
    assert "Sam Pictured" not in client.get(reverse("casework:case", args=[case.reference])).content.decode()
