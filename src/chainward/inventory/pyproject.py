"""pyproject.toml: PEP 621 dependencies and extras, PEP 735 dependency groups, Poetry sections.

The declarations serve twice: on their own they become components (pinned ones audited,
ranges reported as ``Skipped``), and beside a lock file they say which locked packages
are direct, optional or dev.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from chainward.inventory._build import make_component, parse_requirement
from chainward.inventory._io import display, expect, read_toml
from chainward.inventory.interface import InventoryError, Source
from chainward.inventory.markers import evaluate, marker_environment
from chainward.inventory.requirements import DIRECT_REFERENCE, UNPINNED, exact_version
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name


@dataclass(frozen=True)
class Declared:
    """One dependency a manifest declares."""

    name: str
    specifier: str
    scope: Scope
    group: str | None
    source: Provenance
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str | None = None
    text: str = ""


def _line_of(text: str, needle: str, start: int = 0) -> int | None:
    index = text.find(needle, start)
    return None if index < 0 else text.count("\n", 0, index) + 1


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = display(path)
        self.data = read_toml(path)
        self.text = path.read_text(encoding="utf-8-sig")

    def where(self, needle: str) -> Provenance:
        return Provenance(self.shown, _line_of(self.text, needle))

    def pep508(self, item: object, scope: Scope, group: str | None, field: str) -> Declared:
        expect(isinstance(item, str), f"{field}: expected a requirement string", self.path)
        assert isinstance(item, str)
        where = self.where(item)
        try:
            req = parse_requirement(item)
        except InvalidRequirement as exc:
            raise InventoryError(
                f"{field}: invalid requirement {item!r}: {str(exc).splitlines()[0]}",
                path=self.shown,
                line=where.line,
            ) from None
        return Declared(
            canonical_name(req.name),
            str(req.specifier),
            scope,
            group,
            where,
            tuple(sorted(req.extras)),
            str(req.marker) if req.marker else "",
            req.url,
            item,
        )


def declared(path: Path) -> list[Declared]:
    """Every dependency pyproject.toml declares (PEP 621, PEP 735 and Poetry)."""
    reader = _Reader(path)
    out: list[Declared] = []
    out.extend(_pep621(reader))
    out.extend(_pep735(reader))
    out.extend(_poetry(reader))
    out.extend(_pdm(reader))
    out.extend(_hatch(reader))
    return out


def _hatch(reader: _Reader) -> Iterator[Declared]:
    """Hatch environments' ``dependencies`` and ``extra-dependencies`` (dev tooling)."""
    tool = reader.data.get("tool", {})
    hatch = tool.get("hatch") if isinstance(tool, dict) else None
    envs = hatch.get("envs") if isinstance(hatch, dict) else None
    if not isinstance(envs, dict):
        return
    for env, body in envs.items():
        if not isinstance(body, dict):
            continue
        for key in ("dependencies", "extra-dependencies"):
            items = body.get(key)
            if not isinstance(items, list):
                continue
            for item in items:
                if not isinstance(item, str) or "{" in item:
                    continue  # hatch context formatting ("{root:uri}/..."): not a requirement
                yield reader.pep508(
                    item, Scope.DEV, canonical_name(env), f"tool.hatch.envs.{env}.{key}"
                )


def dynamic_dependencies(path: Path) -> bool:
    """True when the build backend computes the dependencies (PEP 621 ``dynamic``)."""
    project = read_toml(path).get("project")
    dynamic = project.get("dynamic", []) if isinstance(project, dict) else []
    return isinstance(dynamic, list) and "dependencies" in dynamic


def _pdm(reader: _Reader) -> Iterator[Declared]:
    """PDM's own dev groups, ``[tool.pdm.dev-dependencies]`` (before PEP 735)."""
    tool = reader.data.get("tool", {})
    pdm = tool.get("pdm") if isinstance(tool, dict) else None
    if not isinstance(pdm, dict) or "dev-dependencies" not in pdm:
        return
    groups = _table(pdm["dev-dependencies"], "tool.pdm.dev-dependencies", reader)
    for group, items in groups.items():
        field = f"tool.pdm.dev-dependencies.{group}"
        for item in _list(items, field, reader):
            if isinstance(item, str) and item.lstrip().startswith("-e"):
                continue  # an editable local project, not a package to audit
            yield reader.pep508(item, Scope.DEV, canonical_name(group), field)


def _table(value: object, field: str, reader: _Reader) -> dict[str, Any]:
    expect(isinstance(value, dict), f"{field}: expected a table", reader.path)
    assert isinstance(value, dict)
    return value


def _list(value: object, field: str, reader: _Reader) -> list[Any]:
    expect(isinstance(value, list), f"{field}: expected an array", reader.path)
    assert isinstance(value, list)
    return value


