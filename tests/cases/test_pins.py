"""PINs at rest (cases.pins): a keyed HMAC that a database dump cannot test, earlier PBKDF2 hashes still working."""

from __future__ import annotations

import importlib

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.core.cache import cache

from cases.intake.services import case_file
from cases.models import Case
from cases.pins import pbkdf2_wrap, pin_check, pin_hash_make
from cases.status.session import SESSION_KEY
from tests.cases.helpers import fingerprint, post_form

pytestmark = pytest.mark.django_db

ALL_PINS = [f"{n:06d}" for n in range(1_000_000)]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed():
    draft = {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "where": {"urls": ["https://example.com/a"], "elsewhere": ""},
        "images": {"hashes": [fingerprint(1)]},
        "contact": {"name": "Sam", "email": "sam@example.net", "safe_channels": ["email"]},
        "consent": {"consent_share_hashes": True, "consent_contact": True, "consent_act_on_behalf": True},
    }
    return case_file(draft=draft, language="en")


def _sign_in(client, reference, pin, **extra):
    return post_form(client, "/status/", {"reference": reference, "pin": pin}, **extra)


def _legacy_pbkdf2(pin: str) -> str:
    # What earlier releases stored (make_password's PBKDF2), with few iterations so the test stays fast.
    return PBKDF2PasswordHasher().encode(pin, "legacysalt0123456789", 1000)


def _wrap_existing_rows() -> None:
    migration = importlib.import_module("cases.migrations.0009_pin_hash_keyed")
    migration.wrap_pbkdf2_pins(apps, None)


def test_a_filed_case_stores_the_keyed_form_and_the_pin_checks(filed):
    stored = Case.objects.get(pk=filed.case.pk).pin_hash
    assert stored.startswith("hmac-sha256$") and filed.pin not in stored
    assert pin_check(filed.pin, stored).ok
    assert not pin_check("x" + filed.pin, stored).ok
    # Two cases with the same PIN do not share a digest (salted), so a dump does not show equal PINs.
    assert pin_hash_make(filed.pin) != pin_hash_make(filed.pin)


def test_attack_a_dump_without_the_key_cannot_find_the_pin_among_all_million(filed, settings):
    """The attacker holds the row and the portal's code but not FIELD_ENCRYPTION_KEY: every one of the 10^6 PINs
    is tried under a key of their own, and none verifies. With the key the same search finds the PIN, so the
    search itself works: only the key stands in the way."""
    stored = Case.objects.get(pk=filed.case.pk).pin_hash
    real_keys = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert [pin for pin in ALL_PINS if pin_check(pin, stored).ok] == []
    # Nor is it a Django password hash that a password cracker's usual route could test.
    assert not check_password(filed.pin, stored)
    settings.FIELD_ENCRYPTION_KEYS = real_keys
    assert [pin for pin in ALL_PINS if pin_check(pin, stored).ok] == [filed.pin]


def test_attack_a_dump_of_an_earlier_pbkdf2_hash_cannot_be_tested_once_wrapped(settings):
    pin = "482913"
    legacy = _legacy_pbkdf2(pin)
    # The search over PINs (here a range that holds it, PBKDF2 being slow) finds it in an unwrapped dump...
    candidates = [f"{n:06d}" for n in range(482_000, 484_000)]
    assert [p for p in candidates if PBKDF2PasswordHasher().verify(p, legacy)] == [pin]
    wrapped = pbkdf2_wrap(legacy)
    assert wrapped is not None and wrapped.startswith("pbkdf2-hmac$1000$legacysalt0123456789$")
    assert legacy.rsplit("$", 1)[1] not in wrapped  # the PBKDF2 output is gone from the row
    # ...but not in the wrapped one, without the key.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert [p for p in candidates if pin_check(p, wrapped).ok or check_password(p, wrapped)] == []


def test_an_earlier_pbkdf2_pin_still_signs_in_after_the_migration_and_is_upgraded(client, filed):
    Case.objects.filter(pk=filed.case.pk).update(pin_hash=_legacy_pbkdf2("135790"))
    _wrap_existing_rows()
    assert Case.objects.get(pk=filed.case.pk).pin_hash.startswith("pbkdf2-hmac$")
    # A wrong PIN neither signs in nor changes what is stored.
    assert _sign_in(client, filed.case.reference, "135791").status_code == 200
    assert Case.objects.get(pk=filed.case.pk).pin_hash.startswith("pbkdf2-hmac$")
    response = _sign_in(client, filed.case.reference, "135790")
    assert response.status_code == 302 and SESSION_KEY in client.session
    stored = Case.objects.get(pk=filed.case.pk).pin_hash
    assert stored.startswith("hmac-sha256$") and pin_check("135790", stored).ok


def test_an_unwrapped_pbkdf2_pin_still_signs_in_and_is_upgraded(client, filed):
    # A row the migration did not see (restored from an older backup after migrating).
    Case.objects.filter(pk=filed.case.pk).update(pin_hash=_legacy_pbkdf2("246801"))
    assert _sign_in(client, filed.case.reference, "246801").status_code == 302
    assert Case.objects.get(pk=filed.case.pk).pin_hash.startswith("hmac-sha256$")


def test_erased_cases_keep_an_unusable_hash_the_migration_leaves_alone(filed):
    Case.objects.filter(pk=filed.case.pk).update(pin_hash="!")
    _wrap_existing_rows()
    assert Case.objects.get(pk=filed.case.pk).pin_hash == "!"
    assert not pin_check("", "!").ok and not pin_check("000000", "!").ok


def test_rotating_the_field_key_keeps_pins_working_and_moves_them_to_the_new_key(client, filed, settings):
    old = settings.FIELD_ENCRYPTION_KEYS
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old]
    assert _sign_in(client, filed.case.reference, filed.pin).status_code == 302
    stored = Case.objects.get(pk=filed.case.pk).pin_hash
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert pin_check(filed.pin, stored).ok


def test_attack_the_lockout_still_stops_online_guessing_of_the_cheap_hash(client, filed):
    """Checking is now cheap, so only the lockout limits a guesser: 5 wrong PINs, then even the right one fails."""
    reference = filed.case.reference
    wrong = [pin for pin in ("000000", "111111", "222222", "333333", "444444", "555555") if pin != filed.pin][:5]
    for n, pin in enumerate(wrong):
        _sign_in(client, reference, pin, REMOTE_ADDR=f"10.9.0.{n}")
    response = _sign_in(client, reference, filed.pin, REMOTE_ADDR="10.9.1.1")
    assert response.status_code == 429 and SESSION_KEY not in client.session
