"""Two caseworkers claim the same case at the same instant on PostgreSQL: exactly one gets it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.models import AuditRecord, CaseAssignment
from cases.models import Case, CaseEvent
from tests.casework.conftest import make_case
from tests.services import wait_for


def _claims_waiting_on_a_lock() -> int:
    with connections["default"].cursor() as cursor:
        # Inside a transaction pg_stat_activity is a snapshot taken at first read: clear it to see the present.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_claims_exactly_one_wins_and_the_other_sees_who(
    caseworker, other_caseworker, attempt, monkeypatch
):
    assert connection.vendor == "postgresql"
    case = make_case()
    # The winner holds its row lock (after its UPDATE, before COMMIT) until the other claim's UPDATE is seen
    # waiting on it, so that UPDATE surely runs while the first is uncommitted: it must wait, then find
    # assigned_to set.
    create = CaseAssignment.objects.create

    def slow_create(**kwargs):
        wait_for(lambda: _claims_waiting_on_a_lock() > 0, timeout=10, what="the other claim to wait on the row")
        return create(**kwargs)

    monkeypatch.setattr(CaseAssignment.objects, "create", slow_create)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def claim(user):
        try:
            start.wait(timeout=10)
            services.case_claim(case=Case.objects.get(pk=case.pk), actor=user, origin=Origin(ip="127.0.0.1"))
            outcomes[user.email] = "won"
        except services.ClaimRefused as refused:
            outcomes[user.email] = refused
        finally:
            connections.close_all()  # each thread has its own connection; close it before the thread ends

    threads = [threading.Thread(target=claim, args=(user,)) for user in (caseworker, other_caseworker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    winners = [email for email, outcome in outcomes.items() if outcome == "won"]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, services.ClaimRefused)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    winner = caseworker if winners[0] == caseworker.email else other_caseworker
    assert losers[0].holder == winner
    assert f"{winner} claimed this case first" in str(losers[0])
    assert Case.objects.get(pk=case.pk).assigned_to == winner
    assert CaseAssignment.objects.filter(case=case).count() == 1
    assert AuditRecord.objects.filter(case=case, action=AuditRecord.Action.CASE_CLAIM).count() == 1
    assert CaseEvent.objects.filter(case=case, kind="case_claimed").count() == 1
