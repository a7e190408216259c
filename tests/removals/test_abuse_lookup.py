"""Abuse-contact look-ups for an unknown site (issue 16, item 19): DNS, the address's RDAP record and the domain's,
each result with its source, through the re-checks' address guard; against a fake RDAP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cases.removals import abuse_lookup
from tests.removals.rdap_fake import SITE, SITE_ADDRESS, FakeRdap, patched_resolver


@pytest.fixture
def rdap(monkeypatch, db):  # the cache (bootstrap files) is in the database
    with FakeRdap() as fake:
        patched_resolver(monkeypatch, {SITE: SITE_ADDRESS, "intranet.abusive-site.test": "10.1.2.3"})
        with override_settings(RDAP_BOOTSTRAP_BASE=fake.base, RECHECK_ALLOW_PRIVATE_ADDRESSES=True):
            yield fake


def test_the_network_and_registrar_abuse_contacts_are_found_each_with_its_source(rdap):
    result = abuse_lookup.lookup_abuse_contact(SITE)
    found = {(f.what, f.value, f.source) for f in result.findings}
    assert ("Address", SITE_ADDRESS, "DNS") in found
    assert ("Network abuse email", "abuse@hosting.test", f"{rdap.base}rir/ip/{SITE_ADDRESS}") in found
    assert ("Registrar", "Example Registrar Inc.", f"{rdap.base}registry/domain/abusive-site.test") in found
    assert ("Registrar abuse email", "abuse@registrar.test", f"{rdap.base}registry/domain/abusive-site.test") in found
    assert result.abuse_emails == ["abuse@hosting.test", "abuse@registrar.test"]
    assert result.problems == []
    # The host itself is not registered; its parent name is, and the registry was asked for both in that order.
    assert rdap.requests.index(f"/registry/domain/{SITE}") < rdap.requests.index("/registry/domain/abusive-site.test")


def test_a_site_that_resolves_to_a_private_address_is_refused_before_any_lookup(rdap):
    with override_settings(RECHECK_ALLOW_PRIVATE_ADDRESSES=False):
        with pytest.raises(abuse_lookup.LookupRefused, match="private, loopback or reserved"):
            abuse_lookup.lookup_abuse_contact("intranet.abusive-site.test")
    assert rdap.requests == []


def test_rdap_servers_are_reached_only_through_the_recheck_guard(rdap):
    """The attack: a bootstrap file (or a redirect) that points at an internal address. The guard of the
    re-checks refuses it: here the fake registry itself is on loopback, so without permission nothing is asked."""
    with override_settings(RECHECK_ALLOW_PRIVATE_ADDRESSES=False):
        result = abuse_lookup.lookup_abuse_contact(SITE)
    assert rdap.requests == []
    assert result.abuse_emails == []
    assert any("Address lookup failed" in p and "private" in p for p in result.problems), result.problems
    assert any("Domain lookup failed" in p and "private" in p for p in result.problems), result.problems


@pytest.mark.parametrize("host", ["", "localhost", "10.0.0.1", "a.test/../x", "user@a.test", "[::1]"])
def test_names_that_are_not_public_host_names_are_refused_with_a_reason(rdap, host):
    with pytest.raises(abuse_lookup.LookupRefused):
        abuse_lookup.lookup_abuse_contact(host)
    assert rdap.requests == []


def test_a_registry_without_an_abuse_contact_is_reported_not_hidden(rdap):
    rdap.records["/registry/domain/abusive-site.test"] = (200, {"objectClassName": "domain", "entities": []})
    rdap.records[f"/rir/ip/{SITE_ADDRESS}"] = (200, {"objectClassName": "ip network", "name": "X"})
    result = abuse_lookup.lookup_abuse_contact(SITE)
    assert result.abuse_emails == []
    assert len(result.problems) == 2 and all("names no" in p for p in result.problems)


def test_a_broken_answer_is_a_problem_listed_not_a_crash(rdap):
    rdap.records["/dns.json"] = (500, {})
    result = abuse_lookup.lookup_abuse_contact(SITE)
    assert "abuse@hosting.test" in result.abuse_emails
    assert any("Domain lookup failed" in p and "500" in p for p in result.problems)


def test_the_bootstrap_files_are_fetched_once_and_reused(rdap):
    abuse_lookup.lookup_abuse_contact(SITE)
    abuse_lookup.lookup_abuse_contact(SITE)
    assert rdap.requests.count("/ipv4.json") == 1 and rdap.requests.count("/dns.json") == 1
    assert rdap.requests.count("/registry/domain/abusive-site.test") == 2  # the records themselves are asked again


def test_a_slow_registry_stops_the_lookup_with_a_reason(rdap, monkeypatch):
    monkeypatch.setattr(abuse_lookup, "LOOKUP_BUDGET_SECONDS", -1.0)
    result = abuse_lookup.lookup_abuse_contact(SITE)
    assert "abuse@hosting.test" in result.abuse_emails  # what was found before is kept
    assert "The registries answered too slowly; try again later." in result.problems
    assert not any(path.startswith("/registry/domain/") for path in rdap.requests)
