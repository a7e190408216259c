"""Project-level pages: the public home page and the health check."""

from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    return render(request, "home.html")


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the detail stays in the log, not the page
        return {"ok": False, "error": type(exc).__name__}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "in-process"}
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True, "mode": "redis"}
    except redis.RedisError as exc:
        return {"ok": False, "mode": "redis", "error": type(exc).__name__}


# /healthz is public: each call must not write to storage. The write-read-delete probe runs at most once per
# HEALTHZ_STORAGE_SECONDS per process and storage configuration; calls in between get its last answer.
HEALTHZ_STORAGE_SECONDS = 10.0
_storage_probe: dict[str, tuple[float, dict]] = {}
_storage_probe_lock = threading.Lock()


def _probe_storage() -> dict:
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        with default_storage.open(saved) as handle:
            readable = handle.read() == b"ok"
        default_storage.delete(saved)
        return {"ok": readable, "backend": type(default_storage._wrapped).__name__}
    except Exception as exc:  # botocore, OSError, ... : report down without detail
        return {"ok": False, "error": type(exc).__name__}


def _check_storage() -> dict:
    configuration = repr(settings.STORAGES.get("default"))
    with _storage_probe_lock:  # concurrent health checks wait for one probe rather than each making their own
        probed_at, result = _storage_probe.get(configuration, (None, None))
        if probed_at is None or time.monotonic() - probed_at >= HEALTHZ_STORAGE_SECONDS:
            result = _probe_storage()
            _storage_probe[configuration] = (time.monotonic(), result)
    return result


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker(), "storage": _check_storage()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def _database_errors() -> tuple[type[BaseException], ...]:
    from django.db import DatabaseError, InterfaceError, OperationalError

    return (OperationalError, InterfaceError, DatabaseError)


def server_error(request, *args, **kwargs):
    """The 500 handler. When the database is unreachable the person sees a calm 503 instead; neither
    page shows a stack trace, and neither touches the database or the session (which may be down)."""
    import sys

    from django.http import HttpResponse
    from django.template import loader

    error = sys.exc_info()[1]
    if isinstance(error, _database_errors()):
        body = loader.get_template("errors/503.html").render({"SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "60"
        return response
    body = loader.get_template("errors/500.html").render({"SITE_NAME": settings.SITE_NAME})
    return HttpResponse(body, status=500)