def _pep621(reader: _Reader) -> Iterator[Declared]:
    project = reader.data.get("project")
    if project is None:
        return
    project = _table(project, "project", reader)
    for item in _list(project.get("dependencies", []), "project.dependencies", reader):
        yield reader.pep508(item, Scope.DIRECT, None, "project.dependencies")
    optional = _table(
        project.get("optional-dependencies", {}), "project.optional-dependencies", reader
    )
    for extra, items in optional.items():
        field = f"project.optional-dependencies.{extra}"
        for item in _list(items, field, reader):
            yield reader.pep508(item, Scope.OPTIONAL, canonical_name(extra), field)


def _pep735(reader: _Reader) -> Iterator[Declared]:
    raw = reader.data.get("dependency-groups")
    if raw is None:
        return
    groups = {canonical_name(k): v for k, v in _table(raw, "dependency-groups", reader).items()}

    def expand(name: str, stack: tuple[str, ...]) -> Iterator[object]:
        if name in stack:
            raise InventoryError(
                "dependency-groups include cycle: " + " -> ".join((*stack, name)),
                path=reader.shown,
                line=_line_of(reader.text, "include-group"),
            )
        if name not in groups:
            raise InventoryError(
                f"dependency-groups: included group {name!r} does not exist", path=reader.shown
            )
        for item in _list(groups[name], f"dependency-groups.{name}", reader):
            if isinstance(item, dict):
                target = item.get("include-group")
                expect(
                    isinstance(target, str) and len(item) == 1,
                    f'dependency-groups.{name}: tables must be {{include-group = "NAME"}}',
                    reader.path,
                )
                yield from expand(canonical_name(str(target)), (*stack, name))
            else:
                yield item

    for group in groups:
        for item in expand(group, ()):
            yield reader.pep508(item, Scope.DEV, group, f"dependency-groups.{group}")


def _poetry(reader: _Reader) -> Iterator[Declared]:
    tool = reader.data.get("tool", {})
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if poetry is None:
        return
    poetry = _table(poetry, "tool.poetry", reader)
    extras_of: dict[str, list[str]] = {}
    for extra, names in _table(poetry.get("extras", {}), "tool.poetry.extras", reader).items():
        for name in _list(names, f"tool.poetry.extras.{extra}", reader):
            extras_of.setdefault(canonical_name(str(name)), []).append(canonical_name(extra))
    sections: list[tuple[str, object, Scope, str | None]] = [
        ("tool.poetry.dependencies", poetry.get("dependencies", {}), Scope.DIRECT, None),
        ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies", {}), Scope.DEV, "dev"),
    ]
    for group, body in _table(poetry.get("group", {}), "tool.poetry.group", reader).items():
        body = _table(body, f"tool.poetry.group.{group}", reader)
        scope = Scope.DIRECT if group == "main" else Scope.DEV
        sections.append(
            (
                f"tool.poetry.group.{group}.dependencies",
                body.get("dependencies", {}),
                scope,
                None if group == "main" else canonical_name(group),
            )
        )
    for field, deps, section_scope, section_group in sections:
        for name, spec in _table(deps, field, reader).items():
            if name.lower() == "python":
                continue
            yield from _poetry_dep(
                reader, field, name, spec, section_scope, section_group, extras_of
            )


def _poetry_dep(
    reader: _Reader,
    field: str,
    name: str,
    spec: object,
    scope: Scope,
    group: str | None,
    extras_of: dict[str, list[str]],
) -> Iterator[Declared]:
    where = Provenance(reader.shown, _poetry_line(reader.text, name))
    norm = canonical_name(name)
    # a list means several constraints with markers; each is one declaration
    specs = spec if isinstance(spec, list) else [spec]
    for one in specs:
        marker = ""
        url: str | None = None
        extras: tuple[str, ...] = ()
        this_scope: Scope = scope
        this_group: str | None = group
        if isinstance(one, str):
            constraint = one
        elif isinstance(one, dict):
            constraint = str(one.get("version", "*"))
            marker = _poetry_marker(one, reader, where)
            extras = tuple(str(e) for e in one.get("extras", []))
            for key in ("git", "url", "path", "file"):
                if key in one:
                    url = str(one[key])
            if one.get("optional") and scope is Scope.DIRECT:
                this_scope = Scope.OPTIONAL
                names = extras_of.get(norm, [])
                this_group = names[0] if names else None
        else:
            raise InventoryError(
                f"{field}.{name}: expected a version string or a table",
                path=reader.shown,
                line=where.line,
            )
        yield Declared(
            norm,
            poetry_specifier(constraint, reader, where),
            this_scope,
            this_group,
            where,
            extras,
            marker,
            url,
            spec_text(name, one),
        )


