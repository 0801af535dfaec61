"""``chainward sandbox``: load a model, install a package or run a command in isolation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chainward.cli.options import emit, fail_on_option, is_quiet, reached, report_options
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Finding
from chainward.report.interface import Report, Section

F = TypeVar("F", bound=Callable[..., Any])

_BACKENDS = ("auto", "bwrap", "gvisor", "landlock")


def _sandbox_options(func: F) -> F:
    func = click.option(
        "--memory",
        "memory_mb",
        type=click.IntRange(16),
        default=None,
        help="Address-space limit in MiB.",
    )(func)
    func = click.option(
        "--timeout",
        "wall_s",
        type=click.FloatRange(0.1),
        default=None,
        help="Wall-clock limit in seconds.",
    )(func)
    func = click.option(
        "--trace",
        "trace",
        type=click.Choice(["full", "fast", "off"]),
        default=None,
        help="strace mode: full records syscalls the sandbox denies; fast is cheaper.",
    )(func)
    func = click.option(
        "--backend",
        type=click.Choice(_BACKENDS),
        default="auto",
        show_default=True,
        help="Sandbox backend.",
    )(func)
    return func


def _policy(
    trace: str | None, wall_s: float | None, memory_mb: int | None, default_trace: str
) -> Any:
    from dataclasses import replace

    from chainward.sandbox.policy import Limits, Policy, TraceMode

    limits = Limits()
    if wall_s is not None:
        limits = replace(limits, wall_s=wall_s, cpu_s=max(1, int(wall_s) + 1))
    if memory_mb is not None:
        limits = replace(limits, memory_mb=memory_mb)
    return Policy(limits=limits, trace=TraceMode(trace or default_trace))


def _report(analysis: Any, kind: str) -> Report:
    events = analysis.events
    rows = [(e.kind, "yes" if e.blocked else "no", e.detail[:160]) for e in events]
    findings: list[Finding] = analysis.all_findings
    summary = (
        f"backend {analysis.backend}; exit status {analysis.exit_status}; "
        f"{len(events)} events, {len(findings)} findings",
    )
    return Report(
        kind=kind,
        document=analysis.document(),
        findings=findings,
        sections=[
            Section(
                "Findings",
                ("rule", "severity", "message"),
                [(f.rule, f.severity.label, f.message[:200]) for f in findings],
                empty="nothing forbidden was attempted",
            ),
            Section("Events", ("kind", "blocked", "detail"), rows, empty="no events"),
        ],
        summary_lines=summary,
        warnings=tuple(analysis.warnings),
    )


def _finish(analysis: Any, kind: str, output_format: str, output: Path | None, fail_on: str) -> int:
    emit(_report(analysis, kind), output_format, output, quiet=is_quiet())
    return EXIT_FINDINGS if reached(analysis.all_findings, fail_on) else EXIT_OK


@click.group()
def sandbox() -> None:
    """Run untrusted code in isolation and report what it tried to do."""


@sandbox.command("load")
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--loader",
    type=click.Choice(["auto", "torch", "pickle", "joblib", "numpy"]),
    default="auto",
    show_default=True,
    help="Library used to load the file.",
)
@click.option("--no-static", is_flag=True, help="Skip the static scan that runs first.")
@_sandbox_options
@report_options
@fail_on_option("low")
def load(
    model: Path,
    loader: str,
    no_static: bool,
    backend: str,
    trace: str | None,
    wall_s: float | None,
    memory_mb: int | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
) -> int:
    """Load MODEL in the sandbox under a seccomp lockdown and report what it tried."""
    from chainward.sandbox.analysis import load_model
    from chainward.sandbox.dynamic import static_scan

    static = [] if no_static else static_scan(model)
    analysis = load_model(
        model, backend=backend, loader=loader, policy=_policy(trace, wall_s, memory_mb, "full")
    )
    analysis.static_findings = static
    return _finish(analysis, "sandbox", output_format, output, fail_on)


@sandbox.command("install")
@click.argument("target", metavar="ARCHIVE_OR_REQUIREMENT")
@click.option(
    "--wheelhouse",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory of archives to resolve a requirement from (no network).",
)
@_sandbox_options
@report_options
@fail_on_option("low")
def install(
    target: str,
    wheelhouse: Path | None,
    backend: str,
    trace: str | None,
    wall_s: float | None,
    memory_mb: int | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
) -> int:
    """pip-install a package into scratch in the sandbox and report what its code tried."""
    from chainward.sandbox.analysis import install_package

    analysis = install_package(
        target,
        backend=backend,
        wheelhouse=wheelhouse,
        policy=_policy(trace, wall_s, memory_mb, "fast"),
    )
    return _finish(analysis, "sandbox", output_format, output, fail_on)


@sandbox.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option(
    "--ro",
    "ro_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Make a host path visible read-only at the same place (repeatable).",
)
@click.option("--nproc", type=click.IntRange(1), default=None, help="Process limit.")
@_sandbox_options
@report_options
@fail_on_option("low")
def run(
    command: tuple[str, ...],
    ro_paths: tuple[Path, ...],
    nproc: int | None,
    backend: str,
    trace: str | None,
    wall_s: float | None,
    memory_mb: int | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
) -> int:
    """Run COMMAND in the sandbox (after --) and report what it did."""
    from dataclasses import replace

    from chainward.sandbox.analysis import run_command

    policy = _policy(trace, wall_s, memory_mb, "full")
    policy = replace(policy, ro_paths=tuple(p.resolve() for p in ro_paths))
    if nproc is not None:
        policy = replace(policy, limits=replace(policy.limits, nproc=nproc))
    analysis = run_command(list(command), backend=backend, policy=policy)
    if not is_quiet():
        for stream in (analysis.stdout, analysis.stderr):
            if stream:
                click.echo(stream.rstrip("\n"), err=True)
    return _finish(analysis, "sandbox", output_format, output, fail_on)


@sandbox.command("doctor")
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def doctor(output_format: str) -> int:
    """Show which sandbox backends work here, and why the others do not."""
    import json

    from chainward.sandbox.backends import available
    from chainward.sandbox.capabilities import detect

    caps = detect()
    status = available(caps)
    if output_format == "json":
        click.echo(json.dumps({"capabilities": caps.as_dict(), "backends": status}, indent=2))
    else:
        for name, reason in status.items():
            click.echo(f"{name:9} {'ok' if reason is None else 'unavailable: ' + reason}")
        for note in caps.notes:
            click.echo(f"note: {note}", err=True)
    return EXIT_OK if any(r is None for r in status.values()) else EXIT_FINDINGS


__all__ = ["sandbox"]
