"""The one set of test data builders (factory_boy): cases, with their links and fingerprints, as intake files them.

The area helpers (`make_case` in tests/casework/conftest.py, tests/removals/factories.py and
tests/hashing/bank_helpers.py) are short presets of CaseFactory, so a new Case field is added here once.
"""

from __future__ import annotations

import json

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cases.bank_sync import bank_sync_case
from cases.models import Case, CaseHash, CaseURL
from cases.removals.directory import host_of, platform_slug_for_host
from helpline.crypto import keyed_digest

# A cheap, fixed hash (MD5 is the tests' hasher): "246810" opens a case built here.
PIN = "246810"
PIN_HASH = make_password(PIN, hasher="md5")

VICTIM = {
    "contact_name": "Alex Example",
    "contact_email": "alex.victim@example.org",
    "contact_phone": "+44 20 7946 0000",
    "signature_name": "Alexandra Example",
    "description": "My former partner posted the pictures on a forum.",
    "elsewhere": "a private group chat",
}


def safe_contact(channels=("email",), *, name_helpline=False, voicemail=False, times="weekdays 9-12", code="tulip"):
    return json.dumps(
        {
            "channels": list(channels),
            "times": times,
            "voicemail_ok": voicemail,
            "email_may_name_helpline": name_helpline,
            "code_word": code,
        }
    )


def add_url(case: Case, url: str, *, slug: str | None = None, created_at=None) -> CaseURL:
    """A link as intake normalises it: its keyed digest, its host and the directory's platform for it."""
    host = host_of(url)
    return CaseURL.objects.create(
        case=case,
        url=url,
        url_digest=keyed_digest(url, purpose="case-url"),
        host=host,
        platform_slug=platform_slug_for_host(host) if slug is None else slug,
        created_at=created_at or timezone.now(),
    )


class CaseFactory(factory.django.DjangoModelFactory):
    """A filed case. Traits: `victim` (contact details and safe-contact preferences, as casework sees them),
    `signed` (the victim's signature, as a request needs), `shared` (consent to share fingerprints).
    After creation: `urls` (links), `files` (dicts of CaseHash fields) and `sync` (tell the bank)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    pin_hash = PIN_HASH

    class Params:
        victim = factory.Trait(consent_contact=True, safe_contact=factory.LazyFunction(safe_contact), **VICTIM)
        signed = factory.Trait(
            signature_name="Alex Example",
            signature_statement="I confirm these images of me were shared without my consent.",
            signed_at=factory.LazyFunction(timezone.now),
        )
        shared = factory.Trait(consent_share_hashes=True, consent_given_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def urls(obj, create, extracted, **kwargs):
        for url in extracted or ():
            add_url(obj, url)

    @factory.post_generation
    def files(obj, create, extracted, **kwargs):
        for fields in extracted or ():
            CaseHash.objects.create(case=obj, **fields)

    @factory.post_generation
    def sync(obj, create, extracted, **kwargs):
        if extracted:
            bank_sync_case(case=obj)