def _poetry_marker(spec: dict[str, Any], reader: _Reader, where: Provenance) -> str:
    """A dependency table's ``markers`` together with Poetry's ``python`` and ``platform``
    keys (``{version = "2.3.5", python = "<3.7", platform = "linux"}``), as one marker."""
    parts = []
    if spec.get("markers"):
        parts.append(str(spec["markers"]))
    python = spec.get("python")
    if isinstance(python, str) and python.strip() not in ("", "*"):
        alternatives = []
        for alternative in python.split("||"):
            specifier = poetry_specifier(alternative.strip(), reader, where)
            clauses = [
                f'python_full_version {item.operator} "{item.version}"'
                for item in SpecifierSet(specifier)
            ]
            alternatives.append(" and ".join(clauses) or 'python_full_version >= "0"')
        parts.append(
            " or ".join(f"({a})" for a in alternatives)
            if len(alternatives) > 1
            else alternatives[0]
        )
    platform = spec.get("platform")
    if isinstance(platform, str) and platform.strip():
        parts.append(f'sys_platform == "{platform.strip()}"')
    if len(parts) > 1:
        parts = [f"({p})" if " or " in p else p for p in parts]
    return " and ".join(parts)


def _poetry_line(text: str, name: str, start: int = 0) -> int | None:
    """Line of the TOML key ``name = ...`` (bare or quoted), not of a longer key ending in it."""
    pattern = re.compile(rf"^[ \t]*([\"']?){re.escape(name)}\1[ \t]*=", re.MULTILINE)
    match = pattern.search(text, start)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def spec_text(name: str, spec: object) -> str:
    """How a TOML dependency entry is named in warnings.

    A version constraint as ``name = '>=1.2'`` (a table's ``version``); a table naming a
    path, URL or repository as written (``name = {path = "./x", develop = true}``).
    """
    if isinstance(spec, dict):
        if any(key in spec for key in ("git", "path", "url", "file")):
            body = ", ".join(f"{key} = {json.dumps(value)}" for key, value in spec.items())
            return f"{name} = {{{body}}}"
        spec = str(spec.get("version", "*"))
    return f"{name} = {spec!r}"


_CARET = re.compile(r"^\^\s*(\d+(?:\.\d+)*)(.*)$")
_TILDE = re.compile(r"^~(?!=)\s*(\d+(?:\.\d+)*)(.*)$")


def poetry_specifier(
    constraint: str, reader: _Reader | None = None, where: Provenance | None = None
) -> str:
    """A Poetry version constraint as a PEP 440 specifier ("1.2.3" means exactly 1.2.3)."""
    parts = []
    for piece in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", constraint.strip()):
        if not piece or piece == "*":
            continue
        if "||" in piece:
            return constraint  # alternatives have no PEP 440 form; never exact
        caret, tilde = _CARET.match(piece), _TILDE.match(piece)
        if caret or tilde:
            match = caret or tilde
            assert match is not None
            numbers = [int(n) for n in match.group(1).split(".")]
            upper = _bump(numbers, caret=caret is not None)
            parts += [f">={match.group(1)}{match.group(2)}", f"<{upper}"]
        elif re.match(r"^\d", piece):
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    text = ",".join(parts)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        if reader is not None and where is not None:
            raise InventoryError(
                f"invalid Poetry version constraint {constraint!r}",
                path=reader.shown,
                line=where.line,
            ) from None
        raise
    return text


def _bump(numbers: list[int], *, caret: bool) -> str:
    if caret:
        for i, n in enumerate(numbers):
            if n != 0 or i == len(numbers) - 1:
                return ".".join(str(x) for x in [*numbers[:i], n + 1])
    if len(numbers) == 1:
        return str(numbers[0] + 1)
    return ".".join(str(x) for x in [*numbers[:1], numbers[1] + 1])


def _applies(item: Declared, env: dict[str, str]) -> bool:
    try:
        return evaluate(item.marker, env, (item.group,) if item.group else ())
    except ValueError as exc:  # packaging's InvalidMarker and UndefinedComparison
        first = str(exc).splitlines()[0]
        raise InventoryError(
            f"invalid environment marker for {item.name}: {first}",
            path=item.source.file,
            line=item.source.line,
        ) from None


def _exact(item: Declared) -> str | None:
    """The one version ``item`` pins, if any. Poetry's ``A || B`` pins one only when every
    alternative pins that same version; otherwise it is a range like any other."""
    alternatives = item.specifier.split("||") if "||" in item.specifier else [item.specifier]
    versions = set()
    for text in alternatives:
        text = text.strip()
        try:
            spec = SpecifierSet(poetry_specifier(text) if "||" in item.specifier else text)
        except InvalidSpecifier:
            raise InventoryError(
                f"invalid version specifier {item.specifier!r} for {item.name}",
                path=item.source.file,
                line=item.source.line,
            ) from None
        versions.add(exact_version(spec))
    return versions.pop() if len(versions) == 1 else None


