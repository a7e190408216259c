"""Shared test data for the victim's side: valid fingerprints and a way to walk the wizard."""

from __future__ import annotations

import hashlib
import json
import random
from urllib.parse import urlencode

STEP_NAMES = ["safety", "what-happened", "where", "images", "contact", "consent"]


def fingerprint(seed: int, *, image: bool = True) -> dict:
    """A valid set of hashes for one file, as the browser picker posts it."""
    rng = random.Random(seed)

    def hexbits(bits: int) -> str:
        return f"{rng.getrandbits(bits):0{bits // 4}x}"

    data = f"file-{seed}".encode()
    values = {
        "media_kind": "image" if image else "video",
        "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 - file identity, as platforms use it
        "sha256": hashlib.sha256(data).hexdigest(),
        "pdq": None,
        "pdq_quality": None,
        "pdq_oriented": None,
        "pdq_dihedral": None,
        "phash": None,
    }
    if image:
        values.update(
            pdq=hexbits(256),
            pdq_quality=rng.randint(50, 100),
            pdq_oriented=None,
            pdq_dihedral=[hexbits(256) for _ in range(8)],
            phash=hexbits(64),
        )
        # As the hasher makes them: the first dihedral variant is the PDQ itself (the server checks it).
        values["pdq_dihedral"][0] = values["pdq"]
    return values


def wizard_answers(**overrides) -> dict[str, dict]:
    answers = {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "what-happened": {"categories": ["known_person"], "description": "My ex posted them."},
        "where": {"urls": "https://www.example.com/post/1?utm_source=x\nexample.org/a", "elsewhere": ""},
        "images": {"hashes": json.dumps([fingerprint(1), fingerprint(2)])},
        "contact": {"name": "Alex Example", "email": "alex@example.net", "safe_channels": ["email"]},
        "consent": {
            "consent_share_hashes": "on",
            "consent_contact": "on",
            "consent_act_on_behalf": "on",
            "signature_name": "Alex Example",
        },
    }
    for step, values in overrides.items():
        answers[step] = values
    return answers


def post_form(client, path: str, data: dict | None = None, **extra):
    """POST as a browser posts the portal's forms: urlencoded (the victim's pages refuse multipart)."""
    return client.post(
        path, urlencode(data or {}, doseq=True), content_type="application/x-www-form-urlencoded", **extra
    )


def walk_wizard(client, answers: dict[str, dict] | None = None):
    """Post every step in order, then "Send my request" on the check-your-answers page; returns that last
    response (a redirect to the done page on success)."""
    answers = answers or wizard_answers()
    response = None
    for name in STEP_NAMES:
        response = post_form(client, f"/help/step/{name}/", answers[name])
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    assert response["Location"].endswith("/help/check/"), response["Location"]
    return post_form(client, "/help/check/")
