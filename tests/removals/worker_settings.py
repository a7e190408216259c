"""Settings for a test worker that re-checks a loopback server: private addresses allowed, and a fetch deadline so
long that only the task's time limits can stop a stalled check (see test_reliability's time-limit test)."""

from helpline.settings import *  # noqa: F403

RECHECK_ALLOW_PRIVATE_ADDRESSES = True
RECHECK_DEADLINE_SECONDS = 600
