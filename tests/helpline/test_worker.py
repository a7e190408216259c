"""A real Celery worker process, fed through Redis, does the work queued by the app."""

import pytest

from helpline.celery import app
from helpline.models import WorkerHeartbeat
from tests.services import celery_worker, wait_for


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_through_the_app_runs_in_a_real_worker_and_writes_the_database():
    assert not app.conf.task_always_eager, "this test must go through the broker"
    with celery_worker() as (process, queue):
        app.send_task("helpline.heartbeat", queue=queue)
        row = wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=60, what="the worker's heartbeat row")
        assert process.poll() is None
    assert row.beats == 1
