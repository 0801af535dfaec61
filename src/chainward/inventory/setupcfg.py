"""setup.cfg (setuptools' declarative configuration): ``[options] install_requires``,
``[options.extras_require]`` and ``tests_require``. Read as text, never executed.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from chainward.inventory._build import parse_requirement
from chainward.inventory._io import display, read_text
from chainward.inventory.interface import InventoryError, Source
from chainward.inventory.markers import marker_environment
from chainward.inventory.pyproject import Declared, _line_of, components_from, named_requirements
from chainward.records import Inventory, Provenance, Scope, canonical_name


def _lines(value: str) -> list[str]:
    out = []
    for raw in value.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _error_line(exc: configparser.Error) -> int | None:
    errors = getattr(exc, "errors", None)
    if errors:
        return int(errors[0][0])
    line = getattr(exc, "lineno", None)
    return line if isinstance(line, int) else None


def _parse_error(exc: configparser.Error) -> tuple[str]:
    """What is wrong, without configparser's "Source contains parsing errors: <path>"."""
    errors = getattr(exc, "errors", None)
    if errors and not isinstance(exc, configparser.MissingSectionHeaderError):
        return (f"malformed setup.cfg: cannot parse line {errors[0][1]}",)
    return (f"malformed setup.cfg: {str(exc).splitlines()[0]}",)


def _sections(parser: configparser.ConfigParser) -> list[tuple[str, str, Scope, str | None]]:
    """(value, key, scope, group) of every requirement list in setup.cfg."""
    sections: list[tuple[str, str, Scope, str | None]] = []
    if parser.has_section("options"):
        for key, scope, group in (
            ("install_requires", Scope.DIRECT, None),
            ("tests_require", Scope.DEV, "tests"),
        ):
            if parser.has_option("options", key):
                sections.append((parser.get("options", key), key, scope, group))
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            sections.append((value, extra, Scope.OPTIONAL, canonical_name(extra)))
    return sections


def _parser(path: Path) -> tuple[str, configparser.ConfigParser]:
    text = read_text(path)
    shown = display(path)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=shown)
    except configparser.Error as exc:
        raise InventoryError(*_parse_error(exc), path=shown, line=_error_line(exc)) from None
    return text, parser


def setupcfg_files(path: Path) -> list[tuple[Scope, str | None, list[str]]]:
    """Lists given as ``file: a.txt, b.txt`` (setuptools reads those files)."""
    _, parser = _parser(path)
    out = []
    for value, _key, scope, group in _sections(parser):
        if value.strip().startswith("file:"):
            names = [n.strip() for n in value.strip()[5:].split(",") if n.strip()]
            out.append((scope, group, names))
    return out


def setupcfg_declared(path: Path) -> list[Declared]:
    text, parser = _parser(path)
    shown = display(path)
    from packaging.requirements import InvalidRequirement

    sections = _sections(parser)
    out: list[Declared] = []
    for value, key, scope, group in sections:
        if value.strip().startswith("file:"):
            continue  # read by setupcfg_files
        for line in _lines(value):
            where = Provenance(shown, _line_of(text, line))
            try:
                req = parse_requirement(line)
            except InvalidRequirement as exc:
                raise InventoryError(
                    f"{key}: invalid requirement {line!r}: {str(exc).splitlines()[0]}",
                    path=shown,
                    line=where.line,
                ) from None
            out.append(
                Declared(
                    canonical_name(req.name),
                    str(req.specifier),
                    scope,
                    group,
                    where,
                    tuple(sorted(req.extras)),
                    str(req.marker) if req.marker else "",
                    req.url,
                    line,
                )
            )
    return out


class SetupCfgSource(Source):
    def __init__(
        self, path: Path, *, python_version: str | None = None, platform: str | None = None
    ) -> None:
        self.path = path
        self.python_version = python_version
        self.platform = platform
        self.env = marker_environment(python_version, platform)

    def collect(self) -> Inventory:
        components, skipped = components_from(setupcfg_declared(self.path), self.env)
        for scope, group, names in setupcfg_files(self.path):
            part = named_requirements(
                self.path, names, scope, group, self.python_version, self.platform
            )
            components += part.components
            skipped += part.skipped
        return Inventory(tuple(components), (), tuple(skipped))


__all__ = ["SetupCfgSource", "setupcfg_declared", "setupcfg_files"]
