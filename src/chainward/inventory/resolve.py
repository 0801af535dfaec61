"""``--resolve``: let pip's own resolver say exactly what a manifest would install.

Runs ``python -m pip install --dry-run --ignore-installed --quiet --report FILE`` with
the user's pip configuration (index, extra indexes, find-links, certificates), then
reads pip's installation report: every package with its version, which ones were
requested (direct) and their Requires-Dist (the graph). chainward never resolves
dependencies itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement

from chainward.inventory._build import make_component, parse_requirement
from chainward.inventory._graph import Root, place
from chainward.inventory._io import display
from chainward.inventory.interface import InventoryError
from chainward.inventory.requirements import DIRECT_REFERENCE
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name

RESOLVE_TIMEOUT = 900


def pip_report(
    args: Sequence[str],
    *,
    python_version: str | None = None,
    platform: str | None = None,
    what: str,
) -> dict[str, Any]:
    """Run pip's resolver in dry-run mode and return its installation report."""
    with tempfile.TemporaryDirectory(prefix="chainward-resolve-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--disable-pip-version-check",
            "--report",
            str(report),
        ]
        targeted = False
        if python_version:
            command += ["--python-version", python_version]
            targeted = True
        if platform and "_" in platform:  # pip wants a wheel platform tag
            command += ["--platform", platform]
            targeted = True
        # wheels only: building a source distribution runs its setup code, which chainward
        # never does outside the sandbox
        command.append("--only-binary=:all:")
        if targeted:  # pip resolves for another interpreter only into a --target
            command += ["--target", str(Path(tmp) / "target")]
        command += list(args)
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=RESOLVE_TIMEOUT,
                check=False,
                env={**os.environ, "PIP_NO_INPUT": "1"},
            )
        except subprocess.TimeoutExpired:
            raise InventoryError(
                f"pip did not finish resolving within {RESOLVE_TIMEOUT} s", path=what
            ) from None
        if done.returncode != 0 or not report.is_file():
            lines = [
                line.strip()
                for line in done.stderr.decode("utf-8", "replace").splitlines()
                if line.strip() and not line.startswith(" ")
            ]
            reason = next(
                (ln for ln in lines if ln.startswith("ERROR")), lines[-1] if lines else "no output"
            )
            raise InventoryError(
                f"pip could not resolve the requirements from wheels: {reason}", path=what
            )
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except ValueError:
            raise InventoryError("pip wrote an unreadable report", path=what) from None
    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        raise InventoryError("unexpected pip report", path=what)
    return data


def report_inventory(
    data: dict[str, Any],
    *,
    source: str,
    declared: dict[str, Provenance] | None = None,
    markers: dict[str, str] | None = None,
) -> Inventory:
    """Components from a pip installation report (``pip install --report``).

    ``markers`` replaces the report's environment (pip reports the running
    interpreter's even when it resolved for another Python version or platform).
    """
    env = {str(k): str(v) for k, v in (data.get("environment") or {}).items()}
    env.update(markers or {})
    items: dict[str, dict[str, Any]] = {}
    for item in data["install"]:
        meta = item.get("metadata") or {}
        if isinstance(meta.get("name"), str):
            items[canonical_name(meta["name"])] = item
    edges: dict[str, list[str]] = {}
    for name, item in items.items():
        extras = tuple(item.get("requested_extras") or ())
        edges[name] = _edges(item["metadata"].get("requires_dist") or [], env, extras, items)
    roots = [Root(name, Scope.DIRECT) for name, item in items.items() if item.get("requested")]
    placement = place(edges, roots)
    components: list[Component] = []
    skipped: list[Skipped] = []
    for name, item in items.items():
        spot = placement.get(name)
        where = (declared or {}).get(name) or Provenance(source)
        info = item.get("download_info") or {}
        hashes = (info.get("archive_info") or {}).get("hashes") or {}
        url = str(info.get("url")) if item.get("is_direct") else None
        components.append(
            make_component(
                name,
                str(item["metadata"].get("version")),
                scope=spot.scope if spot else Scope.TRANSITIVE,
                source=where,
                path=spot.path if spot else (),
                requires=edges[name],
                extras=item.get("requested_extras") or (),
                hashes=((str(a), str(d)) for a, d in hashes.items()),
                url=url,
            )
        )
        if url and "vcs_info" in info:
            vcs = info["vcs_info"]
            skipped.append(
                Skipped(
                    f"{name} @ {url}",
                    "resolved from version control at "
                    f"{vcs.get('commit_id', '?')}: version is the project's own "
                    "claim",
                    where,
                )
            )
    return Inventory(tuple(components), (), tuple(skipped))


