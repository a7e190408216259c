"""Data for the hash bank tests: cases with device hashes, partners with keys, and hashes near each other."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from cases.models import Case, CaseHash
from cases.services import case_erase
from cases.status.services import case_sharing_withdraw
from hashing.bank.partners import partner_create
from tests.factories import CaseFactory

_rng = random.Random(20261126)


def random_hex(chars: int) -> str:
    return "".join(_rng.choice("0123456789abcdef") for _ in range(chars))


def flip_bits(hex_value: str, count: int, *, seed: int = 0) -> str:
    """The hash with `count` distinct bits flipped: exactly `count` away."""
    bits = len(hex_value) * 4
    positions = random.Random(seed).sample(range(bits), count)
    number = int(hex_value, 16)
    for position in positions:
        number ^= 1 << position
    return f"{number:0{len(hex_value)}x}"


def image_hashes(**overrides) -> dict:
    """The fields of an image's CaseHash: a PDQ with 8 distinct dihedral variants (the first is the PDQ itself)."""
    pdq = random_hex(64)
    fields = {
        "media_kind": CaseHash.MediaKind.IMAGE,
        "pdq": pdq,
        "pdq_quality": 100,
        "pdq_oriented": "",
        "pdq_dihedral": [pdq] + [random_hex(64) for _ in range(7)],
        "phash": random_hex(16),
        "md5": random_hex(32),
        "sha256": random_hex(64),
    }
    fields.update(overrides)
    return fields


def video_hashes(**overrides) -> dict:
    fields = {"media_kind": CaseHash.MediaKind.VIDEO, "md5": random_hex(32), "sha256": random_hex(64)}
    fields.update(overrides)
    return fields


def make_case(*, shared: bool = True, files: list[dict] | None = None, sync: bool = True) -> Case:
    """A case whose victim hashed `files` on their device (each a dict of CaseHash fields; one image by default)."""
    return CaseFactory(shared=shared, files=files if files is not None else [image_hashes()], sync=sync)


def withdraw_consent(case: Case) -> None:
    """The victim withdraws sharing from the status page: the real service, which tells the bank. `case` is
    reloaded, so the test's object shows what the service wrote."""
    case_sharing_withdraw(case=case)
    case.refresh_from_db()


def erase(case: Case) -> None:
    """The victim erases the case: the real service (personal data, links and hashes gone, bank told)."""
    case_erase(case=case)
    case.refresh_from_db()


def file_md5(seed: str) -> str:
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()


@pytest.fixture
def partner_and_key(db):
    """A partner with every scope and a generous rate limit, and its API key in the clear."""
    partner, _key, raw_key = partner_create(
        name="Platform X", scopes=["fetch", "match", "feedback"], rate_limit_per_minute=10_000
    )
    return partner, raw_key


@pytest.fixture
def api(client, partner_and_key):
    """`api(body)` posts a match request with the partner's key; `api.get(path, **params)` reads the API."""
    _partner, raw_key = partner_and_key

    def post(body: dict):
        return client.post("/api/v1/match", data=json.dumps(body), content_type="application/json", **bearer(raw_key))

    def get(path: str, **params):
        return client.get(f"/api/v1{path}", params, **bearer(raw_key))

    post.get = get
    return post


def bearer(raw_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
