"""Links a victim gives us: validated, put in one canonical form, tracking removed, mapped to a platform."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.removals.directory import platform_slug_for_host as directory_slug_for_host
from helpline.crypto import keyed_digest

MAX_URL_LENGTH = 2000
MAX_URLS_PER_SUBMISSION = 50
DIGEST_PURPOSE = "case-url"

# Query parameters that only track who shared or clicked a link; they never decide which post it is.
_TRACKING_EXACT = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "igshid",
    "igsh",
    "si",
    "mc_cid",
    "mc_eid",
    "ref_src",
    "ref_url",
    "_ga",
    "_gl",
    "yclid",
    "twclid",
    "ttclid",
    "s_cid",
    "feature",
}
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home", ".arpa", ".test", ".invalid", ".example")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SEPARATORS = re.compile(r"[\s,]+")
# A piece of a line that could be a link by itself: it names a scheme or has a dot between letters or digits.
_LOOKS_LIKE_LINK = re.compile(r"://|\w\.\w")


@dataclass(frozen=True, slots=True)
class NormalisedURL:
    url: str
    host: str

    @property
    def digest(self) -> str:
        return keyed_digest(self.url, purpose=DIGEST_PURPOSE)

    @property
    def platform_slug(self) -> str:
        return platform_slug_for_host(self.host)


def platform_slug_for_host(host: str) -> str:
    """The platform directory's slug for a host, or "" for a host the directory does not know."""
    return directory_slug_for_host(host) or ""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def _normalise_host(raw_host: str) -> str:
    host = raw_host.strip().rstrip(".").lower()
    if not host:
        raise ValidationError(_("This link has no website name in it. Copy the whole address from the browser."))
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(
            _("Please give the website's name (like example.com), not a numeric IP address."), code="ip_literal"
        )
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(_("The website name in this link is not valid. Please check it.")) from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValidationError(_("The website name in this link is not valid. Please check it."))
    if ascii_host == "localhost" or ascii_host.endswith(_LOCAL_SUFFIXES):
        raise ValidationError(
            _("This link points to a private or local network, not a public website."), code="private_host"
        )
    return ascii_host


def normalise_url(raw: str) -> NormalisedURL:
    """One link in canonical form, or a ValidationError whose message tells the victim what to fix."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("This link is empty."))
    if len(text) > MAX_URL_LENGTH:
        raise ValidationError(
            _("This link is too long (more than %(max)s characters). Please check it."),
            params={"max": MAX_URL_LENGTH},
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationError(_("This link contains characters that cannot be in a web address."))
    if "://" not in text:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) and not re.match(r"^[^/]+:\d+", text):
            raise ValidationError(_("Only web links (starting with http:// or https://) can be taken down."))
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(
            _("This does not look like a web link. Copy the whole address from the browser.")
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValidationError(_("Only web links (starting with http:// or https://) can be taken down."))
    host = _normalise_host(parts.hostname or "")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)], doseq=True
    )
    path = parts.path or "/"
    return NormalisedURL(url=urlunsplit((scheme, netloc, path, query, "")), host=host)


@dataclass(frozen=True)
class RejectedLink:
    """A line of the victim's text that is not a link we can use, and why, in plain words."""

    line: int
    text: str
    problems: list[str]

    @property
    def shown(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."


def _entries(text: str) -> list[tuple[int, str]]:
    """(line number, entry): a line is one entry; it is split at spaces or commas only when every piece looks
    like a link, so "not a link" stays one entry (one reason) while "a.example/1, b.example/2" gives two."""
    entries = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        pieces = [piece for piece in _SEPARATORS.split(line) if piece]
        if len(pieces) > 1 and all(_LOOKS_LIKE_LINK.search(piece) for piece in pieces):
            entries.extend((number, piece) for piece in pieces)
        else:
            entries.append((number, line))
    return entries


def parse_url_lines(
    text: str, *, limit: int = MAX_URLS_PER_SUBMISSION
) -> tuple[list[NormalisedURL], list[RejectedLink]]:
    """The usable links (duplicates merged) and the entries that are not, each with its reasons."""
    entries = _entries(text)
    if len(entries) > limit:
        raise ValidationError(
            _("Please give at most %(limit)s links at a time. You can add more later from your case page."),
            params={"limit": limit},
        )
    found: dict[str, NormalisedURL] = {}
    rejected: list[RejectedLink] = []
    for number, entry in entries:
        try:
            normalised = normalise_url(entry)
        except ValidationError as exc:
            rejected.append(RejectedLink(line=number, text=entry, problems=[str(m) for m in exc.messages]))
            continue
        found.setdefault(normalised.url, normalised)
    return list(found.values()), rejected


def parse_url_list(text: str, *, limit: int = MAX_URLS_PER_SUBMISSION) -> list[NormalisedURL]:
    """Links one per line (or several on a line separated by spaces or commas); duplicates merged; every
    problem listed at once, one per entry."""
    found, rejected = parse_url_lines(text, limit=limit)
    if rejected:
        raise ValidationError(
            [
                ValidationError(
                    _("Line %(line)s (%(link)s): %(problem)s"),
                    params={"line": bad.line, "link": bad.shown, "problem": problem},
                )
                for bad in rejected
                for problem in bad.problems
            ]
        )
    return found
