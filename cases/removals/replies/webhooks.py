"""Inbound email webhooks through django-anymail: each provider's request is authenticated, then the message is filed
exactly as one polled from the mailbox.

How each route is authenticated (each exists only when its own secret is set; otherwise it answers 404):

| route | provider's documented check | who checks it |
| --- | --- | --- |
| /inbound/mailgun/ | HMAC-SHA256 of timestamp + token with the webhook signing key | anymail |
| /inbound/mandrill/ | X-Mandrill-Signature: HMAC-SHA1 of the URL + sorted POST fields with the webhook key | anymail |
| /inbound/postmark/ | HTTP basic auth in the webhook URL (Postmark signs nothing) | anymail |
| /inbound/sendgrid/ | HTTP basic auth in the webhook URL | anymail |
| /inbound/amazon-ses/ | HTTP basic auth, then the SNS message signature and topic | anymail (auth), sns.py |

SendGrid's Inbound Parse can also sign its posts (ECDSA "security policies"); anymail 13.1 does not check that
signature and neither does this module: the SendGrid route rests on basic auth over HTTPS alone.

Each provider has its own secret (not anymail's single WEBHOOK_SECRET), so a secret leaked from one provider's
dashboard opens only that provider's route, and a route is on exactly when its own secret is set."""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import inbound
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.base import AnymailBaseWebhookView, AnymailBasicAuthMixin
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.mandrill import MandrillCombinedWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

from cases.removals.replies import sns
from cases.removals.replies.models import PlatformReply
from cases.removals.replies.services import reply_ingest
from helpline.middleware import large_form_body

log = logging.getLogger(__name__)


class IngestFailed(Exception):
    """Filing failed on our side (the database...): answered 500, so the provider delivers the mail again."""


@receiver(inbound, dispatch_uid="removals-replies-inbound")
def file_inbound(sender, event, esp_name, **kwargs) -> None:
    try:
        reply_ingest(raw=event.message.as_bytes(), route=PlatformReply.Route.WEBHOOK)
    except Exception as exc:
        raise IngestFailed(f"{esp_name} inbound mail could not be filed") from exc


# ---- the views: anymail's, given each provider's own secret ------------------------------------------------


class PostmarkInbound(PostmarkInboundWebhookView):
    webhook_secret = None  # declared so that as_view() accepts it; anymail reads it as the basic-auth pair


class SendGridInbound(SendGridInboundWebhookView):
    webhook_secret = None

    def __init__(self, **kwargs):
        # anymail warns on every request that it no longer officially supports SendGrid; the inbound parsing this
        # route uses is unchanged, and the tests below run it on SendGrid's documented payloads.
        AnymailBaseWebhookView.__init__(self, **kwargs)


class AmazonSESInbound(AmazonSESInboundWebhookView):
    webhook_secret = None
    auto_confirm_sns_subscriptions = None
    topic_arn = ""

    def validate_request(self, request):
        # anymail collects every validate_request in the class chain and runs this one first: check the shared
        # secret before anything costs a certificate fetch, then the signature and topic anymail leaves unchecked.
        AnymailBasicAuthMixin.validate_request(self, request)
        message = self._parse_sns_message(request)
        if not isinstance(message, dict):
            raise AnymailWebhookValidationFailure("The SNS body is not a JSON object.")
        try:
            sns.verify(message, topic_arn=self.topic_arn)
        except sns.SnsRefused as exc:
            raise AnymailWebhookValidationFailure(f"Amazon SNS message refused: {exc}") from exc

    def download_s3_object(self, bucket_name: str, object_key: str):
        # The receipt rule's S3 action (mail over SNS's 150 KB): the mail waits in the bucket; if it cannot be read
        # now, answer 500 so SNS delivers the notification again (SNS takes any 4xx as delivered).
        try:
            return super().download_s3_object(bucket_name, object_key)
        except Exception as exc:
            raise IngestFailed(f"s3://{bucket_name}/{object_key} could not be read") from exc

    def auto_confirm_sns_subscription(self, sns_message):
        # Reached only once the confirmation verified (basic auth, SNS signature, our topic).
        try:
            sns.confirm_subscription(sns_message)
        except (sns.SnsRefused, OSError) as exc:
            raise AnymailWebhookValidationFailure(f"The SNS subscription could not be confirmed: {exc}") from exc
        log.info("confirmed the SNS subscription to %s", sns_message.get("TopicArn"))


def _anymail(key: str) -> str:
    return str((getattr(settings, "ANYMAIL", {}) or {}).get(key) or "")


def _view_for(provider: str):
    """The configured view of a provider, or None when its secret is not set (the route is then absent)."""
    if provider == "mailgun":
        return MailgunInboundWebhookView.as_view() if _anymail("MAILGUN_WEBHOOK_SIGNING_KEY") else None
    if provider == "mandrill":
        key = _anymail("MANDRILL_WEBHOOK_KEY")
        # Mandrill signs the URL it posts to: behind a proxy that rewrites it, MANDRILL_WEBHOOK_URL pins it.
        return (
            MandrillCombinedWebhookView.as_view(webhook_key=key, webhook_url=_anymail("MANDRILL_WEBHOOK_URL") or None)
            if key
            else None
        )
    if provider == "postmark":
        secret = settings.INBOUND_POSTMARK_BASIC_AUTH
        return PostmarkInbound.as_view(webhook_secret=[secret]) if secret else None
    if provider == "sendgrid":
        secret = settings.INBOUND_SENDGRID_BASIC_AUTH
        return SendGridInbound.as_view(webhook_secret=[secret]) if secret else None
    if provider == "amazon_ses":
        secret, topic = settings.INBOUND_SES_BASIC_AUTH, settings.INBOUND_SES_TOPIC_ARN
        if not (secret and topic):
            return None
        return AmazonSESInbound.as_view(webhook_secret=[secret], auto_confirm_sns_subscriptions=True, topic_arn=topic)
    raise Http404("No such inbound route.")


def _inbound(provider: str):
    @csrf_exempt
    def view(request, *args, **kwargs):
        handler = _view_for(provider)
        if handler is None:
            raise Http404("Inbound mail is not configured for this provider.")
        try:
            return handler(request, *args, **kwargs)
        except IngestFailed:
            raise  # ours: a 500, and the provider tries again later
        except AnymailWebhookValidationFailure:
            raise  # Django answers 400 and logs it as a security event
        except (AnymailError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # Authenticated but not a payload we can read: say so; nothing was filed.
            log.warning("%s inbound payload refused: %s", provider, type(exc).__name__)
            return HttpResponseBadRequest(f"The {provider} inbound payload could not be read ({type(exc).__name__}).")

    view.__name__ = f"{provider}_inbound"
    # A platform's reply with its attachments comes as JSON or a form (Postmark, Mandrill), not only multipart.
    return large_form_body()(view)


mailgun_inbound = _inbound("mailgun")
mandrill_inbound = _inbound("mandrill")
postmark_inbound = _inbound("postmark")
sendgrid_inbound = _inbound("sendgrid")
amazon_ses_inbound = _inbound("amazon_ses")
