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


def test_every_task_has_a_soft_and_a_hard_time_limit_inside_the_brokers_redelivery_window():
    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {"removals.recheck_url", "cases.retention_run", "helpline.heartbeat"} <= set(ours)
    redelivery = app.conf.broker_transport_options["visibility_timeout"]
    for name, task in ours.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, f"{name} has no time limit"
        # The soft limit comes first so the task can release what it claimed; a task still running when the
        # broker redelivers it would run twice at once.
        assert soft < hard < redelivery, name
