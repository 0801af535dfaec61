"""Merging inventories from several sources without duplicates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from chainward.inventory._graph import SCOPE_RANK
from chainward.records import Component, Inventory, ModelArtifact, Skipped


def merge(parts: Iterable[Inventory]) -> Inventory:
    """One inventory: a (name, version) appears once, in the scope that ships.

    When the same package comes from several places the strongest scope wins
    (direct > transitive > optional > dev), keeping that declaration's provenance
    and path; groups, extras, hashes and requirements are united. A declaration
    without an exact version is dropped (with its "not pinned" skip) when another
    source pins the same name.
    """
    parts = list(parts)
    by_key: dict[tuple[str, str, str | None], Component] = {}
    for part in parts:
        for comp in part.components:
            key = comp.key()
            old = by_key.get(key)
            by_key[key] = comp if old is None else _combine(old, comp)
    pinned = {(c.ecosystem, c.name) for c in by_key.values() if c.version is not None}
    dropped = {
        c.source
        for c in by_key.values()
        if c.version is None and (c.ecosystem, c.name) in pinned and c.url is None
    }
    components = sorted(
        (
            c
            for c in by_key.values()
            if not (c.version is None and (c.ecosystem, c.name) in pinned and c.url is None)
        ),
        key=lambda c: (c.name, c.version or "", SCOPE_RANK[c.scope]),
    )
    models: dict[str, ModelArtifact] = {}
    for part in parts:
        for model in part.models:
            models.setdefault(model.path, model)
    skipped: dict[Skipped, None] = {}
    for part in parts:
        for skip in part.skipped:
            if skip.source is not None and skip.source in dropped and "pinned" in skip.reason:
                continue
            skipped.setdefault(skip, None)
    return Inventory(
        tuple(components),
        tuple(sorted(models.values(), key=lambda m: m.path)),
        tuple(skipped),
    )


def _combine(old: Component, new: Component) -> Component:
    first, second = (old, new) if SCOPE_RANK[old.scope] <= SCOPE_RANK[new.scope] else (new, old)
    groups = set(first.groups) | (set(second.groups) if first.scope is second.scope else set())
    return replace(
        first,
        groups=tuple(sorted(groups)),
        extras=tuple(sorted({*first.extras, *second.extras})),
        hashes=tuple(sorted({*first.hashes, *second.hashes})),
        requires=tuple(sorted({*first.requires, *second.requires})),
        url=first.url or second.url,
    )


__all__ = ["merge"]
