"""The checks CI runs are the ones the pre-commit hooks run, with pinned tools."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_every_pre_commit_hook_runs_a_command_that_ci_runs_too():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert {hook["id"] for hook in hooks} >= {"ruff-check", "ruff-format", "mypy", "eslint", "kernels-wasm"}
    for hook in hooks:
        command = hook["entry"].removeprefix("env ")
        assert command in ci, f"pre-commit runs {command!r}, which .ci/run does not"


def test_js_tooling_is_pinned_exactly_and_installed_from_the_lockfile():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert package["private"] is True and not package.get("dependencies")
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "npm ci" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_python_tooling_is_pinned():
    requirements = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    for name in ("mypy", "django-stubs"):
        assert re.search(rf"^{name}==\S+$", requirements, re.M), f"{name} is not pinned"
