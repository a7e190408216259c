"""Partner platforms and their API keys: creating, rotating, revoking, and checking a key a request carries."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from hashing.models import BankClock, Partner, PartnerKey

KEY_START = "hlp_"
# Lowercase letters and digits without look-alikes: the prefix is read out when partners ask for support.
_PREFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class PartnerError(ValueError):
    """A partner change that cannot be made, with a message for the person who asked."""


def key_digest(raw_key: str) -> str:
    """SHA-256 of the key: enough for 256 random bits, which no dictionary or brute force can reach."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = KEY_START + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def partner_key_issue(*, partner: Partner) -> tuple[PartnerKey, str]:
    """A new key for the partner. The returned text is the only copy: show it once, it is stored hashed."""
    prefix, raw_key = _new_key()
    key = PartnerKey.objects.create(partner=partner, prefix=prefix, digest=key_digest(raw_key))
    return key, raw_key


def partner_key_rotate(*, partner: Partner) -> tuple[PartnerKey, str]:
    """Issue a new key and revoke every older one, at once (the partner deploys the new key, then the old fail)."""
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        partner.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        return partner_key_issue(partner=partner)


def partner_key_revoke(*, key: PartnerKey) -> PartnerKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=key.revoked_at)
    return key


def partner_create(
    *, name: str, scopes: Iterable[str], rate_limit_per_minute: int = 120
) -> tuple[Partner, PartnerKey, str]:
    """Create a partner with the given scopes and its first key (returned once, in the clear)."""
    name = name.strip()
    scopes = set(scopes)
    unknown = scopes - set(Partner.Scope.values)
    if not name:
        raise PartnerError("Give the partner a name, e.g. the platform's name.")
    if unknown:
        raise PartnerError(
            f"Unknown scope(s): {', '.join(sorted(unknown))}. Use any of: {', '.join(Partner.Scope.values)}."
        )
    if not scopes:
        raise PartnerError(f"Give the partner at least one scope: {', '.join(Partner.Scope.values)}.")
    if rate_limit_per_minute < 1:
        raise PartnerError("The rate limit must be at least 1 call per minute.")
    with transaction.atomic():
        if Partner.objects.filter(name__iexact=name).exists():
            raise PartnerError(f"A partner named {name!r} already exists; rotate its key instead.")
        partner = Partner.objects.create(
            name=name,
            scope_fetch=Partner.Scope.FETCH in scopes,
            scope_match=Partner.Scope.MATCH in scopes,
            scope_feedback=Partner.Scope.FEEDBACK in scopes,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        key, raw_key = partner_key_issue(partner=partner)
    return partner, key, raw_key


def partner_key_authenticate(raw_key: str | None) -> PartnerKey | None:
    """The live key (not revoked, partner active) whose digest matches, else None, whatever was wrong.

    Looking keys up by digest means the database compares hashes, never the secret itself.
    """
    if not raw_key or not raw_key.startswith(KEY_START) or len(raw_key) > 200:
        return None
    return (
        PartnerKey.objects.select_related("partner")
        .filter(digest=key_digest(raw_key), revoked_at__isnull=True, partner__is_active=True)
        .first()
    )


def partner_feed_start(*, partner: Partner) -> int:
    """The bank clock value at the partner's first fetch, recorded by that fetch (later calls change nothing).

    The committed clock value is a point in change order: every change up to it is visible, so what was out of
    the active set by then is something this partner never received, and it is never sent the tombstone.
    """
    if partner.feed_start_seq is None:
        clock = BankClock.objects.filter(pk=1).values("value")
        Partner.objects.filter(pk=partner.pk, feed_start_seq__isnull=True).update(
            feed_start_seq=Coalesce(Subquery(clock[:1]), Value(0))
        )
        partner.feed_start_seq = Partner.objects.values_list("feed_start_seq", flat=True).get(pk=partner.pk)
    return partner.feed_start_seq
