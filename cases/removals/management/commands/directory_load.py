"""Validate the platform directory file and load it into the database (safe to run any number of times)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.removals.directory_loader import (
    DIRECTORY_FILE,
    DirectoryFileError,
    directory_load,
    loaded_version,
    read_directory_file,
)
from cases.removals.models import DirectoryLoad


class Command(BaseCommand):
    help = (
        "Check cases/removals/data/directory.yaml (or --file) and make the directory match it: platforms and "
        "channels are updated by slug and key, channels dropped from the file are deleted or, when requests "
        "use them, retired. Platforms added only in the admin are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DIRECTORY_FILE, help="Another directory file.")
        parser.add_argument("--check", action="store_true", help="Only validate the file; change nothing.")
        parser.add_argument(
            "--if-newer", action="store_true", help="Load only when the file's version is above the loaded one."
        )

    def handle(self, *args, file: Path, check: bool, if_newer: bool, **options):
        try:
            if check:
                parsed = read_directory_file(file)
                channels = sum(len(p.channels) for p in parsed.platforms)
                verified = sum(c.values["verified"] for p in parsed.platforms for c in p.channels)
                self.stdout.write(
                    f"{file}: version {parsed.version} of {parsed.date}, {len(parsed.platforms)} entries, "
                    f"{channels} channels ({verified} verified). No problems found."
                )
                return
            result = directory_load(path=file, only_if_newer=if_newer)
        except DirectoryFileError as exc:
            raise CommandError(str(exc)) from None
        if not result.loaded:
            self.stdout.write(f"Version {loaded_version()} is already loaded; nothing to do.")
            latest = DirectoryLoad.objects.order_by("-version", "-loaded_at").first()
            if latest is not None and latest.sha256 != read_directory_file(file).sha256:
                self.stderr.write(
                    self.style.WARNING(
                        "The file differs from the one loaded as this version: raise 'version' so `migrate` "
                        "loads it, or run this command without --if-newer."
                    )
                )
            return
        summary = result.summary()
        retired = summary.pop("channels_retired")
        self.stdout.write(
            self.style.SUCCESS(f"Directory version {result.version} loaded: ")
            + ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in summary.items())
        )
        for channel in retired:
            self.stdout.write(f"  retired (requests still point to it): {channel}")
