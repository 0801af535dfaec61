"""``chainward sbom``: write a CycloneDX or SPDX SBOM of a project or an environment."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chainward.cli.options import is_quiet
from chainward.errors import ConfigError, InputError
from chainward.exitcodes import EXIT_OK
from chainward.inventory import collect
from chainward.sbom import FORMAT_NAMES, SbomFormat, build_content, render
from chainward.sbom.subject import subject_for


@click.command("sbom")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "sbom_format",
    type=click.Choice(FORMAT_NAMES, case_sensitive=False),
    default=SbomFormat.CYCLONEDX_JSON.value,
    show_default=True,
    help="SBOM format (CycloneDX 1.6 JSON or XML, SPDX 2.3 JSON, SPDX 3.0.1 JSON-LD).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the SBOM to FILE instead of stdout.",
)
@click.option(
    "-r",
    "--requirement",
    "requirements",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Read FILE as a pip requirements file.",
)
@click.option(
    "--env", "use_env", is_flag=True, help="Describe the running interpreter's installed packages."
)
@click.option(
    "--python",
    "python",
    metavar="PY",
    help="Describe the installed packages of another interpreter (path).",
)
@click.option("--no-models", is_flag=True, help="Do not look for model files.")
@click.option(
    "--scan-models",
    is_flag=True,
    help="Record the static model scanner's verdict on every model file.",
)
@click.option(
    "--deterministic",
    is_flag=True,
    help="Reproducible output: stable order, no timestamp, serial derived from content.",
)
@click.option(
    "--with-vulns",
    is_flag=True,
    help="Embed known vulnerabilities from the local advisory database "
    "(CycloneDX only; suppressed ones carry a VEX analysis).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CHAINWARD_DB",
    default=None,
    help="Advisory database for --with-vulns.",
)
@click.option(
    "--ignore",
    "ignore_ids",
    multiple=True,
    metavar="ID",
    help="With --with-vulns: mark this advisory as suppressed (repeatable).",
)
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --with-vulns: TOML ignore rules (id, reason, expires).",
)
@click.option(
    "--vex",
    "vex_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --with-vulns: CycloneDX VEX or OpenVEX statements (repeatable).",
)
def sbom(
    paths: tuple[Path, ...],
    sbom_format: str,
    output: Path | None,
    requirements: tuple[Path, ...],
    use_env: bool,
    python: str | None,
    no_models: bool,
    scan_models: bool,
    deterministic: bool,
    with_vulns: bool,
    db: Path | None,
    ignore_ids: tuple[str, ...],
    ignore_file: Path | None,
    vex_files: tuple[Path, ...],
) -> int:
    """Write an SBOM of PATH (a project directory, manifest, lock or SBOM file;
    default: the current directory), or of an environment with --env / --python."""
    if use_env and python:
        raise ConfigError("--env and --python cannot be used together")
    if not with_vulns and (ignore_ids or ignore_file or vex_files):
        raise ConfigError("--ignore, --ignore-file and --vex only make sense with --with-vulns")
    fmt = SbomFormat(sbom_format.lower())
    targets = list(paths)
    if not targets and not requirements and not use_env and not python:
        targets = [Path(".")]
    inventory = collect(
        targets, requirements=requirements, env=use_env, python=python, include_models=not no_models
    )
    if use_env or python:
        from chainward.sbom.envmeta import enrich

        inventory = enrich(inventory)
    warnings = [
        f"{s.source}: {s.entry}: {s.reason}" if s.source else f"{s.entry}: {s.reason}"
        for s in inventory.skipped
    ]
    vulnerabilities = []
    if with_vulns:
        from chainward.sbom.vulns import known_vulnerabilities

        if fmt in (SbomFormat.SPDX_JSON, SbomFormat.SPDX3_JSON):
            warnings.append("--with-vulns embeds vulnerabilities in CycloneDX output only")
        found, audit_warnings = known_vulnerabilities(
            inventory, db=db, ignore_ids=ignore_ids, ignore_file=ignore_file, vex=vex_files
        )
        vulnerabilities = found
        warnings.extend(audit_warnings)
    verdicts = None
    if scan_models and inventory.models:
        from chainward.sbom.scanning import model_verdicts

        verdicts = model_verdicts(inventory.models)
    base = targets[0] if len(targets) == 1 and targets[0].is_dir() else None
    content = build_content(
        inventory,
        subject_for(targets, env=use_env, python=python),
        base=base,
        vulnerabilities=vulnerabilities,
        model_verdicts=verdicts,
    )
    text = render(content, fmt, deterministic=deterministic)
    if not is_quiet():
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write SBOM: {exc.strerror}", path=str(output)) from None
        if not is_quiet():
            click.echo(
                f"wrote {fmt.value} SBOM: {len(content.packages)} packages, "
                f"{len(content.models)} models -> {output}",
                err=True,
            )
    return EXIT_OK


__all__ = ["sbom"]
