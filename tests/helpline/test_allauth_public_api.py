"""No project module reaches into django-allauth's internals: only the modules its documentation presents as public.

allauth keeps its implementation in packages named `internal` (e.g. `allauth.account.internal.flows`,
`allauth.mfa.totp.internal.auth`); they change between minor releases without notice, so an upgrade could
silently break sign-in or MFA enrolment. The list below is what the pinned version (65.22.1) documents, each
with the page it was checked on (2026-12-06). Adding to it needs such a page.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import allauth

ROOT = Path(__file__).resolve().parents[2]
ALLAUTH = Path(allauth.__file__).parent
DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
SKIP = {".venv", "node_modules", ".git", "var", "staticfiles", "test-artifacts", ".mypy_cache"}

PUBLIC = {
    # https://docs.allauth.org/en/latest/installation/quickstart.html: INSTALLED_APPS, MIDDLEWARE,
    # AUTHENTICATION_BACKENDS and include("allauth.urls").
    "allauth": "installation",
    "allauth.account": "installation",
    "allauth.mfa": "installation",
    "allauth.account.middleware": "installation (AccountMiddleware)",
    "allauth.account.auth_backends": "installation (AuthenticationBackend)",
    "allauth.urls": "installation",
    # https://docs.allauth.org/en/latest/account/adapter.html and .../mfa/adapter.html (MFA_ADAPTER, encrypt/decrypt).
    "allauth.account.adapter": "account adapter",
    "allauth.mfa.adapter": "MFA adapter",
    # https://docs.allauth.org/en/latest/account/signals.html and https://docs.allauth.org/en/dev/mfa/signals.html.
    "allauth.account.signals": "account signals",
    "allauth.mfa.signals": "MFA signals",
    # https://docs.allauth.org/en/latest/common/admin.html: secure_admin_login.
    "allauth.account.decorators": "admin",
    # The apps' models (EmailAddress, Authenticator): Django's interface to their tables, which allauth's
    # migrations keep stable. Not confirmed on a documentation page of their own.
    "allauth.account.models": "models",
    "allauth.mfa.models": "models",
}


def _project_files() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        # This file names the refused modules on purpose; clients/ is the partners' package, not the portal.
        if not SKIP.intersection(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT).parts[0] != "clients"
        and path != Path(__file__).resolve()
    ]


def allauth_references(source: str) -> set[str]:
    """Every allauth module a source imports, and every dotted allauth path it names in a string (settings)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "allauth")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "allauth":
            found.add(node.module)
            # `from allauth.x import y` may import the module allauth.x.y: judge that module too.
            found.update(
                f"{node.module}.{alias.name}" for alias in node.names if _is_module(f"{node.module}.{alias.name}")
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.fullmatch(node.value):
            if node.value.split(".")[0] == "allauth":
                parts = node.value.split(".")
                # A class path ("allauth.account.middleware.AccountMiddleware") names its module.
                found.add(".".join(parts[:-1] if parts[-1][:1].isupper() else parts))
    return found


def _is_module(dotted: str) -> bool:
    base = ALLAUTH.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def refused(path: str) -> bool:
    parts = path.split(".")
    return "internal" in parts or any(part.startswith("_") for part in parts) or path not in PUBLIC


def test_the_checker_refuses_internal_and_undocumented_modules_and_accepts_the_documented_ones():
    source = (
        "from allauth.account.internal.flows.login import record_authentication\n"
        "from allauth.mfa.totp.internal.auth import TOTP\n"
        "from allauth.mfa.utils import decrypt\n"
        "from allauth.account.adapter import DefaultAccountAdapter\n"
        "import allauth.mfa.signals\n"
        "from allauth.account import authentication, app_settings\n"
        "MIDDLEWARE = ['allauth.account.middleware.AccountMiddleware']\n"
    )
    found = allauth_references(source)
    assert sorted(path for path in found if refused(path)) == [
        "allauth.account.app_settings",
        "allauth.account.authentication",
        "allauth.account.internal.flows.login",
        "allauth.mfa.totp.internal.auth",
        "allauth.mfa.utils",
    ]
    assert {"allauth.account.adapter", "allauth.mfa.signals", "allauth.account.middleware"} <= found


def test_no_project_module_imports_an_allauth_module_outside_its_documented_public_api():
    offenders = []
    files = _project_files()
    assert len(files) > 100  # the walk found the project, not an empty folder
    for path in files:
        for reference in sorted(allauth_references(path.read_text(encoding="utf-8"))):
            if refused(reference):
                offenders.append(f"{path.relative_to(ROOT)}: {reference}")
    assert offenders == []
