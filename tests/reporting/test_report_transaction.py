"""A page's tables are read in one read-only snapshot, without JIT."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.reporting.selectors import report_transaction


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_page_reads_in_one_read_only_repeatable_read_snapshot_without_jit():
    with report_transaction():
        assert _show("transaction_isolation") == "repeatable read"
        assert _show("transaction_read_only") == "on"
        assert _show("jit") == "off"
        assert _show("work_mem") == "64MB"
    # Local to that transaction: the connection is back to its defaults.
    assert _show("transaction_read_only") == "off"
    assert _show("work_mem") != "64MB"


def test_inside_an_outer_transaction_the_settings_still_apply(db):
    with report_transaction():
        assert _show("jit") == "off"
