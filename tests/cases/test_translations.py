"""English and Spanish are complete on every public page: every string translated, compiled, and shown."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from tests.cases.helpers import STEP_NAMES, post_form, wizard_answers

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PUBLIC_SOURCES = (
    "templates/base.html",
    "templates/home.html",
    "templates/intake/",
    "templates/status/",
    "templates/guide/",
    "templates/includes/",
    "templates/404.html",
    "templates/403.html",
    "cases/intake/",
    "cases/status/",
    "cases/guide/",
    "cases/urls_normalise.py",
)
PUBLIC_PAGES = ["/", "/help/", "/help/done/", "/status/", "/guide/", "/guide/browse-privately/", "/privacy-check/"]


def _entries() -> list[dict]:
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        if not msgid:
            continue
        entries.append(
            {
                "msgid": msgid.group(1).replace('\\"', '"'),
                "msgstrs": re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', block, re.M),
                "fuzzy": "#, fuzzy" in block,
                "sources": re.findall(r"^#: (.*)$", block, re.M),
            }
        )
    return entries


def _public(entry: dict) -> bool:
    return any(src.startswith(PUBLIC_SOURCES) for line in entry["sources"] for src in line.split())


def test_every_public_string_has_a_spanish_translation():
    public = [e for e in _entries() if _public(e)]
    assert len(public) > 250
    untranslated = [e["msgid"] for e in public if e["fuzzy"] or not all(e["msgstrs"])]
    assert untranslated == []


def test_the_committed_catalogue_is_compiled_from_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO)], check=True)
    assert MO.read_bytes() == fresh.read_bytes(), "run: make messages (compilemessages) and commit the .mo"


def _english_strings() -> list[str]:
    # Long, plain public strings: if one of these shows on a Spanish page, a translation is missing.
    return [
        e["msgid"]
        for e in _entries()
        if _public(e)
        and len(e["msgid"]) > 14
        and not re.search(r"[%<&\\]", e["msgid"])
        and e["msgstrs"][0] != e["msgid"]
    ]


def _pages_in(client, language: str) -> dict[str, str]:
    client.cookies["django_language"] = language
    pages = {path: client.get(path).content.decode() for path in PUBLIC_PAGES}
    answers = wizard_answers()
    for name in STEP_NAMES:
        pages[f"/help/step/{name}/"] = client.get(f"/help/step/{name}/").content.decode()
        if name != "consent":
            post_form(client, f"/help/step/{name}/", answers[name])
    pages["errors"] = post_form(client, "/status/", {"reference": "x"}).content.decode()
    return pages


@pytest.mark.django_db
def test_spanish_pages_show_no_english_text(client):
    english = _english_strings()
    leaks = {path: [text for text in english if text in html] for path, html in _pages_in(client, "es").items()}
    assert {path: found for path, found in leaks.items() if found} == {}
    with translation.override("es"):
        assert "Pedir ayuda" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_language_switch_changes_the_language_of_the_pages(client):
    assert '<html lang="en">' in client.get("/guide/").content.decode()
    response = post_form(client, "/i18n/setlang/", {"language": "es", "next": "/guide/"})
    assert response.status_code == 302 and response["Location"] == "/guide/"
    html = client.get("/guide/").content.decode()
    assert '<html lang="es">' in html and "Qué hacer ahora" in html