def components_from(
    items: list[Declared], env: dict[str, str]
) -> tuple[list[Component], list[Skipped]]:
    """Declarations as components: pinned ones audited, the rest reported as skipped."""
    components: list[Component] = []
    skipped: list[Skipped] = []
    for item in items:
        if item.marker and not _applies(item, env):
            continue
        version = None if item.url else _exact(item)
        components.append(
            make_component(
                item.name,
                version,
                scope=item.scope,
                source=item.source,
                groups=(item.group,) if item.group else (),
                extras=item.extras,
                specifier=item.specifier,
                marker=item.marker,
                url=item.url,
            )
        )
        if item.url:
            skipped.append(Skipped(item.text or item.name, DIRECT_REFERENCE, item.source))
        elif version is None:
            skipped.append(Skipped(item.text or item.name, UNPINNED, item.source))
    return components, skipped


class PyprojectSource(Source):
    """A pyproject.toml read on its own (no lock file beside it)."""

    def __init__(
        self, path: Path, *, python_version: str | None = None, platform: str | None = None
    ) -> None:
        self.path = path
        self.python_version = python_version
        self.platform = platform
        self.env = marker_environment(python_version, platform)

    def collect(self) -> Inventory:
        components, skipped = components_from(declared(self.path), self.env)
        files = dynamic_files(self.path)
        if dynamic_dependencies(self.path) and not any(f[0] == "dependencies" for f in files):
            skipped.append(
                Skipped(
                    "project.dependencies",
                    "dynamic: the build backend computes them (use --resolve or a lock file)",
                    Provenance(display(self.path)),
                )
            )
        for _field, scope, group, names in files:
            part = self._requirements(names, scope, group)
            components += part.components
            skipped += part.skipped
        return Inventory(tuple(components), (), tuple(skipped))

    def _requirements(self, names: list[str], scope: Scope, group: str | None) -> Inventory:
        return named_requirements(
            self.path, names, scope, group, self.python_version, self.platform
        )


def named_requirements(
    manifest: Path,
    names: list[str],
    scope: Scope,
    group: str | None,
    python_version: str | None,
    platform: str | None,
) -> Inventory:
    """Requirements files a manifest names (setuptools' ``file:``), read beside it."""
    from dataclasses import replace

    from chainward.inventory.requirements import RequirementsFileSource

    components: list[Component] = []
    skipped: list[Skipped] = []
    for name in names:
        target = manifest.parent / name
        if not target.is_file():
            where = Provenance(display(manifest), _line_of(manifest.read_text(), name))
            skipped.append(Skipped(name, "requirements file named here: not found", where))
            continue
        part = RequirementsFileSource(
            target, python_version=python_version, platform=platform, scope=scope
        ).collect()
        components += [replace(c, groups=(group,)) if group else c for c in part.components]
        skipped += part.skipped
    return Inventory(tuple(components), (), tuple(skipped))


def dynamic_files(path: Path) -> list[tuple[str, Scope, str | None, list[str]]]:
    """(field, scope, extra, files) for each dynamic field setuptools reads from files:
    ``dependencies = {file = ["requirements.txt"]}`` in ``[tool.setuptools.dynamic]``."""
    data = read_toml(path)
    project = data.get("project")
    dynamic = project.get("dynamic", []) if isinstance(project, dict) else []
    tool = data.get("tool")
    setuptools = tool.get("setuptools") if isinstance(tool, dict) else None
    table = setuptools.get("dynamic") if isinstance(setuptools, dict) else None
    if not isinstance(dynamic, list) or not isinstance(table, dict):
        return []
    out: list[tuple[str, Scope, str | None, list[str]]] = []
    if "dependencies" in dynamic and _file_list(table.get("dependencies")):
        out.append(("dependencies", Scope.DIRECT, None, _file_list(table["dependencies"])))
    extras = table.get("optional-dependencies")
    if "optional-dependencies" in dynamic and isinstance(extras, dict):
        for extra, spec in extras.items():
            if _file_list(spec):
                field = f"optional-dependencies.{extra}"
                out.append((field, Scope.OPTIONAL, canonical_name(extra), _file_list(spec)))
    return out


def _file_list(spec: object) -> list[str]:
    files = spec.get("file") if isinstance(spec, dict) else None
    if isinstance(files, str):
        return [files]
    return [str(f) for f in files] if isinstance(files, list) else []


__all__ = [
    "Declared",
    "PyprojectSource",
    "components_from",
    "declared",
    "dynamic_files",
    "named_requirements",
    "poetry_specifier",
    "spec_text",
]
