"""Two-factor authentication is mandatory for staff: nothing staff-only opens before enrolment."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from tests import totp
from tests.conftest import STAFF_PASSWORD
from tests.urlwalk import all_routes

# Staff-area URLs a signed-in account may reach before MFA: none but the invitation link, which is
# for people who are not signed in at all.
NOT_STAFF_ONLY = {"staff:invitation_accept", "staff:invitation_accept_form"}


def staff_routes():
    routes = [r for r in all_routes() if r.pattern.startswith(("staff/", "admin/")) and r.name not in NOT_STAFF_ONLY]
    assert len(routes) > 20, "the URL walk found too few staff and admin URLs"
    return routes


def test_every_staff_url_example_resolves():
    for route in staff_routes():
        match = resolve(route.path)  # raises Resolver404 if the walk built a path that does not resolve
        assert match.func is not None, route


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_staff_url_sends_an_unenrolled_staff_member_to_enrolment(nomfa_client, method):
    enrol = reverse("mfa_activate_totp")
    for route in staff_routes():
        response = getattr(nomfa_client, method)(route.path)
        assert response.status_code == 302, (route, response.status_code)
        assert response["Location"] == enrol, route


@pytest.mark.django_db
def test_a_superuser_without_mfa_cannot_open_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@helpline.test", password=STAFF_PASSWORD)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_signing_in_without_mfa_leads_to_the_enrolment_page(client, staff_without_mfa):
    response = client.post(reverse("account_login"), {"login": staff_without_mfa.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing.status_code == 302 and landing["Location"] == reverse("mfa_activate_totp")
    enrol = client.get(reverse("mfa_activate_totp"))
    assert enrol.status_code == 200
    assert b"authenticator_secret" in enrol.content and b"data:image/svg+xml" in enrol.content


@pytest.mark.django_db
def test_staff_with_mfa_reach_the_staff_home(caseworker_client):
    assert caseworker_client.get(reverse("staff:home")).status_code == 200


@pytest.mark.django_db
def test_sign_in_asks_for_the_totp_code_then_opens_the_staff_area(client, caseworker):
    response = client.post(reverse("account_login"), {"login": caseworker.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("staff:home")).status_code == 302  # not signed in until the code is given

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    code = totp.code(caseworker.totp_secret, timezone.now().timestamp())
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("staff:home")).status_code == 200


@pytest.mark.django_db
def test_there_is_no_public_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "intruder@example.org", "password1": STAFF_PASSWORD, "password2": STAFF_PASSWORD},
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="intruder@example.org").exists()
    assert response.status_code in (200, 403)
    assert b"closed" in response.content.lower()


@pytest.mark.django_db
def test_a_non_staff_account_cannot_open_staff_pages_even_with_mfa(client, django_user_model):
    from tests import totp

    user = django_user_model.objects.create_user(email="plain@helpline.test", password=STAFF_PASSWORD)
    totp.enrol(user, totp.new_secret())
    client.force_login(user)
    assert client.get(reverse("staff:home")).status_code == 403


@pytest.mark.django_db
def test_a_caseworker_cannot_open_supervisor_pages(caseworker_client):
    assert caseworker_client.get(reverse("staff:invitations")).status_code == 403


@pytest.mark.django_db
def test_enrolment_asks_for_the_password_again_once_the_sign_in_is_older_than_the_reauthentication_timeout(
    client, staff_without_mfa, settings
):
    # The portal keeps the time of the last sign-in step itself (allauth's record of it is internal): a fresh
    # sign-in enrols without a second prompt, a stale one must re-enter the password first.
    from helpline.staff.adapters import SIGNED_IN_AT_KEY

    client.post(reverse("account_login"), {"login": staff_without_mfa.email, "password": STAFF_PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT_KEY] -= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    session.save()
    stale = client.get(reverse("mfa_activate_totp"))
    assert stale.status_code == 302 and stale["Location"].startswith(reverse("account_reauthenticate"))
