"""Installed environments: the running interpreter (``--env``) or another one (``--python``).

Distributions come from ``importlib.metadata``; another interpreter runs a small,
standard-library-only probe (``_envprobe.py``) from an empty working directory, so
nothing from the project being scanned can shadow its imports. The dependency graph
comes from Requires-Dist evaluated against that interpreter's markers. What a manifest
declares is direct; without one, packages nothing depends on are.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement

from chainward.inventory._build import make_component, parse_requirement
from chainward.inventory._graph import Root, graph_roots, place
from chainward.inventory.interface import InventoryError
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name

PROBE_TIMEOUT = 120
_MAX_OUTPUT = 64 * 1024 * 1024


def probe_interpreter(python: str) -> dict[str, Any]:
    """Run the probe in ``python`` (a path or a command name) and return its JSON."""
    script = (Path(__file__).parent / "_envprobe.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="chainward-probe-") as empty:
        try:
            done = subprocess.run(
                [python, "-S", "-c", script],  # -S: no site, so no package .pth code runs
                cwd=empty,
                capture_output=True,
                timeout=PROBE_TIMEOUT,
                check=False,
                env={**os.environ, "PYTHONSAFEPATH": "1", "PYTHONIOENCODING": "utf-8"},
            )
        except FileNotFoundError:
            raise InventoryError("interpreter not found", path=python) from None
        except PermissionError:
            raise InventoryError("interpreter is not executable", path=python) from None
        except OSError as exc:
            raise InventoryError(f"cannot run interpreter: {exc.strerror}", path=python) from None
        except subprocess.TimeoutExpired:
            raise InventoryError(
                f"interpreter did not answer within {PROBE_TIMEOUT} s", path=python
            ) from None
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise InventoryError(f"interpreter failed to list its packages: {last}", path=python)
    if len(done.stdout) > _MAX_OUTPUT:
        raise InventoryError("interpreter printed too much output", path=python)
    try:
        data = json.loads(done.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InventoryError(
            "interpreter printed something that is not JSON", path=python
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("distributions"), list):
        raise InventoryError("unexpected answer from the interpreter", path=python)
    return data


def probe_running() -> dict[str, Any]:
    from chainward.inventory import _envprobe

    return _envprobe.probe()


def read_environment(
    *, python: str | None = None, declared: Inventory | None = None, options: object = None
) -> Inventory:
    """The installed distributions as components, placed by the declared manifests."""
    data = probe_interpreter(python) if python else probe_running()
    return environment_inventory(data, declared or Inventory())


def environment_inventory(data: dict[str, Any], declared: Inventory) -> Inventory:
    env = {str(k): str(v) for k, v in (data.get("environment") or {}).items()}
    env.setdefault("extra", "")
    dists: dict[str, dict[str, Any]] = {}
    for dist in data["distributions"]:
        if not isinstance(dist, dict) or not isinstance(dist.get("name"), str):
            continue
        dists.setdefault(canonical_name(dist["name"]), dist)  # first on sys.path wins
    edges: dict[str, list[str]] = {}
    for name, dist in dists.items():
        edges[name] = [d for d in _requirements(dist, env, dists) if d != name]
    roots: list[Root[str]] = []
    answered = {c.source for c in declared.components if c.name in dists and c.source}
    # a declared range is answered by the installed version: only other skips remain
    skipped: list[Skipped] = [
        s for s in declared.skipped if not (s.source in answered and "pinned" in s.reason)
    ]
    for comp in declared.components:
        if comp.name in dists:
            scope: Scope = Scope.DIRECT if comp.scope is Scope.TRANSITIVE else comp.scope
            roots.extend(Root(comp.name, scope, g) for g in (comp.groups or (None,)))
        elif comp.scope in (Scope.DIRECT, Scope.TRANSITIVE):
            skipped.append(
                Skipped(comp.name, "declared but not installed in the environment", comp.source)
            )
    declared_names = {r.key for r in roots}
    roots.extend(Root(k, Scope.DIRECT) for k in graph_roots(edges) if k not in declared_names)
    placement = place(edges, roots)
    components: list[Component] = []
    for name, dist in dists.items():
        spot = placement.get(name)
        scope = spot.scope if spot else Scope.TRANSITIVE
        components.append(
            make_component(
                name,
                str(dist.get("version") or "") or None,
                scope=scope,
                source=Provenance(str(dist.get("path") or data.get("executable") or "")),
                path=spot.path if spot else (),
                groups=spot.groups if spot else (),
                requires=edges[name],
            )
        )
    return Inventory(tuple(components), declared.models, tuple(skipped))


def _requirements(
    dist: dict[str, Any], env: dict[str, str], installed: dict[str, dict[str, Any]]
) -> list[str]:
    out: list[str] = []
    for text in dist.get("requires") or []:
        try:
            req = parse_requirement(str(text))
        except InvalidRequirement:
            continue  # a broken Requires-Dist in someone's metadata is not the user's input
        name = canonical_name(req.name)
        if name not in installed:
            continue
        if req.marker is None:
            out.append(name)
            continue
        try:
            if req.marker.evaluate({**env, "extra": ""}):
                out.append(name)
            elif "extra" in str(req.marker):
                out.append(name)  # an extra's dependency that is installed: assume the extra
        except (InvalidMarker, ValueError, KeyError):
            continue
    return list(dict.fromkeys(out))


__all__ = ["environment_inventory", "probe_interpreter", "read_environment"]
