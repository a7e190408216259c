"""The windowed counters behind every rate limit and lock-out: atomic under concurrency, a fixed window."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpline.counters import counter_clear, counter_hit, counter_value, counters_purge_expired
from helpline.models import WindowCounter


def test_the_sql_names_the_models_table():
    assert WindowCounter._meta.db_table == "helpline_windowcounter"


@pytest.mark.django_db
def test_the_window_is_set_by_the_first_hit_and_later_hits_do_not_move_it():
    start = timezone.now()
    first = counter_hit(key="k", window_seconds=3600, now=start)
    later = counter_hit(key="k", window_seconds=3600, now=start + timedelta(minutes=30))
    assert (first.count, later.count) == (1, 2)
    assert later.window_ends_at == first.window_ends_at == start + timedelta(hours=1)
    assert counter_value(key="k", now=start + timedelta(minutes=59)) == 2
    assert counter_value(key="k", now=start + timedelta(minutes=60)) == 0
    again = counter_hit(key="k", window_seconds=3600, now=start + timedelta(minutes=61))
    assert again.count == 1 and again.window_ends_at == start + timedelta(minutes=121)
    counter_clear(key="k")
    assert counter_value(key="k", now=start + timedelta(minutes=62)) == 0


@pytest.mark.django_db
def test_the_nightly_purge_removes_only_ended_windows():
    now = timezone.now()
    counter_hit(key="old", window_seconds=60, now=now - timedelta(minutes=5))
    counter_hit(key="live", window_seconds=60, now=now)
    assert counters_purge_expired(now=now) == 1
    assert list(WindowCounter.objects.values_list("key", flat=True)) == ["live"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_hits_from_many_connections_each_count_once():
    threads, counts, errors = 12, [], []
    barrier = threading.Barrier(threads)

    def hit():
        try:
            barrier.wait()
            counts.append(counter_hit(key="race", window_seconds=600).count)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=hit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(counts) == list(range(1, threads + 1))
    assert counter_value(key="race") == threads
