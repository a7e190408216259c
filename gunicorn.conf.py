"""gunicorn settings for the portal's web service (docker-compose.yml and the Dockerfile use this file).

Command-line options (bind, workers, timeout) still win over these defaults.
"""

from __future__ import annotations

import time

wsgi_app = "helpline.wsgi:application"
bind = "0.0.0.0:8000"
workers = 3
timeout = 60
accesslog = "-"
# No query strings (a status lookup or a search could carry personal data) and no referrer or user agent.
access_log_format = "%(h)s %(m)s %(U)s %(s)s %(L)s"


def post_worker_init(worker) -> None:
    """Build the hash bank's matching indexes before this worker takes its first request.

    Without this, the first partner match after a start waits for the index build (seconds for a bank of
    a million entries), and a client with a short timeout fails. The numba kernels are compiled when the
    environment is installed (`make venv`, the image build), so here they only load from the cache.
    """
    from django.db import connections

    from hashing.bank.live import live_index, live_indexes_warm

    started = time.perf_counter()
    built = live_indexes_warm()
    connections.close_all()  # opened in the worker's start-up thread; requests open their own
    # Whether this worker built the host's shared snapshot or mapped one another process wrote.
    sources = {name: "built" if live_index(name).builds else "mapped" for name in built}
    worker.log.info(
        "bank indexes ready in %.1f s (%s)",
        time.perf_counter() - started,
        ", ".join(f"{name} {seconds:.1f} s, snapshot {sources[name]}" for name, seconds in built.items())
        or "not built",
    )
