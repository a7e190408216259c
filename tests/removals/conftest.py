"""Fixtures for removal tests: the platform directory as the data migration loads it, and case builders."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from cases.removals import directory, queueing
from cases.removals.models import Platform

DIRECTORY_MIGRATION = import_module("cases.removals.migrations.0002_platform_directory")


def load_directory() -> None:
    """The data migration's own loader: a transactional test's flush empties the table it filled."""
    if not Platform.objects.exists():
        DIRECTORY_MIGRATION.load_directory(apps, None)
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
