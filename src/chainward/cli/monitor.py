"""``chainward serve`` and ``chainward monitor``: the monitoring server and its client."""

from __future__ import annotations

import io
import json
import socket
import sys
import zipfile
from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, fail_on_option, is_quiet, reached, report_options
from chainward.errors import ConfigError, InputError, MissingDependencyError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK

database_option = click.option(
    "--database-url",
    envvar="CHAINWARD_DATABASE_URL",
    default=None,
    metavar="URL",
    help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
    "(default: monitor.sqlite in the user data dir).",
)
server_option = click.option(
    "--server",
    envvar="CHAINWARD_SERVER",
    default=None,
    metavar="URL",
    help="The monitoring server (default: $CHAINWARD_SERVER, else http://127.0.0.1:8000).",
)
token_option = click.option(
    "--token",
    envvar="CHAINWARD_TOKEN",
    default=None,
    metavar="TOKEN",
    help="API token (default: $CHAINWARD_TOKEN).",
)


def _need_server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(
            exc.name or "fastapi", "monitor", "the monitoring server"
        ) from None


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@database_option
def serve(host: str, port: int, database_url: str | None) -> int:
    """Start the monitoring server (API under /api/v1, dashboard at /)."""
    _need_server_extra()
    import uvicorn

    from chainward.monitor.db import open_database
    from chainward.monitor.web import ServerConfig, create_app

    open_database(database_url).dispose()  # migrate now: a bad URL fails before listening
    _check_port(host, port)
    app = create_app(ServerConfig(database_url=database_url))
    click.echo(f"chainward monitor on http://{host}:{port}/ (API /api/v1, docs /docs)", err=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return EXIT_OK


@click.group("monitor")
def monitor() -> None:
    """Talk to a monitoring server: tokens, uploads, webhooks, syncs, status."""


@monitor.group("token")
def token() -> None:
    """Manage API tokens (directly in the server's database)."""


@token.command("create")
@click.option(
    "--scope",
    type=click.Choice(["read", "write", "admin"]),
    required=True,
    help="read: view; write: upload and triage; admin: everything.",
)
@click.option("--name", default="", help="A label to recognise the token by.")
@database_option
def token_create(scope: str, name: str, database_url: str | None) -> int:
    """Create an API token and print it (it is stored only as a hash)."""
    _need_server_extra()
    from chainward.monitor.db import open_database
    from chainward.monitor.tokens import Scope, create_token

    db = open_database(database_url)
    try:
        value = create_token(db, Scope(scope), name)
    finally:
        db.dispose()
    click.echo(value)
    return EXIT_OK


def _client(server: str | None, token_value: str | None) -> Any:
    from chainward.monitor.client import MonitorClient

    return MonitorClient(server, token_value)


def _upload_body(path: Path) -> tuple[bytes, str]:
    """The bytes to upload for PATH: an SBOM/inventory JSON as is, else a fresh inventory."""
    from chainward.monitor.ingest import detect_format, inventory_to_document

    if path.is_file() and path.suffix.lower() == ".json":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
        try:
            fmt = detect_format(json.loads(data))
        except (ValueError, RecursionError, InputError):
            fmt = None
        if fmt is not None:
            return data, fmt
    if not path.exists():
        raise InputError("no such file or directory", path=str(path))
    from chainward.inventory import collect

    inventory = collect([path])
    body = json.dumps(inventory_to_document(inventory)).encode("utf-8")
    return body, "inventory"


@monitor.command("push")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project name on the server.")
@click.option(
    "--version",
    "version",
    default="latest",
    show_default=True,
    help="Project version (a release, a branch...).",
)
@server_option
@token_option
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def push(
    path: Path,
    project: str,
    version: str,
    server: str | None,
    token: str | None,
    output_format: str,
) -> int:
    """Upload the inventory or SBOM of PATH to the server."""
    body, fmt = _upload_body(path)
    with _client(server, token) as client:
        result = client.upload(project, version, body)
    if output_format == "json":
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        counts = result.get("open_findings", {})
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"
        click.echo(
            f"uploaded {project} {version} ({fmt}): {result.get('components', 0)} components, "
            f"{result.get('models', 0)} models; open findings: {shown}; "
            f"new {result.get('new_findings', 0)}, fixed {result.get('fixed_findings', 0)}"
        )
    return EXIT_OK


@monitor.group("webhook")
def webhook() -> None:
    """Manage webhooks."""


@webhook.command("add")
@click.argument("url")
@click.option("--secret", default=None, help="Sign payloads with HMAC-SHA256 using this secret.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "slack"]),
    default="json",
    show_default=True,
    help="Payload format (slack: an incoming-webhook message).",
)
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(["new_finding", "fixed_finding", "policy_violation"]),
    help="Only these events (repeatable; default: all).",
)
@server_option
@token_option
def webhook_add(
    url: str,
    secret: str | None,
    fmt: str,
    events: tuple[str, ...],
    server: str | None,
    token: str | None,
) -> int:
    """Register a webhook at URL (needs an admin token)."""
    with _client(server, token) as client:
        result = client.add_webhook(url, secret, fmt, list(events) or None)
    click.echo(
        f"webhook {result['id']} added: {url} ({fmt}{', signed' if result.get('signed') else ''})"
    )
    return EXIT_OK


