"""Writes for staff accounts: creating staff, enrolling seeded staff in TOTP, inviting them, accepting an invitation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from helpline.models import StaffInvitation, User
from helpline.staff import roles


class StaffError(Exception):
    """A staff operation that cannot go ahead; the message is fit to show to the person."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def staff_create(*, email: str, role: str, password: str | None, first_name: str = "", last_name: str = "") -> User:
    """Create a staff account in a role. The address is marked verified: an administrator vouches for it."""
    email = User.objects.normalize_email(email.strip()).lower()
    group = roles.group(role)
    if User.objects.filter(email__iexact=email).exists():
        raise StaffError(f"There is already a staff account for {email}.")
    if password is not None:
        try:
            validate_password(password, User(email=email))
        except ValidationError as exc:
            raise StaffError(" ".join(exc.messages)) from None
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(group)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def staff_totp_enrol(*, user: User, secret: str) -> Authenticator:
    """Enrol `user` in TOTP with `secret`, as completing allauth's set-up page stores it: the secret encrypted
    by the MFA adapter (allauth's documented `encrypt` hook). For the demo seed and benchmarks, whose staff
    never see the set-up page; people enrol through allauth's own pages. An existing TOTP is kept."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": get_mfa_adapter().encrypt(secret)}
    )


def staff_totp_secret(*, user: User) -> str | None:
    """The TOTP secret `user` enrolled with, decrypted by the MFA adapter; None if not enrolled."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return get_mfa_adapter().decrypt(authenticator.data["secret"])


@transaction.atomic
def invitation_create(*, email: str, role: str, invited_by: User) -> tuple[StaffInvitation, str]:
    """Invite someone as staff; returns the invitation and its one-time token (emailed, never stored)."""
    email = User.objects.normalize_email(email.strip()).lower()
    roles.group(role)
    if User.objects.filter(email__iexact=email).exists():
        raise StaffError(f"{email} already has a staff account.")
    # A new invitation replaces any open one for the same address.
    StaffInvitation.objects.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(hours=settings.STAFF_INVITATION_HOURS),
    )
    link = settings.PORTAL_BASE_URL + reverse("staff:invitation_accept", args=[token])
    body = render_to_string(
        "staff/invitation_email.txt",
        {
            "link": link,
            "role": invitation.get_role_display(),
            "hours": settings.STAFF_INVITATION_HOURS,
            "site_name": settings.SITE_NAME,
        },
    )
    transaction.on_commit(
        lambda: send_mail(f"Your {settings.SITE_NAME} staff account", body, None, [email], fail_silently=False)
    )
    return invitation, token


def invitation_for_token(token: str) -> StaffInvitation | None:
    invitation = StaffInvitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None or not invitation.is_open:
        return None
    return invitation


def invitation_redeem(*, token: str) -> str | None:
    """Swap the emailed token for a new secret that only the redeeming browser's session holds; None if invalid.

    The emailed link's path (which access logs and mail scanners record) stops working at once: whoever reads
    it later holds a dead token. Accepting the invitation then uses the session's secret.
    """
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
        if invitation is None or not invitation.is_open:
            return None
        invitation.token_hash = _token_hash(secret)
        invitation.save(update_fields=["token_hash"])
    return secret


def invitation_accept(*, token: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create the invitee's account; MFA enrolment follows at their first page."""
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
        if invitation is None or not invitation.is_open:
            raise StaffError("This invitation link is no longer valid. Ask your supervisor for a new one.")
        user = staff_create(
            email=invitation.email,
            role=invitation.role,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user
