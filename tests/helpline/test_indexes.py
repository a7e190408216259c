"""Indexes in model state are the indexes in the database: for every Meta index, PostgreSQL holds an index of that
name whose definition is the one Django would create from the model (built under another name and compared)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, transaction

pytestmark = pytest.mark.django_db

# Built by SQL migrations before Django could say them, then adopted into model state without being built again
# (cases 0008, removals 0007, casework 0010): the ones that could drift from their Meta description.
ADOPTED = {
    "casework_queue_open_idx",
    "casework_queue_unassigned_idx",
    "casework_queue_mine_idx",
    "casework_queue_finished_idx",
    "casework_overdue_idx",
    "reporting_case_closed_idx",
    "reporting_case_created_idx",
    "reporting_event_staff_idx",
    "reporting_request_awaiting_idx",
    "reporting_assignment_to_idx",
}


def _definition(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(c.oid) FROM pg_class c WHERE c.relname = %s AND c.relkind = 'i'", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def _model_indexes():
    for model in apps.get_models():
        for index in model._meta.indexes:
            yield model, index


def test_every_adopted_index_is_declared_on_its_model():
    declared = {index.name for _model, index in _model_indexes()}
    assert ADOPTED <= declared


@pytest.mark.parametrize("name", sorted(ADOPTED))
def test_the_database_index_is_the_one_the_model_describes(name):
    model, index = next((m, i) for m, i in _model_indexes() if i.name == name)
    actual = _definition(name)
    assert actual is not None, f"{name} is in model state but not in the database"
    probe = f"probe_{abs(hash(name)) % 10**8}_idx"
    twin = index.clone()
    twin.name = probe
    with transaction.atomic():
        with connection.schema_editor(atomic=False) as editor:
            editor.execute(twin.create_sql(model, editor))
        expected = _definition(probe)
        transaction.set_rollback(True)  # the probe index goes with the rollback
    assert actual.replace(name, "NAME") == expected.replace(probe, "NAME")
