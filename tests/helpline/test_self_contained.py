"""The repository carries every file its tests, scripts and documents use: nothing names a path outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A relative path climbing out of its file's folder ("../shared/GUIDE.md"), checked by resolving it.
RELATIVE = re.compile(r"(?<![\w./-])((?:\.\./)+[\w.-]+)")
# Ways Python code reaches above the repository, and absolute paths into this machine's work area.
ABOVE = re.compile(r"/work/|parents\[\d\]\.parent\b|REPO\.parent\b|\.\./shared")
# Files whose "../" strings are hostile input fed to the portal, not paths the project reads.
HOSTILE_INPUT = {"tests/cases/test_intake_fuzz.py"}
CHECKED = (".py", ".md", ".mjs", ".js", ".sh", ".yml", ".yaml", ".toml", ".txt", ".cfg", ".html", ".conf")


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [
        REPO / name
        for name in names
        if (name.endswith(CHECKED) or Path(name).name in {"Makefile", "Dockerfile", "run"})
        and not name.startswith("static/vendor/")
        and name not in HOSTILE_INPUT
    ]


def outside_paths(path: Path, line: str) -> list[str]:
    found = [match.group(0) for match in ABOVE.finditer(line)]
    for match in RELATIVE.finditer(line):
        if not (path.parent / match.group(1)).resolve().is_relative_to(REPO):
            found.append(match.group(1))
    return found


def test_no_tracked_file_names_a_path_outside_the_repository():
    offenders = []
    for path in _tracked_text_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if outside_paths(path, line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert offenders == []


def test_the_guard_catches_the_paths_it_is_for():
    readme = REPO / "README.md"
    for line in ["See `../shared/GUIDE.md`", 'REPO.parent / "shared"', "Path(x).parents[2].parent", "/work/shared/x"]:
        assert outside_paths(readme, line), line
    module = REPO / "static" / "hashing" / "hasher.js"
    assert outside_paths(module, 'import x from "../../../elsewhere.js"')
    for line in ['import x from "../vendor/htmx/htmx.esm.js"', "see docs/architecture.md"]:
        assert not outside_paths(module, line), line
