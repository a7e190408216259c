"""Celery tasks for casework (thin): the email notice that a victim has a new message."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from cases.casework.models import CaseMessage
from cases.casework.safe_contact import SafeContact

logger = logging.getLogger(__name__)


def notice_text(*, may_name_helpline: bool) -> tuple[str, str]:
    """Subject and body of the notice. Without permission to name the helpline, neither names it nor links to it."""
    if may_name_helpline:
        return (
            f"{settings.SITE_NAME}: a new message about your case",
            "There is a new message for you about your case.\n\n"
            f"Read it by signing in with your case reference and PIN at {settings.PORTAL_BASE_URL}/\n\n"
            "For your safety this email does not include the message itself.\n",
        )
    return ("A new message for you", "There is a new message for you. Sign in the usual way to read it.\n")


@shared_task(name="casework.message_email_notice", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def message_email_notice(message_id: int) -> None:
    """Send the notice once. Preferences are checked again: the victim may have changed them since."""
    with transaction.atomic():
        message = CaseMessage.objects.select_for_update().select_related("case").filter(pk=message_id).first()
        if message is None or message.email_status != CaseMessage.Email.QUEUED:
            return  # deleted (erasure) or already handled: running twice sends once
        case = message.case
        prefs = SafeContact.parse(case.safe_contact)
        if case.erased_at or not case.contact_email:
            message.email_status = CaseMessage.Email.NO_ADDRESS
        elif not (case.consent_contact and prefs.allows("email")):
            message.email_status = CaseMessage.Email.FORBIDDEN
        else:
            subject, body = notice_text(may_name_helpline=prefs.email_may_name_helpline)
            send_mail(subject, body, None, [case.contact_email], fail_silently=False)
            message.email_status = CaseMessage.Email.SENT
            message.emailed_at = timezone.now()
        message.save(update_fields=["email_status", "emailed_at"])
