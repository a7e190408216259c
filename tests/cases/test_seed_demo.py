"""The demo seed gives a new portal staff with TOTP, cases with links and drafted requests; re-running adds nothing."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from cases.models import Case
from cases.removals.models import RemovalRequest
from tests.removals.conftest import load_directory


@pytest.mark.django_db(transaction=True)
def test_seed_demo_refuses_without_debug_and_is_idempotent_with_force(settings):
    load_directory()  # an earlier transactional test's flush may have emptied the platform directory
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("seed_demo")
    assert not Case.objects.exists()

    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "TOTP secret:" in out.getvalue()
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 2
    assert Case.objects.count() == 4
    assert RemovalRequest.objects.filter(case__reference="HL-DEM0-0001").count() >= 3
    requests_before = RemovalRequest.objects.count()

    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Case.objects.count() == 4
    assert RemovalRequest.objects.count() == requests_before
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 2
