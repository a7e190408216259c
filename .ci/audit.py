"""`make audit`: bandit (no high-severity finding) and pip-audit (no known vulnerability) over the pinned requirements.

pip-audit asks PyPI's JSON API (or OSV) about each pinned package. Where that lookup fails for a package
("Dependency not found on PyPI and could not be audited"), pip-audit skips it; such skips are listed and
counted but do not fail the audit, because they say nothing about the package. When no package at all could be
looked up, the vulnerability database was not reached: the output says so in its first and last lines ("NOT
AUDITED"), so an offline run never reads as a clean one. A reported vulnerability always fails the audit. Set
AUDIT_REQUIRE_ALL=1 (on a machine with full network access) to fail on skips and on an unreachable database too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BANDIT_TARGETS = ["cases", "hashing", "helpline", "manage.py", "clients/threatexchange/src"]
REQUIREMENTS = ["requirements-dev.txt", "constraints.txt"]


@dataclass
class PipAuditReport:
    audited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)  # "package version: ID (fixed in ...)"


def read_pip_audit_report(data: dict) -> PipAuditReport:
    """Sort pip-audit's JSON (`--format json`) into audited, skipped and vulnerable packages."""
    report = PipAuditReport()
    seen: set[tuple[str, str]] = set()
    for dep in data.get("dependencies", []):
        name, version = dep.get("name", "?"), dep.get("version", "")
        if (name, version) in seen:
            continue
        seen.add((name, version))
        if "skip_reason" in dep:
            report.skipped.append(f"{name}: {dep['skip_reason']}")
            continue
        report.audited.append(name)
        for vuln in dep.get("vulns") or []:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            report.vulnerable.append(f"{name} {version}: {vuln.get('id')} (fixed in {fixed})")
    return report


def database_unreached(report: PipAuditReport) -> bool:
    """Whether pip-audit's vulnerability database answered for no package at all (offline, blocked, or down)."""
    return not report.audited and bool(report.skipped)


UNREACHED = (
    "pip-audit: NOT AUDITED. Its vulnerability database could not be reached (0 of {total} packages looked up): "
    "no package was checked for known vulnerabilities. This is not a pass; run `AUDIT_REQUIRE_ALL=1 make audit` "
    "where PyPI and OSV can be reached."
)


def pip_audit_verdict(report: PipAuditReport, *, require_all: bool) -> tuple[int, list[str]]:
    """Exit status and the lines to print for a pip-audit report."""
    lines = [UNREACHED.format(total=len(report.skipped))] if database_unreached(report) else []
    lines.append(
        f"pip-audit: {len(report.audited)} packages audited, {len(report.skipped)} could not be looked up, "
        f"{len(report.vulnerable)} known vulnerabilities."
    )
    lines += [f"  VULNERABLE {line}" for line in report.vulnerable]
    if report.skipped:
        lines.append("  Not audited (the vulnerability service had no answer for them; see SECURITY.md):")
        lines += [f"    {line}" for line in report.skipped]
    if report.vulnerable:
        return 1, lines
    if require_all and report.skipped:
        lines.append("AUDIT_REQUIRE_ALL=1: failing because some packages could not be audited.")
        return 1, lines
    if database_unreached(report):
        lines.append(UNREACHED.format(total=len(report.skipped)))  # last too: the line a reader of the log sees
    return 0, lines


def run_bandit() -> int:
    # -lll: report high severity only; any such finding makes bandit exit 1.
    command = [str(BIN / "bandit"), "-q", "-r", *BANDIT_TARGETS, "-x", "*/migrations/*", "-lll"]
    print("$", " ".join(command), flush=True)
    status = subprocess.run(command, cwd=ROOT, check=False).returncode
    print("bandit: no high-severity findings." if status == 0 else "bandit: high-severity findings (above).")
    return status


def run_pip_audit() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "pip-audit.json"
        command = [str(BIN / "pip-audit"), "--progress-spinner", "off", "--format", "json", "-o", str(output)]
        for requirements in REQUIREMENTS:
            command += ["-r", requirements]
        # Every package is pinned (constraints.txt pins the transitive ones): look each up as pinned, no resolver.
        command += ["--no-deps", "--disable-pip"]
        print("$", " ".join(command), flush=True)
        result = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
        if not output.exists():
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"pip-audit did not run to the end (exit {result.returncode}).", file=sys.stderr)
            return result.returncode or 2
        report = read_pip_audit_report(json.loads(output.read_text()))
    status, lines = pip_audit_verdict(report, require_all=os.environ.get("AUDIT_REQUIRE_ALL") == "1")
    print("\n".join(lines))
    return status


def main() -> int:
    bandit_status = run_bandit()
    pip_audit_status = run_pip_audit()
    return 1 if bandit_status or pip_audit_status else 0


if __name__ == "__main__":
    sys.exit(main())
