"""The case page: safe contact first, victim details, the removal board, hashes, notes, messages, timeline, status."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.models import CaseMessage
from cases.models import Case, CaseHash, CaseURL
from tests.casework.conftest import make_case, make_request, page_queries, plain_text, safe_contact

ORIGIN = Origin(ip="127.0.0.1")


def case_url(case) -> str:
    return reverse("casework:case", args=[case.reference])


@pytest.fixture
def my_case(caseworker, platform):
    case = make_case(signed_at=None, categories=["known_person"])
    link = CaseURL.objects.create(
        case=case, url="https://examplegram.test/p/123", url_digest="d" * 64, host="examplegram.test"
    )
    request = make_request(case, platform, status="sent", deadline_in_hours=20)
    request.urls.add(link)
    CaseHash.objects.create(case=case, media_kind="image", pdq="a" * 64, phash="b" * 16, md5="c" * 32, sha256="d" * 64)
    CaseHash.objects.create(case=case, media_kind="video", md5="e" * 32, sha256="f" * 64)
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    return case


@pytest.mark.django_db
def test_the_assigned_caseworker_sees_safe_contact_first_then_details_board_and_hashes(caseworker_client, my_case):
    html = caseworker_client.get(case_url(my_case)).content.decode()
    assert html.index("Safe contact: read before any contact") < html.index("Alex Example")
    assert "weekdays 9-12" in html and "tulip" in html and "Do not leave a voicemail" in html
    assert 'class="removal-board"' in html and "Examplegram" in html and "RR-" in html
    assert "https://examplegram.test/p/123" in html, "the board's request text lists the URLs"
    assert re.search(r"2 files: 1 image, 1 video", html)
    assert "<dt>PDQ</dt><dd>1</dd>" in html and "<dt>SHA-256</dt><dd>2</dd>" in html
    assert "aaaaaaaa" not in html, "hash values are never shown, only their types and counts"


@pytest.mark.django_db
def test_another_caseworker_sees_the_requests_without_their_texts(client, other_caseworker, my_case):
    client.force_login(other_caseworker)
    html = client.get(case_url(my_case)).content.decode()
    assert "Examplegram" in html and "Sent" in html
    assert "examplegram.test/p/123" not in html and 'class="removal-board"' not in html
    assert "Internal notes" not in html and "Messages to the victim" not in html


@pytest.mark.django_db
def test_forbidden_contact_channels_carry_a_warning_before_the_action(caseworker_client, caseworker):
    case = make_case(safe_contact=safe_contact(["text"], voicemail=False))
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    html = caseworker_client.get(case_url(case)).content.decode()
    assert "Email is not a safe way to reach them. Show the address anyway</summary>" in html
    assert "(texts are safe; no voicemail)" in html
    assert "do not allow email: a message only appears on their status page" in html
    assert re.search(r'<input type="checkbox" name="email"[^>]*disabled', html)
    # Even a hand-made POST asking for email sends none.
    caseworker_client.post(reverse("casework:message_send", args=[case.reference]), {"body": "Hi", "email": "on"})
    assert CaseMessage.objects.get(case=case).email_status == CaseMessage.Email.NOT_SENT


@pytest.mark.django_db
def test_a_case_without_preferences_says_not_to_contact(caseworker_client, caseworker):
    case = make_case(safe_contact="")
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    html = caseworker_client.get(case_url(case)).content.decode()
    assert "No safe-contact preferences were given: do not contact them directly." in html
    assert "Calls and texts are not safe for them. Show the number anyway" in html


@pytest.mark.django_db
def test_notes_messages_and_status_changes_appear_on_the_page_and_its_timeline(caseworker_client, my_case):
    url = case_url(my_case)
    assert (
        caseworker_client.post(reverse("casework:note_add", args=[my_case.reference]), {"text": "Called Examplegram"})[
            "Location"
        ]
        == url
    )
    caseworker_client.post(
        reverse("casework:message_send", args=[my_case.reference]), {"body": "We asked Examplegram to remove it."}
    )
    response = caseworker_client.post(reverse("casework:status", args=[my_case.reference]), {"status": "closed"})
    assert response.status_code == 400 and "Choose a closing reason" in response.content.decode()
    caseworker_client.post(
        reverse("casework:status", args=[my_case.reference]), {"status": "closed", "closing_reason": "removed"}
    )
    html = caseworker_client.get(url).content.decode()
    assert "Called Examplegram" in html and "We asked Examplegram to remove it." in html
    assert "Closed: Images removed" in html and "Reopen the case" in html
    timeline = plain_text(html.split('id="timeline-title"', 1)[1])
    for label in (
        "Claimed",
        "Internal note added",
        "Message sent to the victim",
        "Status changed In progress → Closed",
    ):
        assert label in timeline
    caseworker_client.post(reverse("casework:status", args=[my_case.reference]), {"status": "in_progress"})
    assert Case.objects.get(pk=my_case.pk).status == Case.Status.IN_PROGRESS
    assert "Reopened Closed → In progress" in plain_text(caseworker_client.get(url).content.decode())


@pytest.mark.django_db
def test_a_platform_answer_recorded_on_the_board_shows_in_the_timeline(caseworker_client, my_case):
    request = my_case.removal_requests.get()
    caseworker_client.post(
        reverse("removals:request_action", args=[my_case.reference, request.pk, "answer"]),
        {"from_status": "sent", "answer": "removed", "ticket_number": "T-1"},
    )
    timeline = plain_text(caseworker_client.get(case_url(my_case)).content.decode().split('id="timeline-title"', 1)[1])
    assert "Removal request examplegram: Sent → Removed" in timeline


@pytest.mark.django_db
def test_an_unknown_reference_is_not_found(caseworker_client):
    assert caseworker_client.get(reverse("casework:case", args=["HL-NONE-NONE"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["caseworker", "supervisor", "other_caseworker"])
def test_the_case_page_query_count_does_not_grow_with_the_case(client, request, my_case, platform, viewer):
    from cases.removals.models import Platform

    user = request.getfixturevalue(viewer)
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(case_url(my_case)).status_code == 200
        return page_queries(captured)

    before = queries()
    caseworker = my_case.assigned_to
    for i in range(6):
        other = Platform.objects.create(slug=f"site-{i}", name=f"Site {i}")
        make_request(my_case, other, status="sent", deadline_in_hours=i - 3)
        services.note_add(case=my_case, text=f"note {i}", actor=caseworker, origin=ORIGIN)
        services.message_send(case=my_case, body=f"message {i}", actor=caseworker, origin=ORIGIN, email=False)
    after = queries()
    assert before == after
    assert after <= 16, after  # 16: the removal board prefetches its platform replies (one query)


@pytest.mark.django_db
def test_evidence_is_shown_blurred_with_a_reveal_button_and_a_plain_link(
    caseworker_client, caseworker, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.casework.test_evidence import png_with_metadata

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    evidence = services.evidence_add(
        case=case,
        upload=SimpleUploadedFile("a.png", png_with_metadata(), content_type="image/png"),
        kind="profile",
        actor=caseworker,
        origin=ORIGIN,
    )
    html = caseworker_client.get(case_url(case)).content.decode()
    figure = html.split(f'id="evidence-{evidence.pk}"', 1)[1].split("</figure>", 1)[0]
    file_url = reverse("casework:evidence_file", args=[case.reference, evidence.pk])
    assert f'<img src="{file_url}"' in figure and "blurred until revealed" in figure
    assert "data-evidence-reveal" in figure and " hidden>Reveal" in figure, "the button appears only with JS"
    assert f'href="{file_url}"' in figure
    assert '<script type="module" src="/static/casework/evidence.js">' in html
    css = (settings.BASE_DIR / "static/casework/casework.css").read_text()
    assert ".evidence img {" in css and "blur(" in css and ".evidence.is-revealed img { filter: none" in css


@pytest.mark.django_db
def test_a_supervisor_assigns_from_its_own_page(client, supervisor, caseworker):
    case = make_case()
    client.force_login(supervisor)
    page = client.get(reverse("casework:assign", args=[case.reference]))
    assert page.status_code == 200 and f">{caseworker}</option>" in page.content.decode()
    response = client.post(reverse("casework:assign", args=[case.reference]), {"assignee": str(caseworker.pk)})
    assert response["Location"] == case_url(case)
    again = client.post(reverse("casework:assign", args=[case.reference]), {"assignee": str(caseworker.pk)})
    assert again.status_code == 400 and "already assigned to Casey" in again.content.decode()
    history = plain_text(client.get(reverse("casework:assign", args=[case.reference])).content.decode())
    assert "Assigned Casey — Sam" in history


@pytest.mark.django_db
def test_the_case_page_shows_video_fingerprints_as_counts_and_duration(caseworker_client, my_case):
    html = caseworker_client.get(case_url(my_case)).content.decode()
    assert "Video fingerprints (vPDQ)" not in html  # the video the browser could not decode has none
    frames = [["9" * 64, 100, n * 30, float(n)] for n in range(185)]
    CaseHash.objects.create(
        case=my_case,
        media_kind="video",
        md5="1" * 32,
        sha256="2" * 64,
        vpdq_frames=frames,
        video={"duration": 185.4, "width": 1280, "height": 720, "frame_rate": 30.0},
    )
    CaseHash.objects.create(
        case=my_case, media_kind="video", md5="3" * 32, sha256="4" * 64, vpdq_frames=frames[:5], video={"duration": 5}
    )
    html = caseworker_client.get(case_url(my_case)).content.decode()
    assert "Video fingerprints (vPDQ): 2 videos, 190 frames hashed (one a second), 0:03:10 of video." in html
    assert "9999999999" not in html
