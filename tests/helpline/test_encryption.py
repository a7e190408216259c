"""Personal data is encrypted at rest: the raw row holds no plaintext."""

import pytest
from django.db import connection

from cases.models import Case


@pytest.mark.django_db
def test_contact_details_are_not_stored_in_plaintext():
    case = Case.objects.create(pin_hash="x", contact_name="Alex Example", contact_email="alex@example.org")
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_name, contact_email FROM cases_case WHERE id = %s", [case.pk])
        raw_name, raw_email = cursor.fetchone()
    assert "Alex" not in raw_name and "alex@" not in raw_email
    assert raw_name.startswith("fernet:")
    reloaded = Case.objects.get(pk=case.pk)
    assert (reloaded.contact_name, reloaded.contact_email) == ("Alex Example", "alex@example.org")


@pytest.mark.django_db
def test_an_empty_value_stays_empty():
    case = Case.objects.create(pin_hash="x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM cases_case WHERE id = %s", [case.pk])
        assert cursor.fetchone()[0] == ""
