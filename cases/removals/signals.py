"""After `migrate`: load the directory file when its version is newer than the one in the database."""

from __future__ import annotations

import logging

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

logger = logging.getLogger(__name__)

# The loader needs the columns this migration adds; a migrate backwards past it must not run it.
NEEDS_MIGRATION = ("removals", "0004_channel_keys_and_directory_loads")


def load_directory_after_migrate(sender, *, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    from cases.removals.directory_loader import directory_load

    if using != "default":  # the loader writes through the default connection
        return
    connection = connections[using]
    if NEEDS_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    result = directory_load(only_if_newer=True)
    if result.loaded:
        logger.info("platform directory version %s loaded: %s", result.version, result.summary())
        if verbosity >= 1:
            print(f"  Platform directory version {result.version} loaded.")
