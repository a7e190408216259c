"""Brute force in parallel: twelve wrong PINs at once on one reference still lock it after exactly five."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection

from cases.intake.services import case_file
from cases.models import CaseEvent
from cases.status.services import victim_sign_in
from tests.cases.helpers import fingerprint


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_pins_lock_the_reference_once_after_exactly_five():
    cache.clear()
    filed = case_file(
        draft={"safety": {"age": "adult", "filed_by": "self"}, "images": {"hashes": [fingerprint(1)]}}, language="en"
    )
    start = threading.Barrier(12)
    results = []

    def guess(n: int) -> None:
        try:
            start.wait()
            results.append(victim_sign_in(reference=filed.case.reference, pin=f"{900000 + n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 12 and all(result.case is None for result in results)
    # Attempts were serialised on the case row: four plain failures, then the fifth locks, then only "locked".
    assert sum(not result.locked for result in results) == 4
    assert CaseEvent.objects.filter(case=filed.case, kind="status_locked").count() == 1
    assert victim_sign_in(reference=filed.case.reference, pin=filed.pin).locked
    cache.clear()
