"""Two people move the same request at the same moment: exactly one move wins, on real PostgreSQL."""

import threading

import pytest
from django.db import connection

from cases.removals import drafting, services
from cases.removals.models import RemovalRequest, RequestTransition
from tests.removals.factories import make_case


def _race(actions):
    """Run each action in its own thread and connection, released together; return results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_two_caseworkers_moving_one_request_at_once_exactly_one_wins(
    platforms_tx, caseworker, other_caseworker, round_
):
    assert connection.vendor == "postgresql"
    case = make_case(urls=["https://instagram.com/p/1"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, kind="removal")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)

    results = _race(
        [
            lambda: services.removal_mark_sent(
                request_id=request.pk, actor=caseworker, expected_status="ready", ticket_number="A-1"
            ),
            lambda: services.removal_close(request_id=request.pk, actor=other_caseworker, expected_status="ready"),
        ]
    )
    wins = [r for r in results if isinstance(r, RemovalRequest)]
    losses = [r for r in results if isinstance(r, services.RemovalConflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    request.refresh_from_db()
    assert request.status == wins[0].status
    assert RequestTransition.objects.filter(request=request).exclude(from_status="drafted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_move_made_twice_at_once_is_recorded_once(platforms_tx, caseworker, other_caseworker):
    case = make_case(urls=["https://instagram.com/p/1"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, kind="removal")
    results = _race(
        [
            lambda u=user: services.removal_mark_ready(request_id=request.pk, actor=u)
            for user in (caseworker, other_caseworker)
        ]
    )
    assert sum(isinstance(r, RemovalRequest) for r in results) == 1, results
    assert RequestTransition.objects.filter(request=request, to_status="ready").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_drafting_runs_of_one_case_at_once_draft_each_request_once(platforms_tx):
    case = make_case(urls=["https://instagram.com/p/1", "https://x.com/a/status/1"])
    results = _race([lambda: drafting.draft_for_case(case_id=case.pk) for _ in range(3)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.created for r in results) == [0, 0, 5]
    assert RemovalRequest.objects.filter(case=case).count() == 5
