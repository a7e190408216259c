"""Forms work under Referrer-Policy: no-referrer (Origin: null), and cross-site posts stay refused."""

import pytest
from django.test import Client
from django.urls import reverse


def _post_login(client: Client, *, fetch_site: str, secure: bool = False):
    client.get(reverse("account_login"), secure=secure)
    token = client.cookies["csrftoken"].value
    return client.post(
        reverse("account_login"),
        {"login": "nobody@helpline.test", "password": "x", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE=fetch_site,
        secure=secure,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True])
def test_a_same_origin_post_with_a_null_origin_passes_csrf(secure):
    response = _post_login(Client(enforce_csrf_checks=True), fetch_site="same-origin", secure=secure)
    assert response.status_code == 200  # the form again with "wrong password", not a CSRF 403
    assert b"CSRF" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", "none"])
def test_a_post_from_elsewhere_with_a_null_origin_is_refused(fetch_site):
    response = _post_login(Client(enforce_csrf_checks=True), fetch_site=fetch_site)
    assert response.status_code == 403
