"""Strict reading of configuration from the environment: a bad value stops start-up, naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """A configuration variable is missing or malformed."""


def raw(name: str, default: str | None = None) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE (for Docker/K8s secrets)."""
    file_var = f"{name}_FILE"
    if os.environ.get(file_var):
        if name in os.environ:
            raise ConfigError(f"{name} and {file_var} are both set; set only one of them.")
        path = Path(os.environ[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{file_var} points to {path}, which cannot be read: {exc.strerror}.") from exc
    return os.environ.get(name, default)


def string(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = raw(name, default)
    if required and not value:
        raise ConfigError(f"{name} must be set (or {name}_FILE naming a file that holds it).")
    return value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean; use one of true/false, yes/no, on/off, 1/0.")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small; the minimum is {minimum}.")
    return number


def string_list(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def choice(name: str, default: str, choices: set[str]) -> str:
    value = (raw(name) or default).strip()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not one of: {', '.join(sorted(choices))}.")
    return value


def database(name: str, default: str) -> dict:
    value = raw(name) or default
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for malformed URLs
        raise ConfigError(f"{name} is not a database URL ({exc}); e.g. postgres://user@host:5432/db.") from None
    if config.get("ENGINE") == "django.db.backends.sqlite3":
        raise ConfigError(
            f"{name} names SQLite, which the portal no longer supports (its reports are PostgreSQL SQL); "
            "use postgres://user@host:5432/db, or `make run`, which starts a PostgreSQL of its own under var/."
        )
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ConfigError(f"{name} uses an unknown database scheme; use postgres://user@host:5432/db.")
    return config


def url(name: str, *, schemes: set[str]) -> str | None:
    value = raw(name)
    if not value:
        return None
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ConfigError(f"{name}={value!r} must start with one of: {', '.join(s + '://' for s in sorted(schemes))}.")
    return value
