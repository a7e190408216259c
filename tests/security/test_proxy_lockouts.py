"""Behind a TLS proxy every request arrives from the proxy's address. The review locked out every caseworker and
every victim that way: staff lock-outs (django-axes) keyed on REMOTE_ADDR, and with TRUSTED_PROXY_HOPS=0 the
status page's per-address limit did too. These tests perform both attacks through a proxy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.helpers import post_form
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the TLS proxy: REMOTE_ADDR of every request
ATTACKER = "203.0.113.66"
CASEWORKER_AT_WORK = "198.51.100.20"
VICTIM = "192.0.2.44"


@pytest.fixture(autouse=True)
def _one_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 1


def _via_proxy(client_address: str, *, claimed: str = "") -> dict:
    # The proxy appends the address it saw; anything before it is the client's own (possibly forged) header.
    forwarded = f"{claimed}, {client_address}" if claimed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def _staff_sign_in(client, email: str, password: str, address: str, *, claimed: str = ""):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, **_via_proxy(address, claimed=claimed)
    )


def test_bad_passwords_from_one_client_do_not_lock_the_account_for_a_client_elsewhere(client, caseworker, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        # Forging a new left-most X-Forwarded-For entry each time does not make the attacker a new client.
        _staff_sign_in(client, caseworker.email, f"wrong-password-{n}", ATTACKER, claimed=f"172.16.0.{n}")
    # The attacker's own (account, address) pair is locked, even with the right password.
    locked = _staff_sign_in(client, caseworker.email, STAFF_PASSWORD, ATTACKER, claimed="172.16.9.9")
    assert locked.status_code == 429
    # The caseworker, at another address behind the same proxy, signs in (on to the TOTP step).
    own = _staff_sign_in(client.__class__(), caseworker.email, STAFF_PASSWORD, CASEWORKER_AT_WORK)
    assert own.status_code == 302 and own["Location"] == reverse("mfa_authenticate")


def test_junk_status_sign_ins_from_one_client_do_not_block_another(client):
    too_many = "Too many tries from this connection"
    for n in range(21):
        last = post_form(
            client,
            "/status/",
            {"reference": f"HL-2345-{n:04d}", "pin": "123456"},
            **_via_proxy(ATTACKER, claimed=f"172.16.1.{n}"),
        )
    assert last.status_code == 429 and too_many in last.content.decode()
    victim = post_form(
        client.__class__(), "/status/", {"reference": "HL-7777-7777", "pin": "123456"}, **_via_proxy(VICTIM)
    )
    assert too_many not in victim.content.decode()
