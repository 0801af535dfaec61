"""``chainward inventory``: list what a project depends on, and its model files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, is_quiet, report_options
from chainward.errors import ConfigError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.inventory import collect
from chainward.records import Component, Inventory, ModelArtifact, Skipped
from chainward.report.interface import Report, Section


def component_json(comp: Component) -> dict[str, Any]:
    """One component in the contract shape (plus optional detail keys)."""
    doc: dict[str, Any] = {
        "name": comp.name,
        "version": comp.version,
        "ecosystem": comp.ecosystem,
        "purl": comp.purl,
        "scope": comp.scope.value,
        "source": str(comp.source) if comp.source else None,
    }
    if comp.path:
        doc["path"] = list(comp.path)
    if comp.groups:
        doc["groups"] = list(comp.groups)
    if comp.extras:
        doc["extras"] = list(comp.extras)
    if comp.requires:
        doc["requires"] = list(comp.requires)
    if comp.hashes:
        doc["hashes"] = [f"{algo}:{digest}" for algo, digest in comp.hashes]
    if comp.url:
        doc["url"] = comp.url
    return doc


def model_json(model: ModelArtifact) -> dict[str, Any]:
    return {"path": model.path, "format": model.format, "size": model.size, "sha256": model.sha256}


def skipped_json(skip: Skipped) -> dict[str, Any]:
    doc: dict[str, Any] = {"entry": skip.entry, "reason": skip.reason}
    if skip.source is not None:
        doc["source"] = str(skip.source)
    return doc


def inventory_document(inventory: Inventory) -> dict[str, Any]:
    """The ``chainward inventory --format json`` contract document."""
    return {
        "components": [component_json(c) for c in inventory.components],
        "models": [model_json(m) for m in inventory.models],
        "skipped": [skipped_json(s) for s in inventory.skipped],
    }


def inventory_report(inventory: Inventory) -> Report:
    components = Section(
        "Dependencies",
        ("name", "version", "scope", "source", "via"),
        [
            (
                c.name,
                c.version or "(unpinned)",
                c.scope.value + (f" [{', '.join(c.groups)}]" if c.groups else ""),
                str(c.source) if c.source else "",
                " > ".join(c.path[:-1]) if c.path else "",
            )
            for c in inventory.components
        ],
        empty="no dependencies found",
    )
    models = Section(
        "Model files",
        ("path", "format", "size", "sha256"),
        [(m.path, m.format, str(m.size), (m.sha256 or "")[:16]) for m in inventory.models],
        empty="no model files found",
    )
    skipped = Section(
        "Not analysed",
        ("entry", "reason", "source"),
        [(s.entry, s.reason, str(s.source) if s.source else "") for s in inventory.skipped],
        empty="nothing skipped",
    )
    pinned = sum(1 for c in inventory.components if c.version)
    summary = (
        f"{len(inventory.components)} dependencies ({pinned} pinned), "
        f"{len(inventory.models)} model files, {len(inventory.skipped)} not analysed",
    )
    warnings = tuple(
        f"{s.source}: {s.entry}: {s.reason}" if s.source else f"{s.entry}: {s.reason}"
        for s in inventory.skipped
    )
    return Report(
        kind="inventory",
        document=inventory_document(inventory),
        sections=(components, models, skipped),
        summary_lines=summary,
        warnings=warnings,
    )


@click.command("inventory")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-r",
    "--requirement",
    "requirements",
    multiple=True,
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Read FILE as a pip requirements file (repeatable).",
)
@click.option(
    "--env", "use_env", is_flag=True, help="Inventory the running interpreter's installed packages."
)
@click.option(
    "--python",
    "python",
    metavar="PY",
    help="Inventory the installed packages of another interpreter (path).",
)
@click.option(
    "--resolve",
    is_flag=True,
    help="Resolve unpinned requirements with pip's resolver against your pip index "
    "(wheels only: nothing is built).",
)
@click.option(
    "--python-version", metavar="X.Y", help="Evaluate environment markers for this Python version."
)
@click.option(
    "--platform",
    metavar="P",
    help="Evaluate markers for this platform (linux, win32, darwin or a wheel tag).",
)
@click.option("--no-models", is_flag=True, help="Do not look for model files.")
@click.option("--strict", is_flag=True, help="Exit 1 when anything could not be analysed.")
@report_options
def inventory(
    paths: tuple[Path, ...],
    requirements: tuple[Path, ...],
    use_env: bool,
    python: str | None,
    resolve: bool,
    python_version: str | None,
    platform: str | None,
    no_models: bool,
    strict: bool,
    output_format: str,
    output: Path | None,
) -> int:
    """List the dependencies and model files of PATH (a project directory or any
    manifest, lock, SBOM or model file; default: the current directory).

    Lock files list every platform's packages unless --python-version or --platform
    names a target; requirements markers are evaluated for the running interpreter
    unless they do.
    """
    if use_env and python:
        raise ConfigError("--env and --python cannot be used together")
    targets = list(paths)
    if not targets and not requirements and not use_env and not python:
        targets = [Path(".")]
    result = collect(
        targets,
        requirements=requirements,
        env=use_env,
        python=python,
        resolve=resolve,
        python_version=python_version,
        platform=platform,
        include_models=not no_models,
    )
    emit(inventory_report(result), output_format, output, quiet=is_quiet())
    return EXIT_FINDINGS if strict and result.skipped else EXIT_OK


__all__ = ["component_json", "inventory", "inventory_document", "inventory_report"]
