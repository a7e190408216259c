"""Inbound email webhooks through django-anymail: the provider's signature is checked by anymail's view, then
the message is filed exactly as one polled from the mailbox."""

from __future__ import annotations

from anymail.signals import inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from cases.removals.replies.models import PlatformReply
from cases.removals.replies.services import reply_ingest


@receiver(inbound, dispatch_uid="removals-replies-inbound")
def file_inbound(sender, event, esp_name, **kwargs) -> None:
    reply_ingest(raw=event.message.as_bytes(), route=PlatformReply.Route.WEBHOOK)


@csrf_exempt
def mailgun_inbound(request, *args, **kwargs):
    # Without a signing key anymail would refuse to start the view; the route is simply not there.
    if not (getattr(settings, "ANYMAIL", {}) or {}).get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404("Inbound mail is not configured.")
    return MailgunInboundWebhookView.as_view()(request, *args, **kwargs)
