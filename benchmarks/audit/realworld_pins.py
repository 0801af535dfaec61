"""What pip-audit can be given for a manifest: its exact registry pins, read independently.

pip-audit reads only requirements files (and, with pip, environments). To compare it with
chainward on lock files, manifests and SBOMs, each file is turned into ``name==version``
lines here with tomllib/json and ``packaging`` only -- never with chainward's own readers,
so a chainward parsing bug shows up as a pin-set difference instead of being copied.

``pins(path)`` returns (pins, invisible): the registry pins pip-audit can audit, and the
entries it cannot see at all (VCS, URL, local path, editable, unpinned), with why.
Requirements files are given to pip-audit as they are; ``requirements_pins`` reads their
exact pins with pip-requirements-parser (pip-audit's own parser) for the pin comparison.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import tomllib
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

Pin = tuple[str, str]  # (canonical name, version as written)

NON_REGISTRY = "not a registry pin (VCS, URL, path, editable or unpinned)"


def kind(path: Path) -> str:
    name = path.name
    if name == "poetry.lock":
        return "poetry.lock"
    if name == "uv.lock":
        return "uv.lock"
    if name == "pdm.lock":
        return "pdm.lock"
    if name == "Pipfile.lock":
        return "Pipfile.lock"
    if name == "Pipfile":
        return "Pipfile"
    if re.match(r"^pylock\.([^.]+\.)?toml$", name):
        return "pylock.toml"
    if name == "pyproject.toml":
        return "pyproject.toml"
    if name == "setup.cfg":
        return "setup.cfg"
    if name.endswith((".cdx.json", ".spdx.json")) or "sbom" in name or "bom" in name:
        return "sbom"
    return "requirements"


def _exact(spec: str) -> str | None:
    """The version of an ``==X`` / ``===X`` specifier set (no wildcard), else None."""
    try:
        req = Requirement("x" + spec) if spec[:1] in "=<>!~" else Requirement("x==" + spec)
    except InvalidRequirement:
        return None
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _pep508_pin(text: str) -> Pin | None:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.url:
        return None
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return canonicalize_name(req.name), specs[0].version
    return None


def _split(items: list[tuple[str, str | None]]) -> tuple[list[Pin], list[str]]:
    pins: list[Pin] = []
    invisible: list[str] = []
    for name, version in items:
        if version is None:
            invisible.append(canonicalize_name(name))
        else:
            pins.append((canonicalize_name(name), version))
    return sorted(set(pins)), sorted(set(invisible))


def _poetry(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for pkg in doc.get("package", []):
        source = pkg.get("source", {})
        registry = source.get("type") in (None, "legacy")
        out.append((pkg["name"], pkg.get("version") if registry else None))
    return out


def _uv(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for pkg in doc.get("package", []):
        source = pkg.get("source", {})
        registry = "registry" in source
        out.append((pkg["name"], pkg.get("version") if registry else None))
    return out


def _pdm(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for pkg in doc.get("package", []):
        direct = any(key in pkg for key in ("git", "path", "url", "editable"))
        out.append((pkg["name"], None if direct else pkg.get("version")))
    return out


def _pylock(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for pkg in doc.get("packages", []):
        direct = any(key in pkg for key in ("vcs", "directory", "archive"))
        out.append((pkg["name"], None if direct else pkg.get("version")))
    return out


def _pipfile_lock(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for section in ("default", "develop"):
        for name, entry in doc.get(section, {}).items():
            version = entry.get("version", "")
            direct = any(key in entry for key in ("git", "path", "file", "editable"))
            out.append((name, None if direct else _exact(version) if version else None))
    return out


# Pipfile tables may name a marker variable as a key: waitress = {sys_platform = "== 'win32'"}
_PIPFILE_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
)


def _applies_here(marker: str) -> bool:
    """Whether a marker holds on this interpreter, as pip-audit decides for a requirements
    line: a manifest's marker-limited entry is left out of its requirements export here."""
    from packaging.markers import InvalidMarker, Marker

    try:
        return not marker or Marker(marker).evaluate()
    except InvalidMarker:
        return True


