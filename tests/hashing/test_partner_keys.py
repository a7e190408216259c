"""Partners and their keys: created by command or admin, shown once, stored hashed, rotated, revoked, rate limited,
every call audited, and a caller without a valid key learns nothing."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hashing.bank import gate
from hashing.bank.gate import UNAUTHORIZED_BODY, rate_limit_wait, refusals_flush
from hashing.bank.partners import key_digest, partner_create, partner_key_authenticate, partner_key_rotate
from hashing.models import Partner, PartnerApiCall, PartnerApiRefusals, PartnerKey
from tests import totp
from tests.conftest import STAFF_PASSWORD
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import image_hashes, make_case

pytestmark = pytest.mark.django_db

partner_and_key = bank_helpers.partner_and_key  # the shared fixture

ENDPOINTS = [
    ("get", "/stopncii/v1/FetchHashes?startTimestamp=10", None),
    ("post", "/stopncii/v1/SubmitFeedback", {"count": 0, "hashFeedbacks": []}),
    ("get", "/api/v1/bank/pdq", None),
    ("post", "/api/v1/match", {"signal_type": "md5", "hashes": ["0" * 32]}),
]


def call(client, method: str, path: str, body: dict | None, **headers):
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_createpartner_prints_a_key_once_and_stores_only_its_hash():
    out, err = io.StringIO(), io.StringIO()
    call_command("createpartner", "Platform X", "--scopes", "fetch,feedback", stdout=out, stderr=err)
    raw_key = out.getvalue().strip()
    partner = Partner.objects.get(name="Platform X")
    assert partner.scopes == {"fetch", "feedback"}
    assert "shown only this once" in err.getvalue()
    key = PartnerKey.objects.get(partner=partner)
    assert raw_key.startswith(key.prefix) and len(raw_key) > 40
    assert key.digest == key_digest(raw_key) != raw_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hashing_partnerkey WHERE digest = %s OR prefix = %s", [raw_key, raw_key])
        assert cursor.fetchone()[0] == 0
    assert partner_key_authenticate(raw_key) == key


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Platform Y", "--scopes", "fetch,delete"], re.escape("Unknown scope(s): delete")),
        (["Platform Y", "--scopes", ","], "at least one scope"),
        (["Platform X"], "already exists"),
    ],
)
def test_createpartner_refuses_bad_input_with_a_plain_message(args, message):
    partner_create(name="Platform X", scopes=["fetch"])
    with pytest.raises(CommandError, match=message):
        call_command("createpartner", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_request_without_a_valid_key_gets_401_with_the_same_body_whatever_was_wrong(client, partner_and_key):
    _partner, raw_key = partner_and_key
    make_case(files=[image_hashes()])
    _revoked, revoked_key_row, revoked_key = partner_create(name="Revoked", scopes=["fetch", "match"])
    revoked_key_row.revoked_at = revoked_key_row.created_at
    revoked_key_row.save()
    inactive, _row, inactive_key = partner_create(name="Inactive", scopes=["fetch", "match"])
    Partner.objects.filter(pk=inactive.pk).update(is_active=False)
    wrong_headers = [
        {},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Bearer hlp_nothing_like_a_key"},
        {"HTTP_AUTHORIZATION": f"Bearer {raw_key}x"},
        {"HTTP_AUTHORIZATION": f"Basic {raw_key}"},
        {"HTTP_OCP_APIM_SUBSCRIPTION_KEY": raw_key[:-1]},
        {"HTTP_X_FUNCTIONS_KEY": revoked_key},
        {"HTTP_AUTHORIZATION": f"Bearer {revoked_key}"},
        {"HTTP_AUTHORIZATION": f"Bearer {inactive_key}"},
    ]
    for method, path, body in ENDPOINTS:
        for headers in wrong_headers:
            response = call(client, method, path, body, **headers)
            assert response.status_code == 401, (path, headers)
            assert response.json() == UNAUTHORIZED_BODY
    # Calls without a valid key are counted per minute and endpoint, not written a row each (finding 14).
    assert not PartnerApiCall.objects.filter(status=401).exists()
    refusals_flush()
    counted = PartnerApiRefusals.objects.filter(status=401)
    assert sum(counted.values_list("count", flat=True)) == len(ENDPOINTS) * len(wrong_headers)


def test_the_key_works_in_any_of_the_three_headers(client, partner_and_key):
    _partner, raw_key = partner_and_key
    for headers in (
        {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"},
        {"HTTP_OCP_APIM_SUBSCRIPTION_KEY": raw_key},
        {"HTTP_X_FUNCTIONS_KEY": raw_key, "HTTP_OCP_APIM_SUBSCRIPTION_KEY": "stale"},
    ):
        for method, path, body in ENDPOINTS:
            assert call(client, method, path, body, **headers).status_code == 200, (path, headers)


def test_a_key_without_the_scope_gets_403(client):
    _partner, _key, raw_key = partner_create(name="Fetch only", scopes=["fetch"])
    statuses = [call(client, m, p, b, HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code for m, p, b in ENDPOINTS]
    assert statuses == [200, 403, 200, 403]


def test_rotating_a_key_retires_the_old_one_at_once(client, partner_and_key):
    partner, old_key = partner_and_key
    _row, new_key = partner_key_rotate(partner=partner)
    assert client.get("/api/v1/bank/pdq", HTTP_AUTHORIZATION=f"Bearer {old_key}").status_code == 401
    assert client.get("/api/v1/bank/pdq", HTTP_AUTHORIZATION=f"Bearer {new_key}").status_code == 200


def test_calls_over_the_rate_limit_get_429_with_retry_after_and_are_audited(client):
    partner, _key, raw_key = partner_create(name="Slow", scopes=["fetch"], rate_limit_per_minute=3)
    statuses = [client.get("/stopncii/v1/FetchHashes", HTTP_X_FUNCTIONS_KEY=raw_key).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = client.get("/api/v1/bank/md5", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    audited = list(PartnerApiCall.objects.filter(partner=partner).order_by("id").values_list("endpoint", "status"))
    assert audited == [("stopncii.FetchHashes", s) for s in statuses] + [("api.bank", 429)]


def test_the_rate_limit_window_starts_afresh_each_minute():
    partner, _key, _raw = partner_create(name="Windowed", scopes=["fetch"], rate_limit_per_minute=1)
    assert rate_limit_wait(partner, now=600.0) is None
    assert rate_limit_wait(partner, now=630.0) == 30
    assert rate_limit_wait(partner, now=660.0) is None


def test_every_answered_call_is_audited_with_counts_and_no_hash_values(client, partner_and_key):
    partner, raw_key = partner_and_key
    files = [image_hashes(), image_hashes()]
    make_case(files=files)
    client.get("/stopncii/v1/FetchHashes", HTTP_X_FUNCTIONS_KEY=raw_key)
    client.post(
        "/api/v1/match",
        data=json.dumps({"signal_type": "pdq", "hashes": [files[0]["pdq"], "f" * 64, "0" * 64]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )
    rows = list(PartnerApiCall.objects.order_by("id"))
    assert [(r.endpoint, r.status, r.hashes_in, r.hashes_out) for r in rows] == [
        ("stopncii.FetchHashes", 200, 0, 2),
        ("api.match", 200, 3, 1),
    ]
    assert all(r.partner == partner and r.key_prefix and raw_key.startswith(r.key_prefix) for r in rows)
    assert not {f.name for f in PartnerApiCall._meta.fields} & {"value", "hash", "hashes", "body"}


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@helpline.test", password=STAFF_PASSWORD)
    totp.enrol(admin, totp.new_secret())
    client.force_login(admin)
    return client


def test_adding_a_partner_in_the_admin_shows_its_first_key_once(admin_client):
    response = admin_client.post(
        "/admin/hashing/partner/add/",
        {
            "name": "Platform Z",
            "is_active": "on",
            "scope_fetch": "on",
            "rate_limit_per_minute": "60",
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    key = PartnerKey.objects.get(partner__name="Platform Z")
    raw_key = re.search(r"<code>(hlp_[^<]+)</code>", response.content.decode()).group(1)
    assert partner_key_authenticate(raw_key) == key
    change_page = admin_client.get(f"/admin/hashing/partner/{key.partner_id}/change/").content.decode()
    assert key.prefix in change_page and raw_key not in change_page


def test_the_admin_rotates_and_revokes_keys(admin_client, partner_and_key):
    partner, old_key = partner_and_key
    response = admin_client.post("/admin/hashing/partner/", {"action": "rotate_key", "_selected_action": [partner.pk]})
    assert response.status_code == 200
    assert "only time it is shown" in response.content.decode()
    assert partner_key_authenticate(old_key) is None
    live = PartnerKey.objects.get(partner=partner, revoked_at__isnull=True)
    assert live.prefix in response.content.decode()
    admin_client.post("/admin/hashing/partner/", {"action": "revoke_keys", "_selected_action": [partner.pk]})
    assert not PartnerKey.objects.filter(partner=partner, revoked_at__isnull=True).exists()


def test_without_a_key_even_a_malformed_request_learns_only_401(client):
    for path, body in (("/api/v1/match", b'{"signal_type": "pdq", "hashes": ["zz"]}'), ("/api/v1/match", b"{")):
        response = client.post(path, data=body, content_type="application/json")
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED_BODY)
    response = client.get("/api/v1/bank/nonsense?cursor=x")
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED_BODY)


def test_four_hundred_calls_without_a_key_write_a_handful_of_rows_not_four_hundred(client, monkeypatch):
    # Finding 14: 400 calls with no key wrote 400 PartnerApiCall rows in 2.5 s; anyone could fill the database.
    refusals_flush()  # counts left by earlier tests in this process
    PartnerApiRefusals.objects.all().delete()
    # Flush on every call, the most writes the counter can ever make: still one row per minute and endpoint.
    monkeypatch.setattr(gate, "REFUSALS_FLUSH_SECONDS", 0.0)
    paths = ["/stopncii/v1/FetchHashes", "/api/v1/bank/pdq"]
    for number in range(400):
        assert client.get(paths[number % 2]).status_code == 401
    assert PartnerApiCall.objects.count() == 0
    rows = list(PartnerApiRefusals.objects.values_list("endpoint", "status", "count"))
    assert len(rows) <= 4, rows  # two endpoints, at most two minutes
    assert {(endpoint, status) for endpoint, status, _count in rows} == {
        ("stopncii.FetchHashes", 401),
        ("api.bank", 401),
    }
    assert sum(count for _e, _s, count in rows) == 400


def test_without_a_flush_due_refused_calls_write_nothing_until_the_interval_passes(client, monkeypatch):
    refusals_flush()
    PartnerApiRefusals.objects.all().delete()
    monkeypatch.setattr(gate, "REFUSALS_FLUSH_SECONDS", 3600.0)
    for _ in range(50):
        assert client.get("/stopncii/v1/FetchHashes", HTTP_X_FUNCTIONS_KEY="hlp_wrong").status_code == 401
    assert not PartnerApiRefusals.objects.exists() and not PartnerApiCall.objects.exists()
    assert refusals_flush() == 50
    assert list(PartnerApiRefusals.objects.values_list("endpoint", "count")) == [("stopncii.FetchHashes", 50)]
