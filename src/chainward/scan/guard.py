"""``chainward guard -- pip install ARGS...``: check what an install would bring in, first.

The installer itself says what it would install (``pip install --dry-run --report``,
or ``uv pip install --dry-run``); chainward never resolves on its own. Every package of
that set goes through the vulnerability audit, the known-malicious and typosquat name
checks and, with ``deep``, static analysis of the very archives the installer downloads.
Only when nothing reaches the threshold is the user's command run unchanged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError, ConfigError, InputError
from chainward.records import (
    Component,
    Finding,
    Inventory,
    Provenance,
    Scope,
    Severity,
    canonical_name,
)
from chainward.scan.runner import CheckPart, run_audit

DRY_RUN_TIMEOUT = 900
_UV_LINE = re.compile(r"^\s*\+\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


class GuardError(ChainwardError):
    """The installer could not tell what it would install."""


@dataclass(frozen=True)
class InstallCommand:
    """The user's install command, split where chainward inserts its dry-run options."""

    argv: tuple[str, ...]
    install_index: int  # position of the word "install"
    tool: str  # "pip" or "uv"

    @classmethod
    def parse(cls, argv: Sequence[str]) -> InstallCommand:
        if not argv:
            raise ConfigError(
                "give the install command after '--', e.g. chainward guard -- pip install requests"
            )
        words = list(argv)
        base = os.path.basename(words[0])
        if re.fullmatch(r"pip(3(\.\d+)?)?", base):
            index, tool = 1, "pip"
        elif re.fullmatch(r"python(3(\.\d+)?)?", base) and words[1:3] == ["-m", "pip"]:
            index, tool = 3, "pip"
        elif base == "uv" and words[1:2] == ["pip"]:
            index, tool = 2, "uv"
        else:
            raise ConfigError(
                f"chainward guard understands 'pip install', 'python -m pip install' and "
                f"'uv pip install', not {' '.join(words[:3])!r}"
            )
        if len(words) <= index or words[index] != "install":
            raise ConfigError("chainward guard only gates 'install' commands")
        if tool == "uv" and shutil.which(words[0]) is None:
            raise ConfigError("uv is not installed")
        return cls(tuple(words), index, tool)

    def with_options(self, *options: str) -> list[str]:
        cut = self.install_index + 1
        return [*self.argv[:cut], *options, *self.argv[cut:]]


def _run(command: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            command,
            capture_output=True,
            timeout=DRY_RUN_TIMEOUT,
            check=False,
            env={**os.environ, "PIP_NO_INPUT": "1"},
        )
    except FileNotFoundError:
        raise GuardError(f"cannot run {command[0]!r}: not found") from None
    except subprocess.TimeoutExpired:
        raise GuardError(f"{what} did not finish within {DRY_RUN_TIMEOUT} s") from None


