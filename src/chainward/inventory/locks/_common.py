"""What every lock reader shares: packages, the graph, roots and the final records."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.inventory._build import make_component, parse_marker, split_hash
from chainward.inventory._graph import Root, graph_roots, place
from chainward.inventory._io import display, expect
from chainward.inventory.markers import evaluate, marker_environment
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name

Key = tuple[str, str]  # (normalised name, version or "")

NO_VERSION = "locked without a version (VCS, URL or local path): cannot audit exactly"


@dataclass
class LockPackage:
    """One locked package as the readers see it, before scopes are known."""

    name: str
    version: str | None
    line: int | None = None
    deps: list[str | Key] = field(default_factory=list)
    hashes: set[tuple[str, str]] = field(default_factory=set)
    groups: tuple[str, ...] = ()
    optional: bool = False
    marker: str = ""
    url: str | None = None
    first_party: bool = False
    # extras: what this package asks of its dependencies, and what its own extras pull in
    dep_extras: list[tuple[str | Key, tuple[str, ...]]] = field(default_factory=list)
    extra_deps: dict[str, list[tuple[str | Key, tuple[str, ...]]]] = field(default_factory=dict)
    activated: set[str] = field(default_factory=set)
    edge_markers: dict[str | Key, str] = field(default_factory=dict)  # dep -> its marker

    @property
    def key(self) -> Key:
        return (self.name, self.version or "")


def skip_entry(name: str, url: str | None) -> str:
    """How a skipped lock entry is named: always by its package name (``name @ url``)."""
    return f"{name} @ {url}" if url else name


def header_lines(text: str, header: str) -> list[int]:
    """Line numbers of each ``[[header]]`` array-of-tables entry, in file order."""
    pattern = re.compile(
        rf"^[ \t]*\[\[[ \t]*{re.escape(header)}[ \t]*\]\][ \t]*(#.*)?$", re.MULTILINE
    )
    lines: list[int] = []
    last, count = 0, 1
    for match in pattern.finditer(text):
        count += text.count("\n", last, match.start())
        last = match.start()
        lines.append(count)
    return lines


def table(value: Any, what: str, path: Path, line: int | None = None) -> dict[str, Any]:
    expect(isinstance(value, dict), f"{what}: expected a table", path, line)
    assert isinstance(value, dict)
    return value


def array(value: Any, what: str, path: Path, line: int | None = None) -> list[Any]:
    expect(isinstance(value, list), f"{what}: expected an array", path, line)
    assert isinstance(value, list)
    return value


def text_field(value: Any, what: str, path: Path, line: int | None = None) -> str:
    expect(
        isinstance(value, str) and value != "", f"{what}: expected a non-empty string", path, line
    )
    assert isinstance(value, str)
    return value


def add_hash(pkg: LockPackage, text: Any) -> None:
    if isinstance(text, str):
        pair = split_hash(text)
        if pair is not None:
            pkg.hashes.add(pair)


def finish(
    path: Path,
    packages: Sequence[LockPackage],
    roots: Iterable[Root[Key]] | None,
    *,
    python_version: str | None = None,
    platform: str | None = None,
    default_groups: Iterable[str] = ("main", "default"),
    has_graph: bool = True,
) -> Inventory:
    """Scopes from the graph, then components (and skips) for every third-party package.

    ``roots`` come from the project's manifest or the lock's own project entries;
    without them, packages nothing depends on are the roots, direct when the lock puts
    them in a default group, else dev (or optional) with their groups.
    """
    shown = display(path)
    env = marker_environment(python_version, platform) if python_version or platform else None
    if env is not None:
        packages = [p for p in packages if not p.marker or _holds(p.marker, env)]
    by_name: dict[str, list[Key]] = {}
    for pkg in packages:
        by_name.setdefault(pkg.name, []).append(pkg.key)

    def resolve(dep: str | Key) -> list[Key]:
        if isinstance(dep, tuple):
            return [dep] if _has(by_name, dep) else by_name.get(dep[0], [])
        return by_name.get(canonical_name(dep), [])

    edges: dict[Key, list[Key]] = {}
    for pkg in packages:
        edges[pkg.key] = [
            t
            for dep in pkg.deps
            if env is None or _holds(pkg.edge_markers.get(dep, ""), env)
            for t in resolve(dep)
        ]
    _activate_extras(packages, edges, resolve)
    for key, targets in edges.items():
        edges[key] = [t for t in dict.fromkeys(targets) if t != key]
    if roots is None:
        root_list = _default_roots(packages, edges, set(default_groups))
    else:
        root_list = []
        for root in roots:
            keys = [root.key] if root.key in edges else by_name.get(root.key[0], [])
            root_list.extend(Root(k, root.scope, root.group) for k in keys)
    placement = place(edges, root_list)
    # for a named target, what no root reaches there is not installed there
    reachable_only = env is not None and has_graph and bool(root_list) and roots is not None
    components: list[Component] = []
    skipped: list[Skipped] = []
    for pkg in packages:
        if pkg.first_party or (reachable_only and pkg.key not in placement):
            continue
        where = Provenance(shown, pkg.line)
        spot = placement.get(pkg.key)
        if spot is None:
            scope, groups, chain = _unplaced(pkg, set(default_groups))
        else:
            scope, groups, chain = spot.scope, spot.groups, tuple(k[0] for k in spot.path)
        components.append(
            make_component(
                pkg.name,
                pkg.version,
                scope=scope,
                source=where,
                path=chain,
                groups=groups,
                requires=(k[0] for k in edges[pkg.key]),
                hashes=pkg.hashes,
                marker=pkg.marker,
                url=pkg.url,
            )
        )
        if pkg.version is None:
            skipped.append(Skipped(skip_entry(pkg.name, pkg.url), NO_VERSION, where))
    return Inventory(tuple(components), (), tuple(skipped))


def _activate_extras(
    packages: Sequence[LockPackage],
    edges: dict[Key, list[Key]],
    resolve: Callable[[str | Key], list[Key]],
) -> None:
    """A package asked for with extras (``requests[socks]``) depends on what they pull in."""
    info = {p.key: p for p in packages}
    requests = [(dep, extras) for p in packages for dep, extras in p.dep_extras if extras]
    while requests:
        dep, extras = requests.pop()
        for key in resolve(dep):
            pkg = info[key]
            new = {canonical_name(e) for e in extras} - pkg.activated
            pkg.activated |= new
            for extra in sorted(new):
                for sub, sub_extras in pkg.extra_deps.get(extra, []):
                    edges[key].extend(resolve(sub))
                    if sub_extras:
                        requests.append((sub, sub_extras))


def _has(by_name: dict[str, list[Key]], key: Key) -> bool:
    return key in by_name.get(key[0], [])


_IN_SET = re.compile(r"""['"]([^'"]+)['"]\s+in\s+(extras|dependency_groups)""")


def _holds(marker: str, env: dict[str, str]) -> bool:
    """Does the package apply to ``env``? Every extra and group counts as selected."""
    if not marker:
        return True
    if "extras" not in marker and "dependency_groups" not in marker:
        try:
            return evaluate(marker, env)
        except ValueError:
            return True  # a marker we cannot evaluate keeps the package (conservative)
    named = _IN_SET.findall(marker)
    lock_env: dict[str, Any] = {
        **env,
        "extras": frozenset(n for n, kind in named if kind == "extras"),
        "dependency_groups": frozenset(n for n, kind in named if kind == "dependency_groups"),
    }
    try:
        return bool(parse_marker(marker).evaluate(lock_env, context="lock_file"))
    except Exception:  # older packaging without PEP 751 markers: keep the package
        return True


def _unplaced(
    pkg: LockPackage, defaults: set[str]
) -> tuple[Scope, tuple[str, ...], tuple[str, ...]]:
    groups = tuple(g for g in pkg.groups if g not in defaults)
    if pkg.optional:
        return Scope.OPTIONAL, groups, ()
    if pkg.groups and not set(pkg.groups) & defaults:
        return Scope.DEV, groups, ()
    return Scope.TRANSITIVE, (), ()


def _default_roots(
    packages: Sequence[LockPackage], edges: dict[Key, list[Key]], defaults: set[str]
) -> list[Root[Key]]:
    first_party = [p for p in packages if p.first_party]
    if first_party:
        roots: list[Root[Key]] = []
        for pkg in first_party:
            roots.extend(Root(k, Scope.DIRECT) for k in edges[pkg.key])
        return roots
    info = {p.key: p for p in packages}
    result: list[Root[Key]] = []
    for key in graph_roots(edges):
        pkg = info[key]
        if pkg.groups and not set(pkg.groups) & defaults:
            result.extend(Root(key, Scope.DEV, g) for g in pkg.groups)
        elif pkg.optional:
            result.append(Root(key, Scope.OPTIONAL))
        else:
            result.append(Root(key, Scope.DIRECT))
    return result


def manifest_roots(
    manifest: Path | None, packages: Sequence[LockPackage]
) -> list[Root[Key]] | None:
    """Roots from the pyproject.toml beside the lock (None when there is none)."""
    if manifest is None or not manifest.is_file():
        return None
    from chainward.inventory.pyproject import declared

    items = declared(manifest)
    if not items:
        return None
    by_name: dict[str, list[Key]] = {}
    for pkg in packages:
        by_name.setdefault(pkg.name, []).append(pkg.key)
    info = {p.key: p for p in packages}
    roots: list[Root[Key]] = []
    for item in items:
        for key in by_name.get(item.name, []):
            roots.append(Root(key, item.scope, item.group))
            if item.extras:  # the project asks for name[extra]: the extra's deps come along
                info[key].dep_extras.append((key, tuple(canonical_name(e) for e in item.extras)))
    return roots


__all__ = [
    "NO_VERSION",
    "Key",
    "LockPackage",
    "add_hash",
    "array",
    "finish",
    "header_lines",
    "manifest_roots",
    "skip_entry",
    "table",
    "text_field",
]
