"""Finding an unknown site's abuse contact, server-side, the way a caseworker would by hand: the host's addresses
from DNS, the address's RDAP record at its regional internet registry (the network's abuse contact), and the
domain's RDAP record at its registry (the registrar's abuse contact). Each result carries the URL it came from.

Every RDAP request goes through cases.removals.recheck.fetch, the re-checks' guarded fetcher (public addresses
only, pinned to the address it checked, capped size and redirects), and the site's own addresses are checked with
the same guard before any is looked up. Which RDAP server answers for an address or a top-level domain comes from
IANA's bootstrap registries (RFC 9224), at settings.RDAP_BOOTSTRAP_BASE.

Sources, checked 2026-12-06: RFC 9224 (bootstrap files `ipv4.json`, `ipv6.json`, `dns.json` at
https://data.iana.org/rdap/, each `services: [[[entries], [base URLs]], ...]`, per the IANA registries
https://www.iana.org/assignments/rdap-ipv4/, rdap-ipv6/, rdap-dns/); RFC 9082 sections 3.1.1 and 3.1.3 (queries
`ip/<address>` and `domain/<name>` under a base URL); RFC 9083 sections 5.1 and 10.2.4 (entities, jCard
`vcardArray`, the role `abuse`, and the registrar entity with role `registrar`).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

from django.conf import settings
from django.core.cache import cache

from cases.removals import recheck

MAX_DOMAIN_TRIES = 3
MAX_RDAP_BYTES = 512 * 1024
# The bootstrap files change rarely; one fetch a day spares IANA and the caseworker a request per look-up.
# (RFC 9224's own caching advice was not checked here: the stored copies searched on 2026-12-06 lacked it.)
BOOTSTRAP_CACHE_SECONDS = 24 * 3600
# The look-up runs while the caseworker waits: past this, no further registry is asked.
LOOKUP_BUDGET_SECONDS = 20.0


@dataclass
class Finding:
    """One thing found (or not), with where it came from."""

    what: str
    value: str
    source: str  # the URL (or "DNS") it came from


@dataclass
class AbuseLookup:
    host: str
    addresses: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def abuse_emails(self) -> list[str]:
        return list(dict.fromkeys(f.value for f in self.findings if f.what.endswith("abuse email")))


class LookupRefused(Exception):
    """The host may not be looked up (not a public host name); the message says why."""


def _get_json(url: str) -> dict:
    fetched = recheck.fetch(url, max_bytes=MAX_RDAP_BYTES)
    if fetched.status != 200:
        raise OSError(f"{url} answered {fetched.status}")
    try:
        data = json.loads(fetched.body)
    except ValueError:
        raise OSError(f"{url} did not answer with JSON") from None
    if not isinstance(data, dict):
        raise OSError(f"{url} did not answer with an RDAP object")
    return data


def _bootstrap(name: str) -> list[tuple[list[str], list[str]]]:
    url = urljoin(settings.RDAP_BOOTSTRAP_BASE, f"{name}.json")
    key = f"rdap-bootstrap:{url}"
    services = cache.get(key)
    if services is None:
        services = _parse_bootstrap(_get_json(url))
        cache.set(key, services, BOOTSTRAP_CACHE_SECONDS)
    return services


def _parse_bootstrap(data: dict) -> list[tuple[list[str], list[str]]]:
    services = []
    for service in data.get("services") or []:
        if isinstance(service, list) and len(service) >= 2 and isinstance(service[0], list):
            urls = [u for u in service[1] if isinstance(u, str) and u.startswith(("https://", "http://"))]
            services.append(([str(e).lower() for e in service[0]], urls))
    return services


def _base_for_address(address: str) -> str | None:
    ip = ipaddress.ip_address(address)
    best, best_len = None, -1
    for entries, urls in _bootstrap("ipv4" if ip.version == 4 else "ipv6"):
        for entry in entries:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if network.version == ip.version and ip in network and network.prefixlen > best_len and urls:
                best, best_len = _https_first(urls), network.prefixlen
    return best


def _base_for_domain(domain: str) -> str | None:
    tld = domain.rsplit(".", 1)[-1].lower()
    for entries, urls in _bootstrap("dns"):
        if tld in entries and urls:
            return _https_first(urls)
    return None


def _https_first(urls: list[str]) -> str:
    url = next((u for u in urls if u.startswith("https://")), urls[0])
    return url if url.endswith("/") else url + "/"


def _vcard(entity: dict, name: str) -> list[str]:
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return []
    return [str(item[3]) for item in card[1] if isinstance(item, list) and len(item) >= 4 and item[0] == name]


def _entities(obj: dict):
    """Every entity of an RDAP object, nested ones included, with their roles."""
    for entity in obj.get("entities") or []:
        if isinstance(entity, dict):
            yield entity
            yield from _entities(entity)


def _abuse(obj: dict, *, source: str, who: str) -> list[Finding]:
    found = []
    for entity in _entities(obj):
        roles = entity.get("roles") or []
        if "abuse" in roles:
            for email in _vcard(entity, "email"):
                found.append(Finding(f"{who} abuse email", email.removeprefix("mailto:"), source))
            for phone in _vcard(entity, "tel"):
                found.append(Finding(f"{who} abuse phone", phone.removeprefix("tel:"), source))
        if "registrar" in roles and who == "Registrar":
            for name in _vcard(entity, "fn")[:1]:
                found.append(Finding("Registrar", name, source))
    return found


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"{host} has no address in DNS ({exc})") from None
    return list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))


def lookup_abuse_contact(host: str) -> AbuseLookup:
    """Look up `host` (a site's host name from a reported URL). Never raises for a lookup that fails part way:
    what was found is kept and each failure is listed in `problems`. Raises LookupRefused for a name that is
    not a public host name, or one whose addresses are not public (the re-checks' guard)."""
    host = (host or "").strip().rstrip(".").lower()
    if not host or "." not in host or any(c in host for c in "/:@ ?#"):
        raise LookupRefused("Give the site's host name, such as example.com.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise LookupRefused("Give a host name, not an address.")
    result = AbuseLookup(host=host)
    started = time.monotonic()
    try:
        result.addresses = _resolve(host)
        # The re-checks' guard: every address must be public (within the look-up's own time budget).
        recheck._public_address(host, 443, timeout=LOOKUP_BUDGET_SECONDS - (time.monotonic() - started))
    except recheck.FetchRefused as exc:
        raise LookupRefused(f"{host}: {exc}; nothing was looked up.") from None
    except OSError as exc:
        result.problems.append(str(exc))
    for address in result.addresses:
        result.findings.append(Finding("Address", address, "DNS"))
    # The network's abuse contact, from the first address's registry (the RIR that assigned it).
    if result.addresses:
        address = result.addresses[0]
        try:
            base = _base_for_address(address)
            if base is None:
                result.problems.append(f"No RDAP server is registered for {address}.")
            else:
                url = urljoin(base, "ip/" + quote(address, safe=":."))
                data = _get_json(url)
                network = " ".join(filter(None, [str(data.get("name") or ""), str(data.get("handle") or "")]))
                if network:
                    result.findings.append(Finding("Network", network, url))
                found = _abuse(data, source=url, who="Network")
                result.findings += found
                if not found:
                    result.problems.append(f"The address's RDAP record names no abuse contact ({url}).")
        except (OSError, recheck.FetchRefused) as exc:
            result.problems.append(f"Address lookup failed: {exc}")
    # The registrar's abuse contact, from the domain's registry: try the host, then its parent names.
    try:
        base = _base_for_domain(host)
        if base is None:
            result.problems.append(f"No RDAP server is registered for .{host.rsplit('.', 1)[-1]}.")
        else:
            labels = host.split(".")
            candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)][:MAX_DOMAIN_TRIES]
            for name in candidates:
                if time.monotonic() - started > LOOKUP_BUDGET_SECONDS:
                    result.problems.append("The registries answered too slowly; try again later.")
                    break
                url = urljoin(base, "domain/" + quote(name, safe="."))
                fetched = recheck.fetch(url, max_bytes=MAX_RDAP_BYTES)
                if fetched.status == 404:
                    continue
                if fetched.status != 200:
                    raise OSError(f"{url} answered {fetched.status}")
                data = json.loads(fetched.body)
                result.findings.append(Finding("Registered domain", name, url))
                found = _abuse(data, source=url, who="Registrar")
                result.findings += found
                if not any(f.what == "Registrar abuse email" for f in found):
                    result.problems.append(f"The domain's RDAP record names no registrar abuse email ({url}).")
                break
            else:
                result.problems.append(f"The registry has no record of {host} or its parent names.")
    except (OSError, ValueError, recheck.FetchRefused) as exc:
        result.problems.append(f"Domain lookup failed: {exc}")
    return result
