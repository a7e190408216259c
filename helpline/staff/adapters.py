"""allauth adapters: no public sign-up for staff, and TOTP secrets encrypted with the portal's key."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from helpline.client import client_address
from helpline.crypto import decrypt_text, encrypt_text
from helpline.staff.roles import has_mfa


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Staff are created by `manage.py createstaff` or a supervisor's invitation only.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # First enrolment right after signing in needs no second password prompt: the sign-in was
        # moments ago and, without MFA, the account can do nothing else until enrolment is done.
        # Changing an existing authenticator still asks for the password again.
        request = self.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            if not has_mfa(request.user) and _signed_in_within(request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT):
                return False
            # The recovery codes are part of enrolment: shown (and downloadable) right after it, in the same
            # session, without a second password prompt. Later they are behind the password again.
            if _showing_codes_of_fresh_enrolment(request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request) -> str:
        # allauth's rate limits see the same client address as axes and the status page (TRUSTED_PROXY_HOPS).
        return client_address(request) or super().get_client_ip(request)


ENROLLED_AT_KEY = "helpline_mfa_enrolled_at"
# When this session's user last completed a sign-in step: allauth's documented `authentication_step_completed`
# signal sets it (helpline/apps.py), and so does accepting an invitation, a sign-in allauth does not see. Kept by
# the portal because allauth's own record of steps is read and written through its internal package.
SIGNED_IN_AT_KEY = "helpline_signed_in_at"
_RECOVERY_CODE_PAGES = ("mfa_view_recovery_codes", "mfa_download_recovery_codes")


def mark_enrolled(request) -> None:
    """Remember, in this session only, when its user enrolled a TOTP authenticator."""
    request.session[ENROLLED_AT_KEY] = time.time()


def mark_signed_in(request) -> None:
    """Remember, in this session only, that its user has just completed a sign-in step."""
    request.session[SIGNED_IN_AT_KEY] = time.time()


def _showing_codes_of_fresh_enrolment(request, seconds: int) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in _RECOVERY_CODE_PAGES:
        return False
    enrolled_at = request.session.get(ENROLLED_AT_KEY)
    return isinstance(enrolled_at, float) and 0 <= time.time() - enrolled_at < seconds


def _signed_in_within(request, seconds: int) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
    return isinstance(signed_in_at, float) and 0 <= time.time() - signed_in_at < seconds


class StaffMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

    def get_totp_issuer(self) -> str:
        return settings.SITE_NAME