def _pipfile(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    out = []
    for section in ("packages", "dev-packages"):
        for name, entry in doc.get(section, {}).items():
            if isinstance(entry, dict):
                parts = [str(entry["markers"])] if entry.get("markers") else []
                parts += [f"{k} {entry[k]}" for k in _PIPFILE_MARKER_KEYS if k in entry]
                if not _applies_here(" and ".join(f"({p})" for p in parts)):
                    continue
                direct = any(key in entry for key in ("git", "path", "file", "editable"))
                version = None if direct else _exact(entry.get("version", "*"))
            else:
                version = _exact(entry)
            out.append((name, version))
    return out


def _strings_to_items(strings: list[str]) -> list[tuple[str, str | None]]:
    out = []
    for text in strings:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        name = req.name
        if req.marker is not None and not _applies_here(str(req.marker)):
            continue
        pin = _pep508_pin(text)
        out.append((name, pin[1] if pin else None))
    return out


def _poetry_constraint(value: Any) -> str | None:
    if isinstance(value, list):
        return None  # multiple constraints (per marker): never one exact pin
    if isinstance(value, dict):
        if any(key in value for key in ("git", "path", "url", "file")):
            return None
        value = value.get("version", "*")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9][0-9A-Za-z.!+\-]*", value):
        return value  # a bare version is an exact pin in Poetry
    return _exact(value) if value.startswith("==") else None


def _pyproject(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    strings: list[str] = []
    project = doc.get("project", {})
    strings += project.get("dependencies", [])
    for reqs in project.get("optional-dependencies", {}).values():
        strings += reqs
    for reqs in doc.get("dependency-groups", {}).values():
        strings += [r for r in reqs if isinstance(r, str)]
    tool = doc.get("tool", {})
    for reqs in tool.get("pdm", {}).get("dev-dependencies", {}).values():
        strings += [r for r in reqs if not r.startswith("-e")]
    out = _strings_to_items(strings)
    poetry = tool.get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, value in table.items():
            if name.lower() != "python":
                out.append((name, _poetry_constraint(value)))
    return out


def _setup_cfg(path: Path) -> list[tuple[str, str | None]]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    strings: list[str] = []
    if parser.has_option("options", "install_requires"):
        strings += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            strings += value.splitlines()
    return _strings_to_items([s.strip() for s in strings if s.strip()])


def _purl_pin(purl: str) -> Pin | None:
    match = re.match(r"pkg:pypi/([^@?#]+)@([^?#]+)", purl)
    if not match:
        return None
    from urllib.parse import unquote

    name = unquote(match.group(1))
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        return None  # not a PyPI project (sbom4python: "pkg:pypi/gcc runtime library@1.9.3")
    return canonicalize_name(name), unquote(match.group(2))


def _sbom(doc: dict[str, Any]) -> tuple[list[Pin], list[str]]:
    pins: list[Pin] = []
    purls: list[str] = []

    def walk(components: list[dict[str, Any]]) -> None:
        for comp in components:
            if comp.get("purl"):
                purls.append(comp["purl"])
            walk(comp.get("components", []))

    walk(doc.get("components", []))
    for package in doc.get("packages", []):  # SPDX 2.x JSON
        for ref in package.get("externalRefs", []):
            if ref.get("referenceType") == "purl":
                purls.append(ref["referenceLocator"])
    invisible = []
    for purl in purls:
        pin = _purl_pin(purl)
        if pin:
            pins.append(pin)
        elif purl.startswith("pkg:pypi/"):
            invisible.append(purl)
    return sorted(set(pins)), sorted(set(invisible))


def requirements_pins(path: Path) -> tuple[list[Pin], list[str]]:
    """Exact pins of a requirements file (with its -r/-c includes), per pip-requirements-parser."""
    from pip_requirements_parser import RequirementsFile

    parsed = RequirementsFile.from_file(str(path), include_nested=True)
    pins: list[Pin] = []
    invisible: list[str] = []
    for req in parsed.requirements:
        if req.is_constraint:
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue  # pip-audit, like pip, leaves out what does not apply here
        name = req.name
        spec = list(req.specifier or []) if req.req else []
        if (
            name
            and not req.link
            and not req.is_editable
            and len(spec) == 1
            and spec[0].operator in ("==", "===")
            and "*" not in spec[0].version
        ):
            pins.append((canonicalize_name(name), spec[0].version))
        else:
            invisible.append(canonicalize_name(name) if name else req.line)
    return sorted(set(pins)), sorted(set(invisible))


def pins(path: Path) -> tuple[list[Pin], list[str]]:
    what = kind(path)
    if what == "requirements":
        return requirements_pins(path)
    text = path.read_text(encoding="utf-8-sig")
    if what == "sbom":
        return _sbom(json.loads(text))
    if what == "Pipfile.lock":
        return _split(_pipfile_lock(json.loads(text)))
    if what == "setup.cfg":
        return _split(_setup_cfg(path))
    doc = tomllib.loads(text)
    reader = {
        "poetry.lock": _poetry,
        "uv.lock": _uv,
        "pdm.lock": _pdm,
        "pylock.toml": _pylock,
        "Pipfile": _pipfile,
        "pyproject.toml": _pyproject,
    }[what]
    return _split(reader(doc))


def write_requirements(pins_: list[Pin], out: Path) -> Path:
    out.write_text("".join(f"{name}=={version}\n" for name, version in pins_), encoding="utf-8")
    return out