def _zip_directory(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for child in sorted(path.rglob("*.json")):
            if child.is_file() and not child.is_symlink():
                archive.write(child, child.relative_to(path).as_posix())
    return buffer.getvalue()


@monitor.command("sync")
@click.option(
    "--from",
    "source",
    default=None,
    metavar="FILE_OR_URL",
    help="An OSV export (zip, directory or JSON record) or its URL; default: "
    "re-evaluate what changed in the server's advisory database.",
)
@server_option
@token_option
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def sync(source: str | None, server: str | None, token: str | None, output_format: str) -> int:
    """Make the server import advisory data and re-evaluate affected projects."""
    with _client(server, token) as client:
        if source is None:
            result = client.sync()
        elif source.startswith(("http://", "https://")):
            result = client.sync(url=source)
        else:
            path = Path(source)
            try:
                data = _zip_directory(path) if path.is_dir() else path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", path=source) from None
            result = client.sync(data=data, label=path.name)
    if output_format == "json":
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        imported = result.get("imported") or {}
        click.echo(
            f"synced from {result.get('source')}: {imported.get('added', 0)} new and "
            f"{imported.get('modified', 0)} modified advisories; "
            f"{result.get('changed_packages', 0)} packages re-checked in "
            f"{result.get('versions_evaluated', 0)} project versions; "
            f"{result.get('new_findings', 0)} new findings, "
            f"{result.get('fixed_findings', 0)} fixed"
        )
    return EXIT_OK


def _status_report(document: dict[str, Any]) -> Any:
    """Rebuild the audit report (tables, SARIF findings) from the server's audit document."""
    from chainward.audit.auditor import AuditResult, DependencyResult, Suppressed, Vulnerability
    from chainward.audit.command import audit_report
    from chainward.records import Component, Finding, Scope, Severity, Skipped

    def severity(text: str) -> Severity | None:
        try:
            return None if text == "unknown" else Severity.parse(text)
        except ValueError:
            return None

    dependencies = []
    findings = []
    for dep in document.get("dependencies", []):
        try:
            scope = Scope(dep.get("scope", "direct"))
        except ValueError:
            scope = Scope.DIRECT
        component = Component(name=dep["name"], version=dep["version"], scope=scope)
        vulns = tuple(
            Vulnerability(
                id=v["id"],
                aliases=tuple(v.get("aliases", ())),
                fix_versions=tuple(v.get("fix_versions", ())),
                severity=severity(v.get("severity", "unknown")),
                summary=v.get("summary", ""),
                malicious=v["id"].startswith("MAL-"),
            )
            for v in dep.get("vulns", [])
        )
        fixes = sorted({f for v in vulns for f in v.fix_versions})
        dependencies.append(DependencyResult(component, vulns, fixes[-1] if fixes else None))
        for v in vulns:
            findings.append(
                Finding(
                    check="audit",
                    rule=v.id,
                    severity=v.effective_severity,
                    message=f"{component.name} {component.version}: {v.id}"
                    + (f": {v.summary}" if v.summary else ""),
                    subject=component.name,
                    fix=", ".join(v.fix_versions) or None,
                )
            )
    summary = document.get("summary", {})
    by_key = {(d.component.name, d.component.version): d.component for d in dependencies}
    suppressed = tuple(
        Suppressed(
            Vulnerability(s["id"], (), (), None, ""),
            by_key.get((s["name"], s["version"]), Component(name=s["name"], version=s["version"])),
            s.get("by", "monitor"),
            s.get("detail", ""),
        )
        for s in summary.get("suppressed", [])
    )
    skipped = tuple(
        Skipped(s.get("entry", ""), s.get("reason", "")) for s in summary.get("skipped", [])
    )
    result = AuditResult(
        dependencies=tuple(dependencies),
        skipped=skipped,
        suppressed=suppressed,
        reported_findings=tuple(findings),
    )
    report = audit_report(result)
    return report.with_document(document)


@monitor.command("status")
@click.option("--project", required=True, help="Project name on the server.")
@click.option(
    "--version", "version", default=None, help="Project version (default: the most recent upload)."
)
@server_option
@token_option
@report_options
@fail_on_option("low")
def status(
    project: str,
    version: str | None,
    server: str | None,
    token: str | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
) -> int:
    """Print the project's current findings (the `chainward audit` JSON shape)."""
    with _client(server, token) as client:
        document = client.status(project, version)
    report = _status_report(document)
    emit(report, output_format, output, quiet=is_quiet())
    return EXIT_FINDINGS if reached(report.findings, fail_on) else EXIT_OK


__all__ = ["monitor", "serve"]
