"""pip requirements files, read with pip's own grammar (pip-requirements-parser).

Includes (``-r``) and constraints (``-c``) are followed relative to the including
file, as pip does; environment markers are evaluated for the running interpreter
or for the Python version and platform the user names. A requirement is pinned when
its specifiers (together with every constraint on the same name) allow exactly one
version (``==V`` without a wildcard, or ``===V``); anything else, and URL, VCS or
local-path requirements, becomes a ``Skipped`` entry unless the caller resolves it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.inventory._build import make_component, split_hash
from chainward.inventory._graph import Root, place
from chainward.inventory._io import display, read_bytes
from chainward.inventory._plainreq import PlainPin, plain_requirements
from chainward.inventory.interface import InventoryError, Source
from chainward.inventory.markers import check_target, evaluate, marker_environment
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name

if TYPE_CHECKING:
    import pip_requirements_parser as rp
    from packaging.specifiers import SpecifierSet

# Plain-pin files skip pip-requirements-parser (same results; tests switch it off to compare).
FAST_PATH = True

UNPINNED = "not pinned to one exact version: cannot audit exactly (use --resolve)"
DIRECT_REFERENCE = "URL, VCS or local-path requirement: cannot audit exactly (use --resolve)"

_DEV_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "docs",
        "doc",
        "ci",
        "typing",
        "mypy",
        "style",
        "qa",
        "check",
        "checks",
        "bench",
        "benchmark",
    }
)
_MAX_INCLUDE_DEPTH = 64


@dataclass(frozen=True)
class _Req:
    """What the inventory uses of one requirement line, from either reader."""

    name: str | None
    specifier: str
    extras: tuple[str, ...]
    marker: Any  # packaging.markers.Marker or None
    direct_url: str | None  # URL, VCS, local path or editable requirement
    hashes: tuple[str, ...]
    line: str

    @classmethod
    def from_library(cls, req: rp.InstallRequirement) -> _Req:
        direct = req.link is not None or req.is_editable
        return cls(
            name=req.name,
            specifier=str(req.specifier or ""),
            extras=tuple(req.extras or ()),
            marker=req.marker,
            direct_url=str(req.link.url if req.link else req.line) if direct else None,
            hashes=tuple(req.hash_options or ()),
            line=req.requirement_line.line,
        )

    @classmethod
    def from_pin(cls, pin: PlainPin) -> _Req:
        return cls(
            name=pin.name,
            specifier=f"=={pin.version}",
            extras=pin.extras,
            marker=pin.marker,
            direct_url=None,
            hashes=pin.hashes,
            line=pin.line,
        )


@dataclass
class _Entry:
    """One requirement line after marker evaluation."""

    name: str | None
    req: _Req
    file: str
    line: int
    constraint: bool


@dataclass
class _Group:
    """Everything the files say about one project name."""

    name: str
    entries: list[_Entry] = field(default_factory=list)
    constraints: list[_Entry] = field(default_factory=list)


def file_scope(path: Path) -> tuple[Scope, tuple[str, ...]]:
    """Dev scope for files whose name says so (requirements-dev.txt, requirements/test.txt)."""
    words = set(re.split(r"[^a-z0-9]+", path.stem.lower())) - {"requirements", "requirement", ""}
    if path.parent.name.lower() == "requirements":
        words |= set(re.split(r"[^a-z0-9]+", path.stem.lower()))
    dev = words & _DEV_WORDS
    if dev:
        return Scope.DEV, (sorted(dev)[0],)
    return Scope.DIRECT, ()


def exact_version(spec: SpecifierSet) -> str | None:
    """The one version ``spec`` pins, if it pins exactly one."""
    for item in spec:
        if item.operator == "===":
            return item.version
        if item.operator == "==" and not item.version.endswith(".*"):
            return item.version
    return None


class RequirementsFileSource(Source):
    """A requirements file and everything it includes."""

    def __init__(
        self,
        path: Path,
        *,
        python_version: str | None = None,
        platform: str | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.path = path
        check_target(python_version, platform)
        self._target = (python_version, platform)
        self._env: dict[str, str] | None = None
        if scope is None:
            self.scope, self.groups = file_scope(path)
        else:
            self.scope, self.groups = scope, ()
        self.files: list[str] = []
        self.read: set[str] = set()  # absolute paths of every file read, includes too
        self.as_constraints: set[str] = set()  # those read as constraints (-c, or inside one)
        self.via: dict[tuple[str, int], set[str]] = {}  # (file, line) -> "# via" parents

    @property
    def env(self) -> dict[str, str]:
        """The marker environment, built on the first marker to evaluate."""
        if self._env is None:
            self._env = marker_environment(*self._target)
        return self._env

    def collect(self) -> Inventory:
        skipped: list[Skipped] = []
        groups: dict[str, _Group] = {}
        for entry in self._read(self.path, (), constraint=False, skipped=skipped):
            if entry.name is None:
                continue
            group = groups.setdefault(entry.name, _Group(entry.name))
            (group.constraints if entry.constraint else group.entries).append(entry)
        components: list[Component] = []
        for group in groups.values():
            if not group.entries:
                continue  # constraints pin but do not add
            component, skip = self._component(group)
            components.append(component)
            if skip is not None:
                skipped.append(skip)
        return Inventory(tuple(self._compiled_graph(components, groups)), (), tuple(skipped))

    def _compiled_graph(
        self, components: list[Component], groups: dict[str, _Group]
    ) -> list[Component]:
        """Scopes and paths from pip-compile / uv ``# via`` annotations, when present.

        A compiled file lists every package pinned at the top level; its ``# via``
        comments say who pulls each one in. Packages wanted by an input file
        (``-r requirements.in``, ``project (pyproject.toml)``) are direct.
        """
        parents: dict[str, set[str]] = {}
        for name, group in groups.items():
            first = group.entries[0] if group.entries else None
            if first is not None and (first.file, first.line) in self.via:
                parents[name] = self.via[(first.file, first.line)]
        if not parents:
            return components
        names = {c.name for c in components}
        edges: dict[str, list[str]] = {name: [] for name in names}
        roots: list[Root[str]] = []
        for name in names:
            found = {canonical_name(p) for p in parents.get(name, ()) if _is_package(p)}
            found &= names
            for parent in sorted(found):
                edges[parent].append(name)
            if not found or name not in parents or len(found) < len(parents[name]):
                roots.append(Root(name, Scope.DIRECT))
        placement = place(edges, roots)
        out = []
        for comp in components:
            spot = placement.get(comp.name)
            requires = tuple(sorted(edges.get(comp.name, ())))
            if spot is None:
                out.append(replace(comp, requires=requires))
                continue
            scope = comp.scope
            if scope is Scope.DIRECT and spot.scope is Scope.TRANSITIVE:
                scope = Scope.TRANSITIVE
            out.append(replace(comp, scope=scope, path=spot.path, requires=requires))
        return out

    # reading -----------------------------------------------------------------------------

    def _read(
        self, path: Path, stack: tuple[str, ...], *, constraint: bool, skipped: list[Skipped]
    ) -> Iterator[_Entry]:
        key = os.path.normcase(os.path.abspath(path))
        shown = display(path)
        if key in stack:
            raise InventoryError(
                "requirements include cycle: "
                + " -> ".join([*(os.path.basename(s) for s in stack), path.name]),
                path=shown,
            )
        if len(stack) >= _MAX_INCLUDE_DEPTH:
            raise InventoryError("requirements includes nested too deeply", path=shown)
        data = read_bytes(path)  # existence, type and size checks with a clean error
        if b"# via" in data:
            for line, names in via_annotations(data.decode("utf-8", "replace")).items():
                self.via[(shown, line)] = names
        self.files.append(shown)
        self.read.add(key)
        if constraint:
            self.as_constraints.add(key)
        pins = plain_requirements(data) if FAST_PATH else None
        if pins is not None:
            for pin in pins:
                entry = self._entry(_Req.from_pin(pin), shown, pin.line_number, constraint, skipped)
                if entry is not None:
                    yield entry
            return
        yield from self._read_with_library(path, shown, (*stack, key), constraint, skipped)

    def _read_with_library(
        self,
        path: Path,
        shown: str,
        stack: tuple[str, ...],
        constraint: bool,
        skipped: list[Skipped],
    ) -> Iterator[_Entry]:
        import pip_requirements_parser as rp

        from chainward.inventory._pipreq import parse_file

        try:
            parsed = parse_file(str(path))
        except (rp.PipError, rp.InstallationError, UnicodeDecodeError, ValueError) as exc:
            raise InventoryError(f"cannot parse requirements: {exc}", path=shown) from None
        if parsed.invalid_lines:
            bad = parsed.invalid_lines[0]
            message = str(bad.error_message).splitlines()[0] if bad.error_message else ""
            raise InventoryError(
                f"invalid requirement line {bad.line.strip()!r}: {message}".rstrip(": "),
                path=shown,
                line=bad.line_number,
            )
        items: list[tuple[int, object]] = [
            (o.requirement_line.line_number, o) for o in parsed.options
        ]
        items += [(r.requirement_line.line_number, r) for r in parsed.requirements]
        items.sort(key=lambda item: item[0])
        for line, item in items:
            if isinstance(item, rp.OptionLine):
                yield from self._follow(path, line, item, stack, constraint, skipped)
            elif isinstance(item, rp.InstallRequirement):
                entry = self._entry(_Req.from_library(item), shown, line, constraint, skipped)
                if entry is not None:
                    yield entry

    def _follow(
        self,
        path: Path,
        line: int,
        option: rp.OptionLine,
        stack: tuple[str, ...],
        constraint: bool,
        skipped: list[Skipped],
    ) -> Iterator[_Entry]:
        for dest, nested_constraint in (("requirements", constraint), ("constraints", True)):
            for target in option.options.get(dest, ()) or ():
                where = Provenance(display(path), line)
                if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.IGNORECASE):
                    skipped.append(
                        Skipped(f"-r {target}", "remote requirements file not fetched", where)
                    )
                    continue
                included = Path(os.path.normpath(path.parent / os.path.expanduser(target)))
                if not included.exists():
                    raise InventoryError(
                        f"included file {target!r} not found", path=display(path), line=line
                    )
                yield from self._read(
                    included, stack, constraint=nested_constraint, skipped=skipped
                )

    def _entry(
        self,
        req: _Req,
        shown: str,
        line: int,
        constraint: bool,
        skipped: list[Skipped],
    ) -> _Entry | None:
        try:
            if req.marker is not None and not evaluate(req.marker, self.env):
                return None
        except ValueError as exc:  # e.g. packaging's UndefinedComparison
            first = str(exc).splitlines()[0]
            raise InventoryError(
                f"cannot evaluate marker: {first}", path=shown, line=line
            ) from None
        name = canonical_name(req.name) if req.name else None
        if name is None or req.direct_url is not None:
            if not constraint:
                text = req.line.strip()
                skipped.append(Skipped(text, DIRECT_REFERENCE, Provenance(shown, line)))
            if name is None:
                return None
        return _Entry(name, req, shown, line, constraint)

    # combining ---------------------------------------------------------------------------

    def _component(self, group: _Group) -> tuple[Component, Skipped | None]:
        first = group.entries[0]
        where = Provenance(first.file, first.line)
        extras: set[str] = set()
        hashes: set[tuple[str, str]] = set()
        markers: list[str] = []
        url: str | None = None
        everything = (*group.entries, *group.constraints)
        for entry in everything:
            if entry.req.direct_url is not None:
                url = url or entry.req.direct_url
            if not entry.constraint:
                extras.update(entry.req.extras)
                if entry.req.marker is not None:
                    markers.append(str(entry.req.marker))
            for text in entry.req.hashes:
                pair = split_hash(text)
                if pair is None:
                    raise InventoryError(
                        f"malformed --hash {text!r} (expected algorithm:digest)",
                        path=entry.file,
                        line=entry.line,
                    )
                hashes.add(pair)
        single = first.req.specifier
        if len(everything) == 1 and _PLAIN_PIN.fullmatch(single):
            # "==V" alone: what SpecifierSet would say, without building one
            specifier, version = single, None if url else single[2:]
        else:
            spec = _combined(everything)
            specifier, version = str(spec), None if url else exact_version(spec)
            if version is not None and not _allowed(version, spec):
                raise InventoryError(
                    f"conflicting requirements for {group.name}: {spec} cannot all hold",
                    path=first.file,
                    line=first.line,
                )
        component = make_component(
            group.name,
            version,
            scope=self.scope,
            source=where,
            groups=self.groups,
            extras=extras,
            hashes=hashes,
            specifier=specifier,
            marker=" or ".join(f"({m})" for m in markers) if len(markers) > 1 else "".join(markers),
            url=url,
        )
        if version is not None:
            return component, None
        if url is not None:
            return component, None  # already reported as a direct reference
        text = first.req.line.strip().split(" --hash")[0]
        return component, Skipped(text or group.name, UNPINNED, where)


# "==" and a canonical public version (never a wildcard): pins exactly that version
_PLAIN_PIN = re.compile(
    r"==[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
)


def _combined(entries: tuple[_Entry, ...]) -> SpecifierSet:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    spec = SpecifierSet()
    for entry in entries:
        try:
            spec &= SpecifierSet(entry.req.specifier)
        except InvalidSpecifier:
            raise InventoryError(
                f"invalid version specifier {entry.req.specifier!s}",
                path=entry.file,
                line=entry.line,
            ) from None
    return spec


_PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _is_package(text: str) -> bool:
    return bool(_PACKAGE.match(text))


def via_annotations(text: str) -> dict[int, set[str]]:
    """``# via`` comments of pip-compile / ``uv pip compile`` output, by requirement line.

    Both layouts: ``    # via requests`` and a ``    # via`` line followed by
    ``    #   -r requirements.in`` / ``    #   requests`` lines.
    """
    result: dict[int, set[str]] = {}
    current: int | None = None
    continued = False
    in_via = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if continued:
            continued = line.endswith("\\")
            continue
        if not line:
            in_via = False
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            if current is None:
                continue
            if body.startswith("via"):
                rest = body[3:].strip()
                in_via = True
                if rest:
                    result.setdefault(current, set()).add(rest.split(" (")[0])
                    in_via = False
            elif in_via and raw.lstrip().startswith("#   ") and body:
                result.setdefault(current, set()).add(body.split(" (")[0])
            else:
                in_via = False
            continue
        in_via = False
        current = None if line.startswith("-") else number
        continued = line.endswith("\\")
    return result


def _allowed(version: str, spec: SpecifierSet) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return spec.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True  # arbitrary equality (===) on a non-PEP 440 version


def read_requirements(
    path: Path, *, python_version: str | None = None, platform: str | None = None
) -> Inventory:
    """Read a requirements file (and its includes) into an inventory."""
    return RequirementsFileSource(path, python_version=python_version, platform=platform).collect()


__all__ = [
    "DIRECT_REFERENCE",
    "UNPINNED",
    "RequirementsFileSource",
    "exact_version",
    "file_scope",
    "read_requirements",
]