def _edges(
    requires: list[Any],
    env: dict[str, str],
    extras: tuple[str, ...],
    items: dict[str, dict[str, Any]],
) -> list[str]:
    out: list[str] = []
    for text in requires:
        try:
            req = parse_requirement(str(text))
        except InvalidRequirement:
            continue
        name = canonical_name(req.name)
        if name not in items:
            continue
        try:
            if req.marker is None or any(
                req.marker.evaluate({**env, "extra": e}) for e in ("", *extras)
            ):
                out.append(name)
        except (InvalidMarker, ValueError, KeyError):
            continue
    return list(dict.fromkeys(out))


def _target(options: Any) -> dict[str, str] | None:
    if not (options.python_version or options.platform):
        return None
    from chainward.inventory.markers import marker_environment

    return marker_environment(options.python_version, options.platform)


def _declared_lines(inventory: Inventory) -> dict[str, Provenance]:
    return {c.name: c.source for c in inventory.components if c.source is not None}


def _refuse_build(entry: str, where: Provenance | None) -> None:
    """A direct reference other than a wheel would be built (its code run) by pip."""
    target = entry.split("#", 1)[0].split(";", 1)[0].strip()
    if target.lower().endswith(".whl"):
        return
    raise InventoryError(
        f"--resolve would make pip build {entry!r} from source, running its code outside the "
        "sandbox; pin it to a released version or inventory without --resolve",
        path=where.file if where else None,
        line=where.line if where else None,
    )


def resolve_requirements(path: Path, options: Any) -> Inventory:
    """The exact install set of a requirements file, as pip resolves it."""
    from chainward.inventory.requirements import RequirementsFileSource

    declared = RequirementsFileSource(
        path, python_version=options.python_version, platform=options.platform
    ).collect()  # parses (and validates) the file with its includes first
    for skip in declared.skipped:
        if skip.reason == DIRECT_REFERENCE:
            _refuse_build(skip.entry, skip.source)
    data = pip_report(
        ["-r", str(path)],
        python_version=options.python_version,
        platform=options.platform,
        what=display(path),
    )
    return report_inventory(
        data, source=display(path), declared=_declared_lines(declared), markers=_target(options)
    )


def _requirement_line(item: Any) -> str:
    extras = f"[{','.join(item.extras)}]" if item.extras else ""
    if item.url:
        return f"{item.name}{extras} @ {item.url}"
    marker = f" ; {item.marker}" if item.marker else ""
    return f"{item.name}{extras}{item.specifier}{marker}"


def resolve_pyproject(path: Path, options: Any) -> Inventory:
    """The install set of a pyproject's declared dependencies (not the project itself)."""
    from chainward.inventory._merge import merge
    from chainward.inventory.markers import marker_environment
    from chainward.inventory.pyproject import components_from, declared

    everything = declared(path)
    items = [d for d in everything if d.scope is Scope.DIRECT]
    for item in items:
        if item.url:
            _refuse_build(item.url, item.source)
    # dev groups and extras are not installed by default: they stay as declared
    others, other_skips = components_from(
        [d for d in everything if d.scope is not Scope.DIRECT],
        marker_environment(options.python_version, options.platform),
    )
    rest = Inventory(tuple(others), (), tuple(other_skips))
    lines = [_requirement_line(d) for d in items]
    if not lines:
        return rest
    with tempfile.TemporaryDirectory(prefix="chainward-resolve-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text("\n".join(lines) + "\n", encoding="utf-8")
        data = pip_report(
            ["-r", str(req)],
            python_version=options.python_version,
            platform=options.platform,
            what=display(path),
        )
    resolved = report_inventory(
        data,
        source=display(path),
        declared={d.name: d.source for d in items},
        markers=_target(options),
    )
    return merge([resolved, rest])


__all__ = ["pip_report", "report_inventory", "resolve_pyproject", "resolve_requirements"]
