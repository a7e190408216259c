"""The package version, read by pyproject.toml and shown by the exchange."""

__version__ = "1.0.0"
