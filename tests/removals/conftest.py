"""Fixtures for removal tests: the platform directory as `migrate` loads it from its file, and case builders."""

from __future__ import annotations

import pytest

from cases.removals import directory, queueing
from cases.removals.directory_loader import directory_load
from cases.removals.models import Platform


def load_directory() -> None:
    """The directory file's loader, as `migrate` runs it: load it again if a flush emptied the tables."""
    if not Platform.objects.filter(slug="other").exists():
        directory_load()
    directory.directory_changed()


@pytest.fixture
def platforms(db):
    load_directory()
    yield
    directory.directory_changed()


@pytest.fixture
def platforms_tx(transactional_db):
    load_directory()
    yield
    directory.directory_changed()


@pytest.fixture
def sends(monkeypatch):
    """Queued email sends, captured instead of published to the broker (tests call the send themselves)."""
    queued = []
    monkeypatch.setattr(queueing, "queue_send", lambda **kw: queued.append(kw))
    return queued


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks as if the block had committed (the test's own transaction never does)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def helpline(settings):
    """The helpline's own details as a deployment sets them (and no phone: a request then carries none)."""
    from tests.removals import legal_cast as cast

    settings.HELPLINE_SIGNATORY = cast.SIGNATORY
    settings.HELPLINE_LEGAL_NAME = cast.LEGAL_NAME
    settings.HELPLINE_PHONE = ""
    settings.DEFAULT_FROM_EMAIL = "requests@helpline.example"
    settings.REMOVALS_REPLY_TO = ""


@pytest.fixture
def cast_directory(db, helpline):
    """A directory of the tests' own (tests/removals/legal_cast.py), independent of the directory data file."""
    from tests.removals import legal_cast as cast

    yield cast.build_directory()
    directory.directory_changed()
