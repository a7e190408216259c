"""The hash bank shared with partner platforms: its matching indexes and, later, its services and API."""
