"""`make audit` (.ci/audit.py): bandit finds no high-severity issue in the portal's code, and the pip-audit gate
fails on a known vulnerability but not on packages the vulnerability service could not look up, and says plainly
when its database could not be reached at all."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests.services import ROOT

_spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
sys.modules["ci_audit"] = audit  # dataclasses look their module up there
_spec.loader.exec_module(audit)

BANDIT = str(Path(sys.executable).parent / "bandit")


def report(*deps: dict) -> dict:
    return {"dependencies": list(deps), "fixes": []}


CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
SKIPPED = {"name": "pillow", "skip_reason": "Dependency not found on PyPI and could not be audited: pillow (13.0.0)"}
VULNERABLE = {
    "name": "requests",
    "version": "2.0.0",
    "vulns": [{"id": "PYSEC-2018-28", "fix_versions": ["2.20.0"], "aliases": ["CVE-2018-18074"]}],
}


def test_a_known_vulnerability_fails_the_audit():
    status, lines = audit.pip_audit_verdict(audit.read_pip_audit_report(report(CLEAN, VULNERABLE)), require_all=False)
    assert status == 1
    assert "  VULNERABLE requests 2.0.0: PYSEC-2018-28 (fixed in 2.20.0)" in lines


def test_packages_that_could_not_be_looked_up_are_listed_but_do_not_fail_it():
    status, lines = audit.pip_audit_verdict(audit.read_pip_audit_report(report(CLEAN, SKIPPED)), require_all=False)
    assert status == 0
    assert lines[0] == "pip-audit: 1 packages audited, 1 could not be looked up, 0 known vulnerabilities."
    assert any("pillow" in line for line in lines)
    assert not any("NOT AUDITED" in line for line in lines)


def test_an_unreachable_vulnerability_database_is_said_plainly_first_and_last_never_as_a_clean_run():
    unreached = audit.read_pip_audit_report(report(SKIPPED, {**SKIPPED, "name": "django"}))
    status, lines = audit.pip_audit_verdict(unreached, require_all=False)
    assert lines[0].startswith("pip-audit: NOT AUDITED. Its vulnerability database could not be reached")
    assert "0 of 2 packages looked up" in lines[0] and "This is not a pass" in lines[0]
    assert lines[-1] == lines[0]
    assert status == 0  # offline CI still runs its tests; the log says plainly that nothing was audited
    assert audit.pip_audit_verdict(unreached, require_all=True)[0] == 1


def test_a_vulnerability_fails_even_among_skipped_packages_and_strict_mode_fails_on_skips():
    mixed = audit.read_pip_audit_report(report(SKIPPED, VULNERABLE, SKIPPED))
    assert audit.pip_audit_verdict(mixed, require_all=False)[0] == 1
    assert len(mixed.skipped) == 1  # the same package listed twice by two requirement files counts once
    assert audit.pip_audit_verdict(audit.read_pip_audit_report(report(SKIPPED)), require_all=True)[0] == 1


def test_bandit_finds_no_high_severity_issue_in_the_portal():
    result = subprocess.run(
        [BANDIT, "-q", "-r", *audit.BANDIT_TARGETS, "-x", "*/migrations/*", "-lll", "-f", "txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout


def test_bandit_as_configured_does_fail_on_a_high_severity_issue(tmp_path):
    (tmp_path / "bad.py").write_text("import subprocess\n\nsubprocess.call(input(), shell=True)\n")
    result = subprocess.run([BANDIT, "-q", "-r", str(tmp_path), "-lll"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "B602" in result.stdout
