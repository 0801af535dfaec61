"""Metadata read from the archive itself: core metadata, entry points, pyproject, file name."""

from __future__ import annotations

import ast
import configparser
import email.parser
import email.policy
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from chainward.packages.archive.extract import Contents
from chainward.records import canonical_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_URL_DEP = re.compile(r"@\s*(https?|git\+|hg\+|svn\+|bzr\+|file):", re.IGNORECASE)


@dataclass
class Metadata:
    name: str | None = None
    version: str | None = None
    summary: str = ""
    description: str = ""
    urls: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    console_scripts: dict[str, str] = field(default_factory=dict)  # name -> where declared
    backend_path: list[str] = field(default_factory=list)
    build_backend: str | None = None
    dependency_links: list[str] = field(default_factory=list)
    source: str | None = None


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def read_metadata(contents: Contents) -> Metadata:
    meta = Metadata()
    core = None
    for member in contents.members:
        parts = member.path.split("/")
        if contents.kind == "wheel" and len(parts) == 2 and parts[0].endswith(".dist-info"):
            if parts[1] == "METADATA":
                core = member
            elif parts[1] == "entry_points.txt":
                _entry_points(_text(member.data), member.path, meta)
        elif contents.kind == "sdist" and member.path == "PKG-INFO":
            core = member
    if core is None and contents.kind == "sdist":
        core = next((m for m in contents.members if m.path.endswith(".egg-info/PKG-INFO")), None)
    if core is not None:
        message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
            core.data[:2_000_000]
        )
        meta.source = core.path
        meta.name = _header(message, "Name")
        meta.version = _header(message, "Version")
        meta.summary = _header(message, "Summary") or ""
        body = message.get_payload()
        meta.description = (_header(message, "Description") or "") + (
            body if isinstance(body, str) else ""
        )
        for key in ("Home-page", "Download-URL"):
            value = _header(message, key)
            if value:
                meta.urls.append(value)
        for value in message.get_all("Project-URL") or []:
            meta.urls.append(str(value).split(",", 1)[-1].strip())
        meta.requires = [str(v) for v in message.get_all("Requires-Dist") or []]
    if contents.kind == "sdist":
        _sdist_sources(contents, meta)
    return meta


def _header(message: Any, key: str) -> str | None:
    value = message.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "UNKNOWN") else text


def _entry_points(text: str, path: str, meta: Metadata) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    for section in ("console_scripts", "gui_scripts"):
        if parser.has_section(section):
            for name in parser.options(section):
                meta.console_scripts.setdefault(name.strip(), path)


def _sdist_sources(contents: Contents, meta: Metadata) -> None:
    pyproject = contents.get("pyproject.toml")
    if pyproject is not None:
        try:
            data = tomllib.loads(_text(pyproject.data))
        except (tomllib.TOMLDecodeError, ValueError):
            data = {}
        build = data.get("build-system", {})
        if isinstance(build, dict):
            backend = build.get("build-backend")
            meta.build_backend = backend if isinstance(backend, str) else None
            paths = build.get("backend-path", [])
            if isinstance(paths, list):
                meta.backend_path = [p for p in paths if isinstance(p, str)]
        project = data.get("project", {})
        if isinstance(project, dict):
            for key in ("scripts", "gui-scripts"):
                scripts = project.get(key, {})
                if isinstance(scripts, dict):
                    for name in scripts:
                        meta.console_scripts.setdefault(str(name), "pyproject.toml")
            deps = project.get("dependencies", [])
            if isinstance(deps, list):
                meta.requires.extend(d for d in deps if isinstance(d, str))
            if meta.name is None and isinstance(project.get("name"), str):
                meta.name = project["name"]
    setup_cfg = contents.get("setup.cfg")
    if setup_cfg is not None:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(_text(setup_cfg.data))
            if parser.has_option("options.entry_points", "console_scripts"):
                for line in parser.get("options.entry_points", "console_scripts").splitlines():
                    name = line.split("=", 1)[0].strip()
                    if name:
                        meta.console_scripts.setdefault(name, "setup.cfg")
        except configparser.Error:
            pass
    setup = contents.get("setup.py")
    if setup is not None:
        _setup_keywords(setup.data, meta)


def _setup_keywords(data: bytes, meta: Metadata) -> None:
    try:
        tree = ast.parse(data.decode("utf-8", "replace"))
    except (SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.keyword) or node.arg is None:
            continue
        strings = [
            c.value
            for c in ast.walk(node.value)
            if isinstance(c, ast.Constant) and isinstance(c.value, str)
        ]
        if node.arg == "dependency_links":
            meta.dependency_links.extend(strings)
        elif node.arg == "install_requires":
            meta.requires.extend(strings)
        elif node.arg == "entry_points":
            for text in strings:
                if "=" in text and ":" in text:
                    meta.console_scripts.setdefault(text.split("=", 1)[0].strip(), "setup.py")


def filename_identity(path: str) -> tuple[str, str] | None:
    """(name, version) from a wheel or sdist file name, or None when it does not parse."""
    base = path.rsplit("/", 1)[-1]
    try:
        if base.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(base)
            return str(name), str(version)
        if base.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(base)
            return str(name), str(version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def absurd_version(version: str | None) -> bool:
    """A first release number that dependency-confusion uploads use to win (99, 9000...)."""
    if not version:
        return False
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    major = parsed.release[0] if parsed.release else 0
    return (major >= 90 and major < 1900) or major > 2100


def direct_url_requirements(meta: Metadata) -> list[str]:
    found = [r for r in meta.requires if _URL_DEP.search(r)]
    found.extend(meta.dependency_links)
    return found


def repository_name(url: str) -> str | None:
    match = re.search(r"(?:github\.com|gitlab\.com|bitbucket\.org)/[^/\s]+/([^/\s#?]+)", url)
    if match is None:
        return None
    return canonical_name(match.group(1).removesuffix(".git"))


__all__ = [
    "Metadata",
    "absurd_version",
    "direct_url_requirements",
    "filename_identity",
    "read_metadata",
    "repository_name",
    "same_version",
]
