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
