"""Inbound webhooks of the common providers: each provider's documented payload (tests/data/inbound/, written from
the provider's documentation, source and date in each file), authenticated as that provider does it, files the reply
on its request; a wrong or missing signature is refused and files nothing; a forged reply token goes to triage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.urls import reverse

from cases.removals import state
from cases.removals.replies import sns
from cases.removals.replies.models import PlatformReply
from tests.removals.replies_cast import TELEGRAM_RULES, emailed_request, reply_mail

pytestmark = pytest.mark.usefixtures("platforms", "helpline")

DATA = Path(__file__).resolve().parents[1] / "data" / "inbound"
MAILGUN_KEY = "key-test-mailgun-signing-0123456789"
MANDRILL_KEY = "test-mandrill-webhook-key-0123"
POSTMARK_AUTH = "postmark:pm-secret-0123456789"
SENDGRID_AUTH = "sendgrid:sg-secret-0123456789"
SES_AUTH = "sns:ses-secret-0123456789"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:helpline-replies"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
PROVIDERS = ("mailgun", "mandrill", "postmark", "sendgrid", "amazon_ses")


def _fixture(name: str) -> dict:
    document = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert document["_checked"] == "2026-12-06" and document["_source"].startswith("https://")
    return document


def _fill(value, subs: dict[str, str]):
    if isinstance(value, str):
        for key, sub in subs.items():
            value = value.replace(key, sub)
        return value
    if isinstance(value, list):
        return [_fill(v, subs) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, subs) for k, v in value.items()}
    return value


def _basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


class Mail:
    """One platform reply, as each provider would hand it over."""

    def __init__(self, to: str, text: str, subject: str = "Re: your report") -> None:
        self.to, self.text, self.subject = to, text, subject
        self.message_id = make_msgid(domain="telegram.org")
        self.raw = reply_mail(to=to, body=text, subject=subject, message_id=self.message_id)

    def subs(self) -> dict[str, str]:
        local = self.to.split("@")[0]
        return {
            "__TO__": self.to,
            "__MAILBOX_HASH__": local.split("+", 1)[1] if "+" in local else "",
            "__MESSAGE_ID__": self.message_id,
            "__SUBJECT__": self.subject,
            "__TEXT__": self.text,
            "__RAW_MIME__": self.raw.decode(),
            "__CONTENT__": base64.b64encode(self.raw).decode(),
            "__TOPIC_ARN__": TOPIC,
        }


# ---- Amazon SNS's signing, with a key and certificate of the test's own ------------------------------------------


def _key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


SNS_KEY, SNS_CERT = _key_and_cert()
OTHER_KEY, _ = _key_and_cert()


def sns_sign(message: dict, key=SNS_KEY) -> dict:
    algorithm = hashes.SHA256() if message["SignatureVersion"] == "2" else hashes.SHA1()  # noqa: S303
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


@pytest.fixture(autouse=True)
def amazon(monkeypatch):
    """The network seam of sns.py: Amazon's certificate URL serves the test certificate; every GET is recorded."""
    fetched: list[str] = []

    def download(url: str, *, max_bytes: int) -> bytes:
        fetched.append(url)
        if url == CERT_URL:
            return SNS_CERT
        if url.startswith("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription"):
            return b"<ConfirmSubscriptionResponse/>"
        raise OSError("no such test URL")

    monkeypatch.setattr(sns, "_download", download)
    sns._certificates.clear()
    yield fetched
    sns._certificates.clear()


def ses_body(mail: Mail, *, key=SNS_KEY, **overrides) -> dict:
    document = _fixture("amazon_ses")
    notification = _fill(document["ses"], mail.subs())
    message = _fill(document["sns"], mail.subs())
    message.update({"Message": json.dumps(notification), "SigningCertURL": CERT_URL, **overrides})
    return sns_sign(message, key)


