"""The three dynamic analyses: load a model, install a package, run a command.

Each returns an :class:`Analysis`: the backend used, every event, the findings (what
the policy forbids, after the benign baseline), and the exit status.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chainward.errors import InputError
from chainward.records import Finding
from chainward.sandbox.events import Context, Event
from chainward.sandbox.findings import findings_json, to_findings
from chainward.sandbox.interface import View
from chainward.sandbox.policy import Policy, TraceMode
from chainward.sandbox.runner import RunResult, run

LOADERS = ("auto", "torch", "pickle", "joblib", "numpy")
_NOT_FOUND = re.compile(r"(bwrap: execvp|can't execute|No such file or directory).*$", re.M)
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar")


@dataclass
class Analysis:
    """Result of one dynamic analysis."""

    backend: str
    subject: str
    events: list[Event]
    findings: list[Finding]
    exit_status: int | None
    warnings: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    stdout: str = ""
    stderr: str = ""
    static_findings: list[Finding] = field(default_factory=list)

    @property
    def all_findings(self) -> list[Finding]:
        return [*self.static_findings, *self.findings]

    def document(self) -> dict[str, Any]:
        """The contract JSON: ``{"backend", "events", "findings", "exit_status"}``."""
        return {
            "backend": self.backend,
            "events": [e.as_json() for e in self.events],
            "findings": findings_json(self.all_findings),
            "exit_status": self.exit_status,
        }


def _check_file(path: Path, what: str) -> Path:
    if not path.exists():
        raise InputError(f"{what} not found", path=str(path))
    if not path.is_file():
        raise InputError(f"{what} is not a regular file", path=str(path))
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", path=str(path)) from None
    return path


def _load_events(res: RunResult) -> list[Event]:
    """What the entry script itself reports: the exception, or a clean load."""
    out: list[Event] = []
    result = res.result
    if result is None:
        if res.exit_status not in (0, None) or res.timed_out:
            out.append(
                Event(
                    "load",
                    "the loader did not finish (no result)",
                    True,
                    False,
                    "runner",
                    "load|none",
                )
            )
        return out
    exc = result.get("exception")
    if isinstance(exc, dict):
        etype = str(exc.get("type", "Exception"))
        message = str(exc.get("message", ""))
        detail = f"{etype}: {message}".strip()
        if exc.get("phase") == "import":
            out.append(
                Event("load", f"loader unavailable: {detail}", False, False, "entry", "load|import")
            )
        elif (
            etype in ("PermissionError", "BlockingIOError") or "Operation not permitted" in message
        ):
            out.append(
                Event(
                    "load.blocked",
                    f"{detail} (raised at {exc.get('where', '?')})",
                    True,
                    True,
                    "entry",
                    f"load.blocked|{etype}",
                )
            )
        else:
            out.append(
                Event(
                    "exception",
                    f"loading raised {detail}",
                    False,
                    False,
                    "entry",
                    f"exception|{etype}",
                )
            )
    for note in result.get("notes", []) if isinstance(result.get("notes"), list) else []:
        out.append(Event("load", str(note)[:300], False, False, "entry", "load|note"))
    if result.get("ok") and not isinstance(exc, dict):
        out.append(
            Event(
                "load",
                f"loaded {result.get('object', '?')} with {result.get('loader')} under lockdown",
                False,
                False,
                "entry",
                "load|ok",
            )
        )
    return out


def load_model(
    path: Path, *, backend: str = "auto", loader: str = "auto", policy: Policy | None = None
) -> Analysis:
    """Deserialise ``path`` inside the sandbox under the in-process lockdown."""
    _check_file(path, "model file")
    if loader not in LOADERS:
        raise InputError(f"unknown loader {loader!r} (choose from {', '.join(LOADERS)})")
    policy = policy or Policy()
    policy = replace(policy, artifact=path)
    name = "model" + "".join(path.suffixes[-2:])[:16]

    def command(view: View) -> list[str]:
        return [
            sys.executable,
            "-s",
            f"{view.lib}/entry/load_model.py",
            f"{view.inputs}/{name}",
            view.out,
            view.lib,
            loader,
        ]

    res = run(
        command,
        policy,
        backend=backend,
        inputs=[(path, name)],
        context=lambda view: Context(view=view, lockdown=True),
    )
    events = res.events + _load_events(res)
    findings = to_findings(events, str(path))
    return Analysis(
        res.backend,
        str(path),
        events,
        findings,
        res.exit_status,
        res.warnings,
        res.result,
        res.stdout,
        res.stderr,
    )


def _is_archive(target: str) -> bool:
    return target.lower().endswith(_ARCHIVE_SUFFIXES)


def install_package(
    target: str,
    *,
    backend: str = "auto",
    wheelhouse: Path | None = None,
    policy: Policy | None = None,
    use_baseline: bool = True,
) -> Analysis:
    """``pip install --no-deps --no-index`` ``target`` into scratch, inside the sandbox.

    ``target`` is a local sdist/wheel, or a requirement resolved from ``wheelhouse``.
    """
    policy = policy or Policy(trace=TraceMode.FAST)
    inputs: list[tuple[Path, str]] = []
    archive = Path(target)
    if _is_archive(target) or archive.exists():
        _check_file(archive, "package archive")
        if not _is_archive(archive.name):
            raise InputError(
                "not a package archive (expected .whl, .tar.gz, .zip, ...)", path=target
            )
        inputs.append((archive, archive.name))
        subject = archive.name
    else:
        if wheelhouse is None:
            raise InputError(
                f"{target!r} is not a local archive; the sandbox has no network, "
                "so give --wheelhouse DIR to install a requirement"
            )
        subject = target
    if wheelhouse is not None:
        if not wheelhouse.is_dir():
            raise InputError("wheelhouse is not a directory", path=str(wheelhouse))
        policy = replace(policy, ro_paths=(*policy.ro_paths, wheelhouse.resolve()))
    placeholders = _placeholders(subject)

    def command(view: View) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "pip",
            "--isolated",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-input",
            "install",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--no-compile",
            "--progress-bar",
            "off",
            "--target",
            f"{view.scratch}/target",
        ]
        if wheelhouse is not None:
            argv += ["--find-links", str(wheelhouse.resolve())]
        argv.append(f"{view.inputs}/{archive.name}" if inputs else target)
        return argv

    res = run(
        command,
        policy,
        backend=backend,
        inputs=inputs,
        context=lambda view: Context(view=view, placeholders=placeholders),
    )
    baseline: frozenset[str] = frozenset()
    if use_baseline:
        from chainward.sandbox.baseline import pip_baseline

        baseline = pip_baseline(res.backend, policy)
    events = [e for e in res.events if e.key not in baseline]
    if res.exit_status not in (0, None):
        events.append(
            Event(
                "install",
                f"pip exited with status {res.exit_status}: {_last_line(res.stderr)}",
                False,
                False,
                "runner",
                "install|fail",
            )
        )
    findings = to_findings(events, subject)
    return Analysis(
        res.backend,
        subject,
        events,
        findings,
        res.exit_status,
        res.warnings,
        None,
        res.stdout,
        res.stderr,
    )


def _placeholders(subject: str) -> dict[str, str]:
    stem = Path(subject).name
    for suffix in _ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    out = {Path(subject).name: "$ARCHIVE"}
    if len(stem) >= 3:
        out[stem] = "$PKG"
        name = stem.split("-")[0]
        if len(name) >= 3:
            out[name] = "$NAME"
    return out


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def run_command(
    argv: Sequence[str], *, backend: str = "auto", policy: Policy | None = None
) -> Analysis:
    """Run ``argv`` as is inside the sandbox (paths as the sandbox sees them)."""
    if not argv:
        raise InputError("no command given (usage: chainward sandbox run -- CMD ...)")
    res = run(list(argv), policy or Policy(), backend=backend)
    if res.exit_status in (1, 127) and not res.events and _NOT_FOUND.search(res.stderr):
        raise InputError(
            f"command not found inside the sandbox: {argv[0]} "
            "(give an absolute path, and --ro to make it visible)"
        )
    subject = " ".join(argv)
    findings = to_findings(res.events, subject)
    return Analysis(
        res.backend,
        subject,
        res.events,
        findings,
        res.exit_status,
        res.warnings,
        None,
        res.stdout,
        res.stderr,
    )


__all__ = ["LOADERS", "Analysis", "install_package", "load_model", "run_command"]
