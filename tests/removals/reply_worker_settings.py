"""Settings for the reply-polling worker test: beat runs inside the test worker, schedules the poll only, and the
poll goes to the test's private queue (nothing reaches a shared queue)."""

import os

from helpline.settings import *  # noqa: F403

CELERY_TASK_ROUTES = {"removals.poll_replies": {"queue": os.environ["REPLY_TEST_QUEUE"]}}
CELERY_BEAT_SCHEDULE = {
    "removals-poll-replies": {"task": "removals.poll_replies", "schedule": REPLY_IMAP_POLL_SECONDS}  # noqa: F405
}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ["REPLY_TEST_BEAT_FILE"]