def ses_post(client, body: dict, *, auth: str | None = SES_AUTH):
    headers = {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": body["Type"], "HTTP_X_AMZ_SNS_MESSAGE_ID": body["MessageId"]}
    if auth:
        headers["HTTP_AUTHORIZATION"] = _basic(auth)
    return client.post(reverse("inbound_amazon_ses"), json.dumps(body), content_type="text/plain", **headers)


# ---- each provider: configure it, and post a mail the way it does (auth: good, wrong or missing) ---------------


def configure(settings, provider: str | None = None) -> None:
    """Every route on (or only `provider`'s)."""
    on = {provider} if provider else set(PROVIDERS)
    settings.ANYMAIL = {
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY if "mailgun" in on else "",
        "MANDRILL_WEBHOOK_KEY": MANDRILL_KEY if "mandrill" in on else "",
    }
    settings.INBOUND_POSTMARK_BASIC_AUTH = POSTMARK_AUTH if "postmark" in on else ""
    settings.INBOUND_SENDGRID_BASIC_AUTH = SENDGRID_AUTH if "sendgrid" in on else ""
    settings.INBOUND_SES_BASIC_AUTH = SES_AUTH if "amazon_ses" in on else ""
    settings.INBOUND_SES_TOPIC_ARN = TOPIC if "amazon_ses" in on else ""


def post(client, provider: str, mail: Mail, auth: str = "good"):
    if provider == "mailgun":
        timestamp, token = str(int(time.time())), "a" * 50
        key = MAILGUN_KEY if auth == "good" else "key-forged"
        signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
        fields = {"timestamp": timestamp, "token": token, "body-mime": mail.raw.decode()}
        if auth != "missing":
            fields["signature"] = signature
        return client.post(reverse("inbound_mailgun"), fields)
    if provider == "mandrill":
        events = json.dumps(_fill(_fixture("mandrill")["events"], mail.subs()))
        key = MANDRILL_KEY if auth == "good" else "forged-key"
        signed = "http://testserver" + reverse("inbound_mandrill") + "mandrill_events" + events
        signature = base64.b64encode(hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()).decode()
        headers = {} if auth == "missing" else {"HTTP_X_MANDRILL_SIGNATURE": signature}
        # Urlencoded, as Mandrill posts its webhooks (the test client's default would be multipart).
        form = urlencode({"mandrill_events": events})
        return client.post(
            reverse("inbound_mandrill"), form, content_type="application/x-www-form-urlencoded", **headers
        )
    if provider in ("postmark", "sendgrid"):
        pair = POSTMARK_AUTH if provider == "postmark" else SENDGRID_AUTH
        headers = {} if auth == "missing" else {"HTTP_AUTHORIZATION": _basic(pair if auth == "good" else "x:wrong")}
        if provider == "postmark":
            payload = json.dumps(_fill(_fixture("postmark")["payload"], mail.subs()))
            return client.post(reverse("inbound_postmark"), payload, content_type="application/json", **headers)
        return client.post(reverse("inbound_sendgrid"), _fill(_fixture("sendgrid")["fields"], mail.subs()), **headers)
    if provider == "amazon_ses":
        if auth == "good":
            return ses_post(client, ses_body(mail))
        if auth == "wrong":  # right shared secret, but not signed by Amazon's key
            return ses_post(client, ses_body(mail, key=OTHER_KEY))
        body = ses_body(mail)
        del body["Signature"]
        return ses_post(client, body)
    raise AssertionError(provider)


@pytest.fixture
def sent(caseworker, sends, committed):
    return emailed_request(caseworker, sends, committed, rules=TELEGRAM_RULES)


# ---- every provider ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_correctly_authenticated_post_files_the_reply_on_its_request(provider, sent, client, settings):
    configure(settings, provider)
    request, message = sent
    mail = Mail(message.reply_to[0], "Hello,\nThe content has been removed.\nTicket # TG-20261206\n")
    response = post(client, provider, mail)
    assert response.status_code == 200, response.content
    reply = PlatformReply.objects.get()
    assert reply.request == request and reply.route == PlatformReply.Route.WEBHOOK
    assert reply.match == PlatformReply.Match.TOKEN and reply.message_id == mail.message_id
    assert reply.suggested_status == state.REMOVED and reply.suggested_ticket == "TG-20261206"
    request.refresh_from_db()
    assert request.status == state.SENT  # a suggestion only


@pytest.mark.parametrize("auth", ["wrong", "missing"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_or_missing_signature_is_refused_and_files_nothing(provider, auth, sent, client, settings):
    configure(settings, provider)
    _, message = sent
    response = post(client, provider, Mail(message.reply_to[0], "The content has been removed."), auth)
    assert response.status_code in (400, 401)
    assert not PlatformReply.objects.exists()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_forged_token_goes_to_triage_and_nothing_is_lost(provider, sent, client, settings):
    configure(settings, provider)
    request, _ = sent
    forged = f"requests+r{request.pk}t{'0' * 24}@helpline.example"
    response = post(client, provider, Mail(forged, "The content has been removed."))
    assert response.status_code == 200
    reply = PlatformReply.objects.get()
    assert reply.request is None and reply.match == PlatformReply.Match.FORGED
    assert "content has been removed" in reply.body
    request.refresh_from_db()
    assert request.status == state.SENT


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_route_whose_secret_is_not_set_is_absent(provider, sent, client, settings):
    configure(settings, next(p for p in PROVIDERS if p != provider))  # another provider's route is on
    _, message = sent
    assert post(client, provider, Mail(message.reply_to[0], "removed")).status_code == 404
    assert not PlatformReply.objects.exists()


@pytest.mark.parametrize("provider", ["postmark", "sendgrid", "mandrill"])
def test_an_authenticated_post_that_is_not_a_readable_payload_gets_a_clear_400(provider, client, settings):
    configure(settings, provider)
    if provider == "postmark":
        response = client.post(
            reverse("inbound_postmark"), "{not json", content_type="application/json",
            HTTP_AUTHORIZATION=_basic(POSTMARK_AUTH),
        )  # fmt: skip
    elif provider == "sendgrid":
        response = client.post(reverse("inbound_sendgrid"), {"x": "y"}, HTTP_AUTHORIZATION=_basic(SENDGRID_AUTH))
    else:
        events = "[{]"
        signed = "http://testserver" + reverse("inbound_mandrill") + "mandrill_events" + events
        signature = base64.b64encode(hmac.new(MANDRILL_KEY.encode(), signed.encode(), hashlib.sha1).digest())
        response = client.post(
            reverse("inbound_mandrill"), {"mandrill_events": events}, HTTP_X_MANDRILL_SIGNATURE=signature.decode()
        )
    assert response.status_code == 400 and b"could not be read" in response.content
    assert not PlatformReply.objects.exists()


def test_the_same_mail_from_two_providers_is_stored_once(sent, client, settings):
    configure(settings)
    _, message = sent
    mail = Mail(message.reply_to[0], "We need more information.")
    assert post(client, "postmark", mail).status_code == 200
    assert post(client, "amazon_ses", mail).status_code == 200
    assert PlatformReply.objects.count() == 1


# ---- Amazon SES: what anymail leaves unchecked -------------------------------------------------------------------


def test_ses_signature_version_1_sha1_verifies_too(sent, client, settings):
    configure(settings, "amazon_ses")
    _, message = sent
    body = ses_body(Mail(message.reply_to[0], "removed"), SignatureVersion="1")
    assert ses_post(client, body).status_code == 200 and PlatformReply.objects.count() == 1


def test_ses_refuses_a_validly_signed_message_for_another_topic(sent, client, settings):
    configure(settings, "amazon_ses")
    _, message = sent
    body = ses_body(Mail(message.reply_to[0], "removed"), TopicArn="arn:aws:sns:eu-west-1:999999999999:not-ours")
    assert ses_post(client, body).status_code == 400
    assert not PlatformReply.objects.exists()


def test_ses_refuses_an_altered_message_whose_signature_no_longer_matches(sent, client, settings):
    configure(settings, "amazon_ses")
    _, message = sent
    body = ses_body(Mail(message.reply_to[0], "The content has been removed."))
    notification = json.loads(body["Message"])
    notification["content"] = base64.b64encode(b"Subject: altered\r\n\r\nother text").decode()
    body["Message"] = json.dumps(notification)
    assert ses_post(client, body).status_code == 400
    assert not PlatformReply.objects.exists()


def test_ses_never_fetches_a_certificate_from_a_host_that_is_not_amazon_sns(sent, client, settings, amazon):
    configure(settings, "amazon_ses")
    _, message = sent
    for url in (
        "https://evil.example/cert.pem",
        "http://sns.eu-west-1.amazonaws.com/cert.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
        "https://sns.eu-west-1.amazonaws.com:8443/cert.pem",
    ):
        body = ses_body(Mail(message.reply_to[0], "removed"), SigningCertURL=url)
        assert ses_post(client, body).status_code == 400
    assert amazon == [] and not PlatformReply.objects.exists()


def test_ses_checks_the_shared_secret_before_fetching_anything(sent, client, settings, amazon):
    configure(settings, "amazon_ses")
    _, message = sent
    body = ses_body(Mail(message.reply_to[0], "removed"))
    assert ses_post(client, body, auth=None).status_code == 401  # SNS sends its credentials only when challenged
    assert ses_post(client, body, auth="sns:wrong").status_code == 400
    assert amazon == [] and not PlatformReply.objects.exists()


def test_ses_confirms_a_verified_subscription_to_our_topic_by_visiting_its_subscribe_url(client, settings, amazon):
    configure(settings, "amazon_ses")
    confirmation = sns_sign({**_fill(_fixture("amazon_ses")["subscription"], {"__TOPIC_ARN__": TOPIC}),
                             "SigningCertURL": CERT_URL})  # fmt: skip
    assert ses_post(client, confirmation).status_code == 200
    assert amazon == [CERT_URL, confirmation["SubscribeURL"]]


def test_ses_does_not_confirm_a_subscription_whose_signature_fails(client, settings, amazon):
    configure(settings, "amazon_ses")
    confirmation = sns_sign(
        {**_fill(_fixture("amazon_ses")["subscription"], {"__TOPIC_ARN__": TOPIC}), "SigningCertURL": CERT_URL},
        key=OTHER_KEY,
    )
    assert ses_post(client, confirmation).status_code == 400
    assert all("ConfirmSubscription" not in url for url in amazon)


def test_ses_s3_action_mail_is_downloaded_from_the_bucket_and_filed(sent, client, settings):
    """The receipt rule's S3 action (mail over 150 KB): the notification names the object; anymail reads it with
    boto3 (here from moto's S3 over HTTP) and the reply is filed like any other."""
    import boto3

    from tests.services import s3_server

    configure(settings, "amazon_ses")
    request, message = sent
    mail = Mail(message.reply_to[0], "The content has been removed. Ticket # TG-30000001")
    with s3_server() as endpoint:
        params = {"endpoint_url": endpoint, "region_name": "eu-west-1"}
        credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        s3 = boto3.client("s3", **params, **credentials)
        s3.create_bucket(Bucket="replies", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket="replies", Key="inbound/abc123", Body=mail.raw)
        settings.ANYMAIL = {**settings.ANYMAIL, "AMAZON_SES_CLIENT_PARAMS": {**params, **credentials}}
        document = _fixture("amazon_ses")
        notification = _fill(document["ses"], mail.subs())
        notification["receipt"]["action"] = {
            "type": "S3", "topicArn": TOPIC, "bucketName": "replies", "objectKey": "inbound/abc123",
        }  # fmt: skip
        del notification["content"]  # the S3 action's notification carries no content
        body = sns_sign({**_fill(document["sns"], mail.subs()), "Message": json.dumps(notification),
                         "SigningCertURL": CERT_URL})  # fmt: skip
        assert ses_post(client, body).status_code == 200
        reply = PlatformReply.objects.get()
        assert reply.request == request and reply.suggested_ticket == "TG-30000001"
        # An object that cannot be read: 500, so SNS tries again (the mail is still in the bucket).
        notification["receipt"]["action"]["objectKey"] = "inbound/missing"
        missing = sns_sign({**body, "MessageId": "another", "Message": json.dumps(notification)})
        client.raise_request_exception = False
        assert ses_post(client, missing).status_code == 500


@pytest.mark.parametrize(("provider", "lines"), [("postmark", 200_000), ("mandrill", 100_000)])
def test_a_reply_over_the_form_body_limit_is_still_filed(sent, client, settings, provider, lines):
    """JSON and form posts elsewhere stop at 2.5 MB (tests/security/test_request_size.py); a reply with a long
    body or attachments must still reach its request. (Mandrill's post carries the text twice.)"""
    configure(settings, provider)
    _, message = sent
    mail = Mail(message.reply_to[0], "The content has been removed.\n" + "Details follow. " * lines)
    response = post(client, provider, mail)
    assert int(response.wsgi_request.META["CONTENT_LENGTH"]) > settings.FORM_BODY_MAX_BYTES
    assert response.status_code == 200
    assert PlatformReply.objects.count() == 1
