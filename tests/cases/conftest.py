"""Fixtures for the victim's side: headless Chromium against the live portal, and screenshot artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium(shared_chromium):
    return shared_chromium


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / "cases" / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _english_unless_asked(request):
    """Requests activate the visitor's language in the test thread; start every test in English again."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
