"""Fixtures for removal tests: the platform directory as the data migration loads it, and case builders."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from cases.removals import directory
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
