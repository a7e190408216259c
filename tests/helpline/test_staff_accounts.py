"""Staff are created by command or by a supervisor's invitation; nobody signs themselves up."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from helpline.models import StaffInvitation
from helpline.staff import roles
from tests.conftest import STAFF_PASSWORD

User = get_user_model()


@pytest.mark.django_db
def test_createstaff_makes_a_caseworker_with_a_verified_address(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(STAFF_PASSWORD + "\n"))
    call_command("createstaff", "New.Person@Helpline.test", "--role", "caseworker", "--password-stdin", stdout=out)
    user = User.objects.get(email="new.person@helpline.test")
    assert roles.role_of(user) == roles.CASEWORKER
    assert user.check_password(STAFF_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    assert "two-factor" in out.getvalue()


@pytest.mark.django_db
def test_createstaff_refuses_a_weak_password_and_creates_nothing(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match=r"too short|too common"):
        call_command("createstaff", "weak@helpline.test", "--role", "supervisor", "--password-stdin")
    assert not User.objects.filter(email="weak@helpline.test").exists()


@pytest.mark.django_db
def test_createstaff_refuses_an_existing_address(caseworker):
    with pytest.raises(CommandError, match="already a staff account"):
        call_command("createstaff", caseworker.email.upper(), "--role", "caseworker", "--no-password")


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_invites_and_the_invitee_sets_a_password_then_must_enrol(supervisor, client):
    client.force_login(supervisor)
    response = client.post(reverse("staff:invitations"), {"email": "newbie@helpline.test", "role": "caseworker"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/staff/invitations/accept/(\S+)/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    token = link.group(1)
    invitation = StaffInvitation.objects.get(email="newbie@helpline.test")
    assert token not in invitation.token_hash  # only the hash is stored

    client.logout()
    link_path = reverse("staff:invitation_accept", args=[token])
    assert client.get(link_path).status_code == 200  # a button: opening the link uses nothing up
    redeemed = client.post(link_path)
    assert redeemed.status_code == 302
    accept = redeemed["Location"]
    assert accept == reverse("staff:invitation_accept_form") and token not in accept
    mismatch = client.post(accept, {"password1": STAFF_PASSWORD, "password2": STAFF_PASSWORD + "x"})
    assert mismatch.status_code == 200 and b"The two passwords differ" in mismatch.content
    assert not User.objects.filter(email="newbie@helpline.test").exists()

    response = client.post(accept, {"password1": STAFF_PASSWORD, "password2": STAFF_PASSWORD, "first_name": "Nia"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    user = User.objects.get(email="newbie@helpline.test")
    assert roles.role_of(user) == roles.CASEWORKER
    assert client.get(reverse("staff:home"))["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200  # no second password prompt

    client.logout()
    assert client.get(accept).status_code == 410  # used once only
    assert client.get(link_path).status_code == 410


@pytest.mark.django_db
def test_a_caseworker_cannot_invite(caseworker_client):
    response = caseworker_client.post(reverse("staff:invitations"), {"email": "x@helpline.test", "role": "supervisor"})
    assert response.status_code == 403
    assert not StaffInvitation.objects.exists()


@pytest.mark.django_db
def test_an_unknown_invitation_token_is_refused(client):
    assert client.get(reverse("staff:invitation_accept", args=["made-up"])).status_code == 410


@pytest.mark.django_db
def test_staff_sign_in_locks_after_five_wrong_passwords_even_for_the_right_one(client, caseworker):
    from axes.models import AccessAttempt

    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": caseworker.email, "password": "wrong-password"})
        assert response.status_code in (200, 429)  # the form with its error, or already the lock-out page
    right = client.post(reverse("account_login"), {"login": caseworker.email, "password": STAFF_PASSWORD})
    # allauth's own failed-login limit and django-axes both refuse; either page says why.
    assert right.status_code in (200, 429)
    assert b"Too many failed" in right.content
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username=caseworker.email).failures_since_start >= 5


@pytest.mark.django_db
def test_failures_against_one_account_do_not_lock_another(client, caseworker, supervisor):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": caseworker.email, "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": supervisor.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.django_db
def test_an_invitation_token_read_from_an_access_log_is_dead_once_the_invitee_opened_it(supervisor, client):
    # Finding 7: the invitation token was in every path of the flow, so access logs held a working token.
    from django.test import Client

    from helpline.staff.services import invitation_create

    _invitation, token = invitation_create(email="lena@helpline.test", role="caseworker", invited_by=supervisor)
    link_path = reverse("staff:invitation_accept", args=[token])
    seen_paths = [link_path]
    redeemed = client.post(link_path)
    assert redeemed.status_code == 302
    page = client.get(redeemed["Location"])
    seen_paths.append(redeemed["Location"])
    # After the first request, no URL carries the token, and the token-free page still works.
    assert page.status_code == 200 and b"lena@helpline.test" in page.content
    assert all(token not in path for path in seen_paths[1:])
    # Someone replaying the logged path in another browser gets nothing.
    thief = Client()
    assert thief.get(link_path).status_code == 410
    assert thief.post(link_path).status_code == 410
    assert thief.get(reverse("staff:invitation_accept_form")).status_code == 410
    done = client.post(redeemed["Location"], {"password1": STAFF_PASSWORD, "password2": STAFF_PASSWORD})
    assert done.status_code == 302 and User.objects.filter(email="lena@helpline.test").exists()


@pytest.mark.django_db
def test_a_password_reset_link_is_redeemed_then_the_browser_moves_to_a_url_without_the_key(caseworker, client):
    # Finding 7, password resets: allauth keeps the key in the session and redirects to "...-set-password/".
    client.post(reverse("account_reset_password"), {"email": caseworker.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = link.group(1)
    key = path.rstrip("/").rsplit("/", 1)[-1].split("-", 1)[1]
    response = client.get(path)
    assert response.status_code == 302
    assert key not in response["Location"] and response["Location"].endswith("-set-password/")
    form = client.get(response["Location"])
    assert form.status_code == 200 and b"password1" in form.content
    new_password = STAFF_PASSWORD + "-new"
    changed = client.post(response["Location"], {"password1": new_password, "password2": new_password})
    assert changed.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.check_password(new_password)