def _failure(done: subprocess.CompletedProcess[bytes], what: str) -> GuardError:
    lines = [ln.strip() for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    reason = next(
        (ln for ln in lines if ln.startswith("ERROR") or ln.startswith("error")),
        lines[-1] if lines else f"exit status {done.returncode}",
    )
    return GuardError(f"{what} failed: {reason}")


def planned_install(command: InstallCommand) -> tuple[Inventory, dict[str, str]]:
    """What the installer would install, as components (requested ones are direct), and
    the URL of each archive it chose (pip only)."""
    if command.tool == "uv":
        done = _run(command.with_options("--dry-run"), "uv's dry run")
        if done.returncode != 0:
            raise _failure(done, "uv's dry run")
        text = done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")
        components = [
            Component(
                name=canonical_name(m.group(1)),
                version=m.group(2),
                purl=f"pkg:pypi/{canonical_name(m.group(1))}@{m.group(2)}",
                scope=Scope.DIRECT,
                source=Provenance("uv pip install --dry-run"),
            )
            for m in (_UV_LINE.match(line) for line in text.splitlines())
            if m
        ]
        return Inventory(tuple(components)), {}
    from chainward.inventory.resolve import report_inventory

    with tempfile.TemporaryDirectory(prefix="chainward-guard-") as tmp:
        report = Path(tmp) / "report.json"
        options = ["--dry-run", "--quiet", "--disable-pip-version-check", "--report", str(report)]
        done = _run(command.with_options(*options), "pip's dry run")
        if done.returncode != 0 or not report.is_file():
            raise _failure(done, "pip's dry run")
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except ValueError:
            raise GuardError("pip wrote an unreadable installation report") from None
    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        raise GuardError("unexpected pip installation report")
    urls = {
        canonical_name(str(item["metadata"]["name"])): str(item["download_info"]["url"])
        for item in data["install"]
        if isinstance(item, dict)
        and isinstance(item.get("metadata"), dict)
        and "name" in item["metadata"]
        and isinstance(item.get("download_info"), dict)
        and "url" in item["download_info"]
    }
    return report_inventory(data, source="pip install --dry-run"), urls


def download_archives(
    command: InstallCommand, inventory: Inventory, urls: dict[str, str], dest: Path
) -> dict[str, Path]:
    """The archives the installer would install — the very URLs pip chose, else
    ``name==version`` through the user's configured index — fetched with
    ``pip download --no-deps``; maps package name to archive."""
    pip = list(command.argv[: command.install_index])
    if command.tool == "uv":
        pip = [os.environ.get("PYTHON", "python3"), "-m", "pip"]
    archives: dict[str, Path] = {}
    for component in inventory.components:
        if component.version is None:
            continue
        target = dest / component.name
        target.mkdir()
        spec = urls.get(component.name) or component.url or f"{component.name}=={component.version}"
        done = _run(
            [*pip, "download", "--no-deps", "--quiet", "--dest", str(target), spec],
            f"pip download {spec}",
        )
        if done.returncode != 0:
            raise _failure(done, f"pip download {spec}")
        files = sorted(target.iterdir())
        if files:
            archives[component.name] = files[0]
    return archives


@dataclass
class GuardOutcome:
    command: InstallCommand
    inventory: Inventory
    threshold: Severity
    parts: dict[str, CheckPart] = field(default_factory=dict)
    install_status: int | None = None

    def findings(self) -> list[Finding]:
        return [f for part in self.parts.values() for f in part.findings]

    @property
    def blocked(self) -> bool:
        return any(f.severity >= self.threshold for f in self.findings())

    def to_document(self) -> dict[str, Any]:
        return {
            "command": list(self.command.argv),
            "install": [
                {"name": c.name, "version": c.version, "scope": c.scope.value}
                for c in self.inventory.components
            ],
            "audit": self.parts["audit"].document,
            "packages": self.parts["packages"].document,
            "blocked": self.blocked,
            "threshold": self.threshold.label,
            "install_exit_status": self.install_status,
        }


def check_install(
    command: InstallCommand,
    *,
    threshold: Severity,
    deep: bool = False,
    db_path: Path | None = None,
) -> GuardOutcome:
    """Run the dry run and every check on its result; does not install anything."""
    from chainward.packages import Checker

    inventory, urls = planned_install(command)
    outcome = GuardOutcome(command, inventory, threshold)
    outcome.parts["audit"] = run_audit(inventory, db_path)
    checker = Checker(db_path=db_path)
    results = []
    if deep:
        with tempfile.TemporaryDirectory(prefix="chainward-guard-dl-") as tmp:
            archives = download_archives(command, inventory, urls, Path(tmp))
            for component in inventory.components:
                archive = archives.get(component.name)
                if archive is None:
                    results.append(checker.check_name(component.name, component.version))
                else:
                    results.append(checker.check_archive(archive))
    else:
        results = [checker.check_name(c.name, c.version) for c in inventory.components]
    findings = [f for r in results for f in r.findings]
    outcome.parts["packages"] = CheckPart({"packages": [r.to_json() for r in results]}, findings)
    return outcome


def run_install(command: InstallCommand, *, stdout_to_stderr: bool) -> int:
    """Run the user's command unchanged; its output goes to the terminal."""
    try:
        done = subprocess.run(
            list(command.argv), check=False, stdout=2 if stdout_to_stderr else None
        )
    except FileNotFoundError:
        raise InputError(f"cannot run {command.argv[0]!r}: not found") from None
    return done.returncode


__all__ = [
    "GuardError",
    "GuardOutcome",
    "InstallCommand",
    "check_install",
    "planned_install",
    "run_install",
]
