"""Scopes and dependency paths from a dependency graph and the roots a manifest declares."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from chainward.records import Scope

K = TypeVar("K", bound=Hashable)

# when several roots reach a package, the one that ships wins: direct > transitive > optional > dev
SCOPE_RANK = {Scope.DIRECT: 0, Scope.TRANSITIVE: 1, Scope.OPTIONAL: 2, Scope.DEV: 3}


@dataclass(frozen=True)
class Root(Generic[K]):
    """A package the project itself asks for, in a scope (and a group for dev/optional)."""

    key: K
    scope: Scope
    group: str | None = None


@dataclass(frozen=True)
class Placement(Generic[K]):
    """Where a package sits: its scope, its groups and the shortest path from a root."""

    scope: Scope
    groups: tuple[str, ...]
    path: tuple[K, ...]


def place(edges: Mapping[K, Sequence[K]], roots: Iterable[Root[K]]) -> dict[K, Placement[K]]:
    """Assign every node reachable from ``roots`` a scope, groups and a dependency path.

    Main roots are ``DIRECT`` and what they pull in ``TRANSITIVE``; what only optional
    or dev roots pull in keeps that scope, with every group that reaches it. The path
    runs from a root down to the node, both included (empty for main roots).
    """
    by_scope: dict[Scope, list[Root[K]]] = {}
    for root in roots:
        by_scope.setdefault(root.scope, []).append(root)
    result: dict[K, Placement[K]] = {}
    main = [r.key for r in by_scope.get(Scope.DIRECT, []) + by_scope.get(Scope.TRANSITIVE, [])]
    for key, path in _bfs(edges, main).items():
        scope = Scope.DIRECT if len(path) == 1 else Scope.TRANSITIVE
        result[key] = Placement(scope, (), () if len(path) == 1 else path)
    for scope in (Scope.OPTIONAL, Scope.DEV):
        groups: dict[K, set[str]] = {}
        paths: dict[K, tuple[K, ...]] = {}
        for root in by_scope.get(scope, []):
            for key, path in _bfs(edges, [root.key]).items():
                if key in result:
                    continue
                if root.group:
                    groups.setdefault(key, set()).add(root.group)
                else:
                    groups.setdefault(key, set())
                if key not in paths or len(path) < len(paths[key]):
                    paths[key] = path
        for key, names in groups.items():
            path = paths[key]
            result[key] = Placement(scope, tuple(sorted(names)), () if len(path) == 1 else path)
    return result


def graph_roots(edges: Mapping[K, Sequence[K]]) -> list[K]:
    """Nodes nothing depends on (every node of a cycle with no way in counts too)."""
    incoming: set[K] = set()
    for key, targets in edges.items():
        incoming.update(t for t in targets if t != key)
    roots = [key for key in edges if key not in incoming]
    reached = set(_bfs(edges, roots))
    for key in edges:  # isolated cycles: take one member as a root
        if key not in reached:
            roots.append(key)
            reached |= set(_bfs(edges, [key]))
    return roots


def _bfs(edges: Mapping[K, Sequence[K]], starts: Iterable[K]) -> dict[K, tuple[K, ...]]:
    paths: dict[K, tuple[K, ...]] = {}
    queue: deque[K] = deque()
    for start in starts:
        if start in edges and start not in paths:
            paths[start] = (start,)
            queue.append(start)
    while queue:
        node = queue.popleft()
        for nxt in edges.get(node, ()):
            if nxt in edges and nxt not in paths:
                paths[nxt] = (*paths[node], nxt)
                queue.append(nxt)
    return paths


__all__ = ["SCOPE_RANK", "Placement", "Root", "graph_roots", "place"]
