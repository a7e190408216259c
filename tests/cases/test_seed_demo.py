"""The demo seed gives a new portal staff with TOTP, cases with links and drafted requests; re-running adds nothing."""

import io
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import Case
from cases.removals.models import RemovalRequest
from cases.reporting import reports
from cases.reporting.period import period_from_query
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


def _has_a_figure(row: dict) -> bool:
    return any(isinstance(value, int | float | Decimal) and value > 0 for value in row.values())


@pytest.mark.django_db(transaction=True)
def test_after_seed_demo_every_report_table_has_figures_for_the_supervisor_and_the_caseworker(settings):
    load_directory()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    period, _form = period_from_query({})
    empty = []
    for name, page in reports.SUPERVISOR_PAGES.items():
        for table in page.build(period):
            if not any(_has_a_figure(row) for row in table.rows):
                empty.append(f"{name}/{table.slug}")
    caseworker = get_user_model().objects.get(email="caseworker@demo.helpline.test")
    for table in reports.OWN_PAGE.build(period, caseworker):
        if not any(_has_a_figure(row) for row in table.rows):
            empty.append(f"mine/{table.slug}")
    assert empty == []
    statuses = set(RemovalRequest.objects.values_list("status", flat=True))
    assert {"removed", "refused", "sent", "acknowledged", "drafted"} <= statuses
