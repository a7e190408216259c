"""The partners' set-up page at /api/v1/docs and the README's partner section: the same short set-up, true facts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpline_threatexchange import HelplinePortalCredentials, HelplinePortalSignalExchangeAPI
from helpline_threatexchange.version import __version__

from hashing import partner_docs

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
PYPROJECT = Path(__file__).resolve().parents[2] / "clients" / "threatexchange" / "pyproject.toml"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action") and value:
                self.urls.append(value)


def readme_setup() -> list[str]:
    section = README.read_text().split("### HMA and python-threatexchange", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_the_docs_page_shows_the_set_up_and_links_the_schema(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/api/v1/openapi.json"' in html
    assert "threatexchange config extensions add helpline_threatexchange" in html
    assert f"pip install helpline-threatexchange=={__version__}" in html
    assert 'TX_HELPLINE_PORTAL_KEY="http://testserver,YOUR_KEY" threatexchange fetch' in html
    assert "record.hashStatus" in html and "line 221" in html
    assert "Content-Security-Policy" in response.headers


def test_the_docs_page_loads_nothing_from_another_site(client):
    parser = _Assets()
    parser.feed(client.get("/api/v1/docs").content.decode())
    assert parser.urls
    assert [url for url in parser.urls if not url.startswith(("/", "#"))] == []


def test_the_readme_sets_a_partner_up_in_four_commands_that_match_the_package():
    commands = readme_setup()
    assert len(commands) <= 4
    assert commands[0] == f"pip install helpline-threatexchange=={__version__}"
    assert (
        f"threatexchange config collab edit {HelplinePortalSignalExchangeAPI.get_name()} helpline --create" in commands
    )
    assert commands[-1].startswith(f'{HelplinePortalCredentials.ENV_VARIABLE}="https://')


def test_the_docs_name_the_versions_the_package_pins():
    pyproject = PYPROJECT.read_text()
    assert partner_docs.EXTENSION_VERSION == __version__
    assert f'"threatexchange=={partner_docs.THREATEXCHANGE_VERSION}"' in pyproject
