"""The cast every test can use: caseworkers, a supervisor, a staff account without MFA, and clients."""

from __future__ import annotations

import inspect
import os

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings

from helpline.staff import roles
from helpline.staff.services import staff_create
from tests import totp
from tests.browser import shared_chromium  # noqa: F401 - a fixture for every browser test

STAFF_PASSWORD = "correct-horse-battery-staple-42"

# A fast password hasher for the test run only (settings.py does not read hashers from the environment). Set on import,
# before the other conftests, some of which hash passwords when they load. Django is set up by now (pytest-django).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# What `make test-fast` leaves out, marked here from what a test really uses rather than by hand: `browser` when
# it opens Chromium (the shared_chromium fixture), `services` when it or one of its fixtures starts a process or
# server of its own (a Celery worker, gunicorn, moto's S3, a private Redis, Dovecot, the fault-injection portal).
_STARTS_A_SERVICE = ("celery_worker(", "s3_server(", "redis_server(", "start_dovecot(", "Popen(", "Portal(")


def _test_sources(item: pytest.Item):
    yield inspect.getsource(item.function)
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        for definition in definitions:
            if definition.func.__module__.startswith("tests"):
                yield inspect.getsource(definition.func)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        if "shared_chromium" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        if any(starter in source for source in _test_sources(item) for starter in _STARTS_A_SERVICE):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give every test run its own database, so runs sharing one PostgreSQL server never drop each
    other's test database."""
    from django.conf import settings

    for alias in settings.DATABASES.values():
        if alias["ENGINE"] == "django.db.backends.postgresql":
            base = alias.get("TEST", {}).get("NAME") or f"test_{alias['NAME']}"
            alias.setdefault("TEST", {})["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """Rate limits and lock-outs live in the (database) cache; each database test starts with none."""
    if request.node.get_closest_marker("django_db"):
        from django.core.cache import cache

        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            cache.clear()
    yield


def make_staff(email: str, role: str, *, mfa: bool = True):
    user = staff_create(email=email, role=role, password=STAFF_PASSWORD, first_name=email.split("@")[0].title())
    if mfa:
        secret = totp.new_secret()
        totp.enrol(user, secret)
        user.totp_secret = secret
    return user


@pytest.fixture
def caseworker(db):
    return make_staff("casey@helpline.test", roles.CASEWORKER)


@pytest.fixture
def other_caseworker(db):
    return make_staff("robin@helpline.test", roles.CASEWORKER)


@pytest.fixture
def supervisor(db):
    return make_staff("sam@helpline.test", roles.SUPERVISOR)


@pytest.fixture
def staff_without_mfa(db):
    user = make_staff("nomfa@helpline.test", roles.CASEWORKER, mfa=False)
    assert not Authenticator.objects.filter(user=user).exists()
    return user


@pytest.fixture
def caseworker_client(caseworker, client):
    client.force_login(caseworker)
    return client


@pytest.fixture
def supervisor_client(supervisor, client):
    client.force_login(supervisor)
    return client


@pytest.fixture
def nomfa_client(staff_without_mfa, client):
    client.force_login(staff_without_mfa)
    return client
