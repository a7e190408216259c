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
    assert Case.objects.count() == 5
    assert RemovalRequest.objects.filter(case__reference="HL-DEM0-0001").count() >= 3
    assert_demo_drafts_follow_the_legal_engine()
    requests_before = RemovalRequest.objects.count()

    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Case.objects.count() == 5
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


def assert_demo_drafts_follow_the_legal_engine():
    from cases.removals import services

    def request(reference, slug):
        return RemovalRequest.objects.get(case__reference=reference, platform__slug=slug, kind="removal")

    # An adult in the US on X: TAKE IT DOWN through X's designated form, complete, signed by her.
    x = request("HL-DEM0-0001", "x")
    assert (x.basis, x.channel.key) == ("take_it_down", "x-takeitdown-form")
    rendered = services.render(x)
    assert rendered.missing == [] and "Demo Person One" in rendered.body
    # Anonymous in Spain on Instagram: a DSA notice, in which the helpline signs and no victim is named.
    instagram = request("HL-DEM0-0002", "instagram")
    assert instagram.basis == "dsa_art16"
    # AI-generated on an unknown site: nothing identifies her there, and no DMCA is offered.
    other = RemovalRequest.objects.get(case__reference="HL-DEM0-0003", kind="removal")
    body = services.render(other).body
    assert "Demo Person Three" not in body and "demo.three@example.org" not in body and other.basis != "dmca"
    # A minor: only the child-safety pathway.
    bases = set(RemovalRequest.objects.filter(case__reference="HL-DEM0-0005").values_list("basis", flat=True))
    assert bases == {"child_safety"}
    slugs = set(RemovalRequest.objects.filter(case__reference="HL-DEM0-0005").values_list("platform__slug", flat=True))
    assert {"instagram", "ncmec"} <= slugs
