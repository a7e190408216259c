"""The hash bank shared with partner platforms: its services, its partner API and its in-memory matching indexes."""
