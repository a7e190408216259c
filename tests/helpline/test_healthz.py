"""GET /healthz reports database, broker and storage health, 200 when all are up, 503 otherwise."""

import pytest
from django.test import override_settings

from tests.services import free_port


@pytest.mark.services
@pytest.mark.django_db
def test_healthz_is_ok_with_the_real_services(client, settings):
    assert settings.REDIS_URL, "run the suite with REDIS_URL set (see README)"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"] == {"ok": True, "mode": "redis"}
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_503_when_storage_fails(client, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a folder should be")
    storages = {
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(blocked)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


@pytest.mark.django_db
def test_many_public_health_checks_make_one_storage_write(client, monkeypatch):
    # Finding 14: each public GET /healthz wrote and deleted an object in storage; anyone could make it write
    # without limit. The probe now runs once per HEALTHZ_STORAGE_SECONDS and its answer is reused meanwhile.
    from django.core.files.storage import default_storage

    from helpline import views

    monkeypatch.setattr(views, "_storage_probe", {})
    writes = []
    real_save = default_storage.save
    monkeypatch.setattr(default_storage, "save", lambda *a, **k: writes.append(a[0]) or real_save(*a, **k))
    answers = [client.get("/healthz") for _ in range(25)]
    assert {a.status_code for a in answers} == {200}
    assert all(a.json()["checks"]["storage"]["ok"] for a in answers)
    assert len(writes) == 1, writes
    # Once the interval has passed, the next check probes again.
    monkeypatch.setattr(views, "HEALTHZ_STORAGE_SECONDS", 0.0)
    client.get("/healthz")
    assert len(writes) == 2
