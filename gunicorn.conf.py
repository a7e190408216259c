"""gunicorn settings for the portal's web service (docker-compose.yml and the Dockerfile use this file).

Command-line options (bind, workers, timeout) still win over these defaults.
"""

from __future__ import annotations

import os
import threading
import time

# numpy's OpenBLAS starts a thread pool when it is imported; under preload_app that import happens in the master,
# before the fork. The index uses no BLAS routine and a host runs one worker per core, so one BLAS thread (none
# started) costs nothing and leaves the master with no thread at all when it forks.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

wsgi_app = "helpline.wsgi:application"
bind = "0.0.0.0:8000"
workers = 3
timeout = 60
accesslog = "-"
# No query strings (a status lookup or a search could carry personal data) and no referrer or user agent.
access_log_format = "%(h)s %(m)s %(U)s %(s)s %(L)s"
# Django, every view module, numpy and the numba kernels are loaded once in the master (when_ready) and the
# workers are forked from it: their pages stay shared copy-on-write, so each worker adds its own heap, not
# another ~150 MB of code (issue 18: 4 workers cost at most 1.2x one). The bank index itself is still mapped
# per worker (post_worker_init). Code changes need a restart of the master (`kill -HUP` re-forks from the old
# code); the compose service restarts the container on deploy anyway.
preload_app = True
# gunicorn 27's control socket runs a thread in the master once the first workers are up; every worker forked
# later (a crashed worker's replacement) would be forked beside it. The portal does not use `gunicornc`.
control_socket_disable = True


def when_ready(server) -> None:
    """In the master, after the app is loaded and before the first fork: load what every worker would load.

    Nothing here may outlive the fork in a way the workers share: no open database connection (closed below;
    each worker opens its own on its first query) and no thread (numba's kernels here are not `parallel`, so no
    threading layer starts; the index's thread pool only lives during a query and warm_up builds with one
    thread). A thread left running would be missing in every worker, holding whatever lock it held at the fork.
    """
    if not server.cfg.preload_app:
        return  # each worker loads the app itself (a config that turns preloading off)
    from django.db import connections
    from django.urls import get_resolver

    from hashing.engine.index import warm_up

    started = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018  (imports every view module the URLconf names)
    warm_up()
    connections.close_all()
    extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if extra:
        raise RuntimeError(f"threads running in the gunicorn master before fork: {extra}")
    server.log.info("code and kernels loaded in the master in %.1f s", time.perf_counter() - started)


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
