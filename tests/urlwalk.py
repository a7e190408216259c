"""Every URL pattern of the project, with an example path for each, taken from the URL resolver."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER_SAMPLES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "path": "sample",
    "uuid": "00000000-0000-0000-0000-000000000001",
}


@dataclass(frozen=True)
class Route:
    path: str  # an example path that resolves to the pattern
    name: str | None  # "namespace:name" where there is one
    pattern: str  # the pattern as written, joined


def _sample_regex(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")

    def group(match: re.Match) -> str:
        body = match.group(2)
        if "|" in body:
            return body.split("|")[0]
        return "1"

    text = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, text)
    return text.replace("\\", "")


def _sample(pattern) -> str:
    raw = str(pattern.pattern)
    if hasattr(pattern.pattern, "converters") and not raw.startswith("^"):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTER_SAMPLES.get(m.group(1) or "str", "sample"), raw)
    return _sample_regex(raw)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, raw_prefix: str, namespace: str | None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else ns or namespace
                walk(entry.url_patterns, prefix + _sample(entry), raw_prefix + str(entry.pattern), full_ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                routes.append(Route("/" + prefix + _sample(entry), name, raw_prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, "", "", None)
    return routes
