"""Each web process's index follows the database: built once, then caught up from the change sequence, so two
processes agree without rebuilding; and the clock lock makes changes visible in sequence order."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from cases.bank_sync import bank_sync_case
from hashing.bank.live import LiveIndex
from hashing.engine.index import PdqIndex, PhashIndex
from hashing.models import BankClock, BankEntry, BankStatus, SignalType
from tests.hashing.bank_helpers import flip_bits, image_hashes, make_case, random_hex, withdraw_consent
from tests.services import wait_for


def two_processes() -> tuple[LiveIndex, LiveIndex]:
    """Two indexes as two web processes would hold them: nothing shared but the database."""
    return LiveIndex(SignalType.IMAGE_PDQ, PdqIndex), LiveIndex(SignalType.IMAGE_PDQ, PdqIndex)


def found(index: LiveIndex, hex_value: str, threshold: int = 31) -> list[int]:
    return [match.entry_id for match in index.query([hex_value], threshold)[0]]


@pytest.mark.django_db
def test_two_processes_see_a_change_made_through_the_database_without_rebuilding():
    first = image_hashes()
    make_case(files=[first])
    one, two = two_processes()
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=first["pdq"])
    assert found(one, first["pdq"]) == found(two, first["pdq"]) == [entry.pk]

    second = image_hashes()
    case = make_case(files=[second])
    rotated = flip_bits(second["pdq_dihedral"][2], 7, seed=8)
    new_entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=second["pdq"])
    assert found(one, rotated) == found(two, rotated) == [new_entry.pk]

    withdraw_consent(case)
    assert found(one, second["pdq"]) == found(two, second["pdq"]) == []
    assert found(one, first["pdq"]) == [entry.pk]
    assert (one.rebuilds, two.rebuilds) == (1, 1)
    assert one.last_seq == two.last_seq == BankClock.objects.get().value


@pytest.mark.django_db
def test_an_index_with_nothing_new_to_read_asks_the_database_one_cheap_question(django_assert_num_queries):
    image = image_hashes()
    make_case(files=[image])
    index, _other = two_processes()
    index.refresh()
    with django_assert_num_queries(1) as context:
        assert found(index, image["pdq"]) != []
    assert "hashing_bankclock" in context.captured_queries[0]["sql"]
    make_case(files=[image_hashes()])
    with django_assert_num_queries(2) as context:
        index.refresh()
    assert '"seq" >' in context.captured_queries[1]["sql"]


@pytest.mark.django_db
def test_a_recreated_bank_is_noticed_and_the_index_rebuilt():
    image = image_hashes()
    make_case(files=[image])
    index, _other = two_processes()
    assert found(index, image["pdq"]) != []
    BankEntry.objects.all().delete()
    BankClock.objects.all().delete()
    assert found(index, image["pdq"]) == []
    assert index.rebuilds == 2


@pytest.mark.django_db
def test_the_phash_index_follows_the_bank_the_same_way():
    image = image_hashes()
    case = make_case(files=[image])
    index = LiveIndex(SignalType.PHASH, PhashIndex)
    near = flip_bits(image["phash"], 10, seed=9)
    assert len(index.query([near], 10)[0]) == 1
    withdraw_consent(case)
    assert index.query([near], 10)[0] == []


@pytest.mark.django_db
def test_an_entry_without_variants_is_matched_by_its_own_value():
    image = image_hashes(pdq_dihedral=[])
    make_case(files=[image])
    index, _other = two_processes()
    assert len(found(index, flip_bits(image["pdq"], 3))) == 1
    assert found(index, random_hex(64)) == []


def _backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is a snapshot taken at first read: clear it to see the present.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_so_changes_commit_in_sequence_order():
    """The race the clock lock prevents: B allocating a later seq and committing before A, so a reader that has
    seen B's seq would never go back for A's."""
    case_a = make_case(files=[image_hashes()], sync=False)
    case_b = make_case(files=[image_hashes()], sync=False)
    a_locked, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer(case, before_commit=None, done=None):
        try:
            with transaction.atomic():
                bank_sync_case(case=case)
                if before_commit:
                    before_commit()
            if done:
                done.set()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def hold_a():
        a_locked.set()
        release_a.wait(10)

    thread_a = threading.Thread(target=writer, args=(case_a, hold_a))
    thread_a.start()
    assert a_locked.wait(10)
    thread_b = threading.Thread(target=writer, args=(case_b, None, b_done))
    thread_b.start()
    # B is blocked on a lock held by A's open transaction (the clock row), not merely slow to start.
    wait_for(lambda: _backends_waiting_on_a_lock() > 0, timeout=10, what="B to wait on A's lock")
    assert not b_done.is_set(), "B must wait for A's transaction to end"
    assert not BankEntry.objects.exists(), "A's uncommitted entries are invisible"
    release_a.set()
    thread_a.join(10)
    thread_b.join(10)
    assert not errors, errors
    a_seqs = BankEntry.objects.filter(case_links__case=case_a).values_list("seq", flat=True)
    b_seqs = BankEntry.objects.filter(case_links__case=case_b).values_list("seq", flat=True)
    assert max(a_seqs) < min(b_seqs)
    assert set(BankEntry.objects.values_list("status", flat=True)) == {BankStatus.ACTIVE}


@pytest.mark.django_db
def test_warming_at_worker_start_builds_every_index_so_the_first_match_only_checks_the_clock(
    django_assert_num_queries, monkeypatch
):
    from hashing.bank import live

    image = image_hashes()
    make_case(files=[image])
    monkeypatch.setattr(live, "_process_indexes", {})  # a freshly started worker process
    seconds = live.live_indexes_warm()
    assert set(seconds) == {SignalType.IMAGE_PDQ, SignalType.PHASH, SignalType.VPDQ}
    pdq = live.live_index(SignalType.IMAGE_PDQ)
    assert pdq.rebuilds == 1 and live.live_index(SignalType.PHASH).rebuilds == 1
    assert live.live_index(SignalType.VPDQ).rebuilds == 1
    with django_assert_num_queries(1):  # the clock read only: no build on the first match
        assert found(pdq, image["pdq"]) != []
    assert pdq.rebuilds == 1


def test_a_worker_starts_even_when_the_bank_cannot_be_read(monkeypatch, caplog):
    from django.db import OperationalError

    from hashing.bank import live

    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(live, "_process_indexes", {})
    monkeypatch.setattr(live.LiveIndex, "refresh", lambda self: unreachable())
    assert live.live_indexes_warm() == {}
    assert "built on first use" in caplog.text
