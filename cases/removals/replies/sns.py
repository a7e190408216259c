"""Checking that a message posted to the Amazon SES inbound route really comes from Amazon SNS, for our topic.

django-anymail 13.1 does not verify SNS message signatures (its Amazon SES view says "Future: Verify SNS message
signature"); it only compares the SNS headers with the body and checks HTTP basic auth. This module adds what the
SNS documentation asks of an HTTPS endpoint (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
and .../sns-verify-signature-of-message-verify-message-signature.html, read 2026-12-06):

- the signing certificate is fetched over HTTPS, with the system's CAs, only from an SNS host
  (sns.<region>.amazonaws.com, or .amazonaws.com.cn), never following a redirect;
- the string to sign is built from the message's fields, in the documented order, and the signature checked with
  the certificate's RSA key: SHA1 for SignatureVersion 1, SHA256 for 2;
- a message for any topic other than the one configured (INBOUND_SES_TOPIC_ARN) is refused, as SNS advises: a
  stranger's topic subscribed to our URL sends validly signed messages too.

A subscription is confirmed by visiting its SubscribeURL (the documented way; no AWS credentials needed), only
after the confirmation message itself verified, for our topic, from an SNS host."""

from __future__ import annotations

import base64
import re
import ssl
import threading
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The host pattern AWS's own SDK message validators accept for SigningCertURL and SubscribeURL.
SNS_HOST = re.compile(r"^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$")
CERT_MAX_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 10
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}  # SignatureVersion 1 is defined on SHA1

_certificates: dict[str, x509.Certificate] = {}
_lock = threading.Lock()


class SnsRefused(Exception):
    """The message is not from Amazon SNS for our topic; the text says what failed."""


def is_sns_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and port in (None, 443)
        and parts.username is None
        and bool(SNS_HOST.match(parts.hostname or ""))
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise SnsRefused(f"{urlsplit(req.full_url).hostname} answered with a redirect; not followed.")


def _download(url: str, *, max_bytes: int) -> bytes:
    """GET an SNS URL over verified TLS (the network seam the tests replace)."""
    opener = urllib.request.build_opener(
        _NoRedirect(), urllib.request.HTTPSHandler(context=ssl.create_default_context())
    )
    with opener.open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # https to an SNS host only (is_sns_url)
        data = response.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SnsRefused("The SNS answer was larger than expected.")
    return data


def _certificate(url: str) -> x509.Certificate:
    if not is_sns_url(url):
        raise SnsRefused("SigningCertURL is not an https URL on an Amazon SNS host.")
    with _lock:
        cached = _certificates.get(url)
    if cached is None:
        try:
            cached = x509.load_pem_x509_certificate(_download(url, max_bytes=CERT_MAX_BYTES))
        except (OSError, ValueError) as exc:
            raise SnsRefused(f"The signing certificate could not be read ({type(exc).__name__}).") from exc
        with _lock:
            # Certificates are published under a new name when rotated: a small cache by URL is enough.
            if len(_certificates) > 16:
                _certificates.clear()
            _certificates[url] = cached
    now = datetime.now(UTC)
    if not (cached.not_valid_before_utc <= now <= cached.not_valid_after_utc):
        raise SnsRefused("The signing certificate is outside its validity period.")
    return cached


def string_to_sign(message: dict) -> bytes:
    kind = message.get("Type")
    if kind == "Notification":
        fields = NOTIFICATION_FIELDS
    elif kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        fields = SUBSCRIPTION_FIELDS
    else:
        raise SnsRefused(f"Unknown SNS message type {str(kind)[:40]!r}.")
    text = ""
    for field in fields:
        if field == "Subject" and field not in message:
            continue  # signed only when present
        value = message.get(field)
        if not isinstance(value, str):
            raise SnsRefused(f"The SNS message lacks its {field}.")
        text += f"{field}\n{value}\n"
    return text.encode("utf-8")


def verify(message: dict, *, topic_arn: str) -> None:
    """Raise SnsRefused unless `message` (the posted JSON) is signed by Amazon SNS and is for `topic_arn`."""
    if not topic_arn or message.get("TopicArn") != topic_arn:
        raise SnsRefused("The SNS message is for a topic this helpline did not configure.")
    algorithm = HASHES.get(str(message.get("SignatureVersion", "")))
    if algorithm is None:
        raise SnsRefused("Unknown SNS SignatureVersion.")
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except ValueError as exc:
        raise SnsRefused("The SNS signature is not base64.") from exc
    data = string_to_sign(message)
    key = _certificate(str(message.get("SigningCertURL", ""))).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SnsRefused("The signing certificate does not hold an RSA key.")
    try:
        key.verify(signature, data, padding.PKCS1v15(), algorithm())
    except InvalidSignature as exc:
        raise SnsRefused("The SNS signature does not verify.") from exc


def confirm_subscription(message: dict) -> None:
    """Visit the SubscribeURL of a verified SubscriptionConfirmation (SNS then starts delivering)."""
    url = str(message.get("SubscribeURL", ""))
    if not is_sns_url(url):
        raise SnsRefused("SubscribeURL is not an https URL on an Amazon SNS host.")
    _download(url, max_bytes=CERT_MAX_BYTES)
