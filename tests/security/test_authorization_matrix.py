"""The authorization matrix: every URL pattern of the project (from the URL resolver, tests/urlwalk.py) requested as
each of nine people, with the outcome asserted and the victim's personal data looked for in every answer.

A URL pattern that is not in ACCESS below fails `test_every_url_pattern_is_classified` until someone decides who
may reach it. Patterns are classified into a few access classes; each class says, per person, what must happen
(EXPECT) and who may see the case's personal data (MAY_SEE_PII). The whole Django admin is one class: every admin
page goes through AdminSite.admin_view, so a new ModelAdmin is covered by the same rule and requested here too.

Real objects stand behind every path: the case with known personal data (tests/security/conftest.py PII) and its
reference, its evidence, its removal request; the other victim has a case of their own.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from PIL import Image

from cases.casework import services as casework
from cases.casework.audit import Origin
from cases.casework.models import CaseMessage, CaseNote, Evidence
from cases.models import Case, CaseURL
from cases.removals import drafting
from cases.removals.models import RemovalRequest
from hashing.models import PartnerFeedback
from tests.cases.helpers import post_form
from tests.security.conftest import PII, victim_client
from tests.urlwalk import Route, all_routes

PERSONS = (
    "anonymous",
    "victim",  # signed in to the case with its reference and PIN
    "other_victim",  # signed in to another case
    "caseworker",  # the case is assigned to them
    "other_caseworker",
    "supervisor",
    "staff_without_mfa",
    "partner",  # a live partner API key, no session
    "revoked_partner",  # a revoked partner API key
)

# --- Outcomes: what a response must be. ---


def _location(response) -> str:
    return response.get("Location", "")


OUTCOMES = {
    "ok": lambda r: 200 <= r.status_code < 400 and not _location(r).startswith(("/accounts/login/", "/admin/login/")),
    "page": lambda r: r.status_code == 200,
    "login": lambda r: r.status_code == 302 and _location(r).startswith("/accounts/login/"),
    "mfa": lambda r: r.status_code == 302 and _location(r) == "/accounts/2fa/totp/activate/",
    "status_sign_in": lambda r: r.status_code == 302 and _location(r) == "/status/",
    "admin_login": lambda r: r.status_code == 302 and _location(r).startswith("/admin/login/"),
    "denied": lambda r: r.status_code in (403, 404),
    "denied_or_redacted": lambda r: r.status_code in (200, 403, 404),
    "refused": lambda r: r.status_code in (302, 400, 403, 404) and not _location(r).startswith("/accounts/"),
    "unauthorized": lambda r: r.status_code == 401,
    "method": lambda r: r.status_code == 405,
    "not_found": lambda r: r.status_code == 404,
    "safe": lambda r: r.status_code < 500,
}


def everyone(outcome: str, **overrides: str) -> dict[str, str]:
    return {person: overrides.get(person, outcome) for person in PERSONS}


# StaffMFAMiddleware sends a signed-in account without MFA to enrolment from every page but /accounts/, /static/,
# /healthz and /i18n/, whatever the page.
MFA = {"staff_without_mfa": "mfa"}

# --- Access classes: per person, the outcome of a GET. ---

EXPECT: dict[str, dict[str, str]] = {
    # Anyone: the victim's side before sign-in, help pages, health.
    "public": everyone("ok", **MFA),
    "public_no_mfa_gate": everyone("ok"),
    # POST-only public endpoints (language switch, discard draft, sign out): a GET changes nothing.
    "public_post_only": everyone("method", **MFA),
    # The signed-in victim's own case (reference + PIN session); nobody else has that session.
    "victim": everyone("status_sign_in", victim="page", other_victim="page", **MFA),
    "victim_post_only": everyone("status_sign_in", victim="method", other_victim="method", **MFA),
    # Any member of staff with MFA.
    "staff": everyone("login", caseworker="page", other_caseworker="page", supervisor="page", **MFA),
    # Supervisors only.
    "supervisor": everyone("login", caseworker="denied", other_caseworker="denied", supervisor="page", **MFA),
    # One case's details: the assigned caseworker and supervisors; other staff get no personal data.
    "case": everyone("login", caseworker="ok", other_caseworker="denied_or_redacted", supervisor="ok", **MFA),
    # POST-only actions on a case (GET refused before anything else).
    "case_post_only": everyone("method", **MFA),
    # The partner API: a live key only. Sessions (victim's or staff's) are no key.
    "partner": everyone("unauthorized", partner="page", **MFA),
    "partner_post_only": everyone("unauthorized", partner="method", **MFA),
    "partner_method_first": everyone("method", **MFA),
    "partner_schema": everyone("page", **MFA),
    "partner_root": everyone("not_found", **MFA),
    # Staff sign-in, sign-out and MFA pages (allauth). Reachable without MFA by design (enrolment lives here).
    "account": everyone("safe"),
    # Links that carry a one-time token: a made-up token opens nothing.
    "token": everyone("safe", **MFA),
    "account_token": everyone("safe"),
    # The Django admin: superusers only; none of these people is one.
    "admin": everyone("admin_login", **MFA),
    "admin_logout": everyone("ok", **MFA),
    # The admin's password form is replaced by the staff sign-in (with MFA); staff who are not admins are refused.
    "admin_login_page": everyone("login", caseworker="denied", other_caseworker="denied", supervisor="denied", **MFA),
    # Inbound mail webhooks: signed by the provider, not a session; absent (404) when no signing key is set, as here.
    "webhook": everyone("not_found", **MFA),
}

# Who may see the case's personal data in a response of each class (everyone else: never).
MAY_SEE_PII: dict[str, set[str]] = {
    "victim": {"victim"},
    "case": {"caseworker", "supervisor"},
}

# --- Every URL pattern, by name (or by pattern where it has none), in its class. ---

ACCESS: dict[str, str] = {
    "home": "public",
    "healthz": "public_no_mfa_gate",
    "set_language": "public_no_mfa_gate",  # a GET changes nothing and goes back
    "quick_exit": "public_post_only",  # the quick-exit beacon ends the session; a GET changes nothing
    # Victims: intake and help pages.
    "intake:start": "public",
    "intake:step": "public",
    "intake:check": "public",
    "intake:done": "public",
    "intake:discard": "public_post_only",
    "guide:guide": "public",
    "guide:browse_privately": "public",
    "guide:privacy_check": "public",
    # Victims: status pages.
    "status:sign_in": "public",
    "status:case": "victim",
    "status:add_urls": "victim_post_only",
    "status:add_hashes": "victim_post_only",
    "status:contact": "victim",
    "status:withdraw": "victim",
    "status:delete": "victim",
    "status:dmca_confirm": "victim",
    "status:sign_out": "public_post_only",
    "status:summary": "victim",
    "status:stopncii": "victim_post_only",
    # Staff: casework.
    "staff:home": "staff",
    "casework:queue": "staff",
    "casework:case": "case",
    "casework:claim": "case_post_only",
    "casework:assign": "supervisor",
    "casework:status": "case_post_only",
    "casework:bank_release": "case_post_only",
    "casework:note_add": "case_post_only",
    "casework:message_send": "case_post_only",
    "casework:evidence_add": "case_post_only",
    "casework:evidence_file": "case",
    "casework:evidence_pack": "case_post_only",
    "casework:audit": "supervisor",
    "casework:audit_export": "supervisor",
    "staff:invitations": "supervisor",
    "staff:invitation_accept": "token",
    "staff:invitation_accept_form": "token",
    "removals:case_board": "case",
    "removals:request_action": "case_post_only",
    "removals:evidence_confirm": "case_post_only",
    "removals:abuse_lookup": "case",
    "removals:reply_action": "case_post_only",  # a reply of no case here: 404 for everyone who may post at all
    "removals:reply_triage": "supervisor",
    "inbound_mailgun": "webhook",
    "inbound_mandrill": "webhook",
    "inbound_postmark": "webhook",
    "inbound_sendgrid": "webhook",
    "inbound_amazon_ses": "webhook",
    # Staff: reports.
    "reporting:cases": "supervisor",
    "reporting:removals": "supervisor",
    "reporting:queue": "supervisor",
    "reporting:bank": "supervisor",
    "reporting:mine": "staff",
    "reporting:export": "supervisor",
    "reporting:export_external": "supervisor",
    "reporting:own_export": "staff",
    # Partner API.
    "stopncii:fetch_hashes": "partner",
    "stopncii:submit_feedback": "partner_post_only",
    "bank-api:bank_fetch": "partner",
    "bank-api:match": "partner_method_first",
    "bank-api:feedback": "partner_method_first",
    "bank-api:partner-docs": "partner_schema",
    "bank-api:partner-docs-explorer": "partner_schema",
    "bank-api:openapi-json": "partner_schema",
    "bank-api:api-root": "partner_root",
    # Staff accounts (allauth).
    "account_login": "account",
    "account_logout": "account",
    "account_inactive": "account",
    "account_signup": "account",
    "account_reauthenticate": "account",
    # allauth 65.22: re-authenticating by an emailed code (login by code is off here; the pages still resolve).
    "account_request_reauthentication_code": "account",
    "account_confirm_reauthentication_code": "account",
    "account_email": "account",
    "account_email_verification_sent": "account",
    "account_change_password": "account",
    "account_set_password": "account",
    "account_reset_password": "account",
    "account_reset_password_done": "account",
    "account_reset_password_from_key_done": "account",
    "account_confirm_login_code": "account",
    "account_confirm_email": "account_token",
    "account_reset_password_from_key": "account_token",
    "mfa_index": "account",
    "mfa_authenticate": "account",
    "mfa_reauthenticate": "account",
    "mfa_activate_totp": "account",
    "mfa_deactivate_totp": "account",
    "mfa_view_recovery_codes": "account",
    "mfa_download_recovery_codes": "account",
    "mfa_generate_recovery_codes": "account",
    # The admin's own login page (sends to the staff sign-in, with MFA; see the test below).
    "admin:login": "admin_login_page",
    "admin:logout": "admin_logout",
}


def access_class(route: Route) -> str | None:
    if route.name in ACCESS:
        return ACCESS[route.name]
    if route.pattern.startswith("admin/"):
        return "admin"
    return ACCESS.get(route.pattern)


def test_every_url_pattern_is_classified():
    unclassified = [f"{r.pattern} (name {r.name})" for r in all_routes() if access_class(r) is None]
    assert unclassified == [], "Classify these URL patterns in ACCESS (who may reach them?):\n" + "\n".join(
        unclassified
    )


def test_the_table_names_no_url_that_does_not_exist():
    names = {r.name for r in all_routes()} | {r.pattern for r in all_routes()}
    assert sorted(set(ACCESS) - names) == []


# --- The cast and the objects behind every path. ---


@dataclass
class World:
    clients: dict[str, Client]
    params: dict[str, str]
    case: Case
    pii: list[str]


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 10, 10)).save(buffer, "PNG")
    return SimpleUploadedFile("shot.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(
    settings,
    tmp_path,
    platforms,
    pii_case,
    other_case,
    caseworker,
    other_caseworker,
    supervisor,
    staff_without_mfa,
    partner_keys,
) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    case = pii_case.case
    origin = Origin.system()
    drafting.draft_for_case(case_id=case.pk)
    casework.case_claim(case=case, actor=caseworker, origin=origin)
    casework.note_add(case=case, text=f"Spoke to {PII['name']} today", actor=caseworker, origin=origin)
    casework.message_send(case=case, body=f"Hello {PII['name']}", actor=caseworker, origin=origin, email=False)
    evidence = casework.evidence_add(case=case, upload=png(), kind="post", actor=caseworker, origin=origin)
    request = RemovalRequest.objects.filter(case=case).first()
    clients = {
        "anonymous": Client(),
        "victim": victim_client(pii_case),
        "other_victim": victim_client(other_case),
        "partner": Client(HTTP_AUTHORIZATION=f"Bearer {partner_keys.live}"),
        "revoked_partner": Client(HTTP_AUTHORIZATION=f"Bearer {partner_keys.revoked}"),
    }
    for person, user in (
        ("caseworker", caseworker),
        ("other_caseworker", other_caseworker),
        ("supervisor", supervisor),
        ("staff_without_mfa", staff_without_mfa),
    ):
        clients[person] = Client()
        clients[person].force_login(user)
    params = {
        "reference": case.reference,
        "evidence_id": str(evidence.pk),
        "request_id": str(request.pk),
        "action": "ready",
        "signal_type": "pdq",
        "name": "safety",
        "table": "cases-weekly",
        "token": "not-a-real-invitation-token",
        "key": "not-a-real-key",
        "uidb36": "1",
        "object_id": str(case.pk),
        "id": str(caseworker.pk),
        "app_label": "cases",
        "url": "cases/",
        "content_type_id": "1",
    }
    # What must never reach the wrong person: contact details, their words, where the images are, the evidence.
    pii = [*PII.values(), evidence.file.name.rsplit("/", 1)[-1]]
    return World(clients=clients, params=params, case=case, pii=pii)


_KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


# Where one route needs another real value than the rest.
ROUTE_PARAMS = {
    "reporting:own_export": {"table": "mine-weekly"},
    "removals:reply_action": {"reply_id": "999999", "action": "confirm"},
}


def real_path(route: Route, params: dict[str, str]) -> str:
    """The route's path with real objects in it (the case's reference, its evidence...)."""
    params = {**params, **ROUTE_PARAMS.get(route.name, {})}
    kwargs = {a or b: params[a or b] for a, b in _KWARG.findall(route.pattern)}
    if route.name:
        try:
            return reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            pass
    return route.path


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def leaked(text: str, pii: list[str]) -> list[str]:
    lowered = text.lower()
    return [value for value in pii if value.lower() in lowered]


def test_every_url_as_every_person(world):
    failures = []
    for route in all_routes():
        klass = access_class(route)
        assert klass is not None, route
        path = real_path(route, world.params)
        for person in PERSONS:
            response = world.clients[person].get(path)
            expected = EXPECT[klass][person]
            if not OUTCOMES[expected](response):
                failures.append(
                    f"{person:17} GET {path} [{klass}]: {response.status_code} {_location(response)}"
                    f" (expected {expected})"
                )
            if person not in MAY_SEE_PII.get(klass, set()):
                found = leaked(body_of(response) + _location(response), world.pii)
                if found:
                    failures.append(f"{person:17} GET {path} [{klass}]: shows {found}")
    assert failures == [], "\n".join(failures)


def test_the_people_allowed_do_see_the_case(world):
    """The check above can fail: the assigned caseworker and the victim really are shown the personal data."""
    case_page = world.clients["caseworker"].get(reverse("casework:case", args=[world.case.reference]))
    assert leaked(body_of(case_page), world.pii)
    contact_page = world.clients["victim"].get(reverse("status:contact"))
    assert PII["email"] in body_of(contact_page)


# --- POST: what the wrong people send changes nothing. ---

POST_EXPECT = {
    "case_post_only": everyone("login", caseworker="safe", other_caseworker="refused", supervisor="safe", **MFA),
    "victim_post_only": everyone("status_sign_in", victim="safe", other_victim="safe", **MFA),
    "partner_post_only": everyone("unauthorized", partner="safe", **MFA),
    "partner_method_first": everyone("unauthorized", partner="safe", **MFA),
}


def state_of(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.assigned_to_id,
        CaseNote.objects.filter(case=case).count(),
        CaseMessage.objects.filter(case=case).count(),
        Evidence.objects.filter(case=case).count(),
        CaseURL.objects.filter(case=case).count(),
        tuple(RemovalRequest.objects.filter(case=case).order_by("pk").values_list("status", flat=True)),
        PartnerFeedback.objects.count(),
    )


POST_BODIES = {
    "casework:claim": {},
    "casework:status": {"status": "closed", "closing_reason": "other"},
    "casework:note_add": {"text": "written by the wrong person"},
    "casework:message_send": {"body": "sent by the wrong person"},
    "casework:evidence_add": {"kind": "post"},
    "removals:request_action": {"from_status": "drafted"},
    "status:add_urls": {"urls": "https://www.reddit.com/r/x/comments/wrongperson/"},
    "status:add_hashes": {"hashes": "[]"},
}


# The allowed person's own POST must really change the case, or the refusals above would prove nothing.
MUST_CHANGE = {"casework:status", "casework:note_add", "casework:message_send", "removals:request_action"}


def test_posts_from_the_wrong_people_are_refused_and_change_nothing(world):
    failures = []
    changed_by_allowed = set()
    for route in all_routes():
        klass = access_class(route)
        if klass not in POST_EXPECT:
            continue
        path = real_path(route, world.params)
        body = POST_BODIES.get(route.name, {})
        # The wrong people first: their request must fail on who they are, not on a state the right person changed.
        order = sorted(PERSONS, key=lambda person: POST_EXPECT[klass][person] == "safe")
        for person in order:
            allowed = POST_EXPECT[klass][person] == "safe"
            before = state_of(world.case)
            if route.name.startswith(("bank-api:", "stopncii:")):
                response = world.clients[person].post(path, "{}", content_type="application/json")
            else:
                response = post_form(world.clients[person], path, body)
            after = state_of(world.case)
            if not OUTCOMES[POST_EXPECT[klass][person]](response):
                failures.append(f"{person:17} POST {path}: {response.status_code} {_location(response)}")
            if not allowed and after != before:
                failures.append(f"{person:17} POST {path}: changed the case")
            if person == "other_victim" and after != before:
                failures.append(f"{person:17} POST {path}: changed someone else's case")
            if person == "caseworker" and after != before:
                changed_by_allowed.add(route.name)
    assert failures == [], "\n".join(failures)
    assert MUST_CHANGE <= changed_by_allowed, MUST_CHANGE - changed_by_allowed


def test_the_admin_password_form_cannot_sign_anyone_in_without_their_second_factor(db):
    """A superuser with MFA who posts their password to /admin/login/ is sent to the staff sign-in instead."""
    from tests.conftest import STAFF_PASSWORD, make_staff

    admin_user = make_staff("root@helpline.test", "supervisor")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    response = post_form(client, "/admin/login/", {"username": admin_user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert OUTCOMES["admin_login"](client.get("/admin/")) or OUTCOMES["login"](client.get("/admin/"))
    assert client.get("/admin/cases/case/").status_code == 302
