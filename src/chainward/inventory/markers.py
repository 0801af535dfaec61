"""Environment-marker evaluation for the running interpreter or a target the user names.

``--python-version 3.9`` and ``--platform linux|win32|darwin|<wheel platform tag>``
replace the matching PEP 508 marker variables; everything else comes from the
running interpreter, as pip does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chainward.errors import ConfigError

if TYPE_CHECKING:
    from packaging.markers import Marker

# packaging.markers is imported only when a marker environment is really needed: reading
# a file of plain pins never evaluates a marker, and the import costs more than the read.

_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")

# platform keyword or wheel-tag prefix -> (sys_platform, platform_system, os_name)
_PLATFORMS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("manylinux", ("linux", "Linux", "posix")),
    ("musllinux", ("linux", "Linux", "posix")),
    ("linux", ("linux", "Linux", "posix")),
    ("macosx", ("darwin", "Darwin", "posix")),
    ("macos", ("darwin", "Darwin", "posix")),
    ("darwin", ("darwin", "Darwin", "posix")),
    ("win", ("win32", "Windows", "nt")),
    ("cygwin", ("cygwin", "CYGWIN_NT", "posix")),
    ("freebsd", ("freebsd", "FreeBSD", "posix")),
)
_MACHINES = {
    "x86_64": "x86_64",
    "amd64": "AMD64",
    "aarch64": "aarch64",
    "arm64": "arm64",
    "i686": "i686",
    "x86": "x86",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "armv7l": "armv7l",
    "universal2": "arm64",
}


def marker_environment(
    python_version: str | None = None, platform: str | None = None
) -> dict[str, str]:
    """PEP 508 marker variables, overridden for the requested Python version and platform."""
    from packaging.markers import default_environment

    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    if python_version:
        match = _VERSION.match(python_version.strip())
        if not match or match.group(2) is None:
            raise ConfigError(
                f"invalid --python-version {python_version!r} (expected X.Y or X.Y.Z)"
            )
        major, minor, micro = match.group(1), match.group(2), match.group(3) or "0"
        env["python_version"] = f"{major}.{minor}"
        env["python_full_version"] = f"{major}.{minor}.{micro}"
        env["implementation_version"] = env["python_full_version"]
    if platform:
        env.update(_platform_variables(platform))
    env["extra"] = ""
    return env


def check_target(python_version: str | None = None, platform: str | None = None) -> None:
    """Raise the ConfigError :func:`marker_environment` would raise for these options."""
    if python_version:
        match = _VERSION.match(python_version.strip())
        if not match or match.group(2) is None:
            raise ConfigError(
                f"invalid --python-version {python_version!r} (expected X.Y or X.Y.Z)"
            )
    if platform:
        _platform_variables(platform)


def _platform_variables(platform: str) -> dict[str, str]:
    text = platform.strip().lower()
    for prefix, (sys_platform, system, os_name) in _PLATFORMS:
        if text.startswith(prefix):
            values = {"sys_platform": sys_platform, "platform_system": system, "os_name": os_name}
            machine = _machine(text)
            if machine is None and sys_platform == "win32" and text == "win32":
                machine = "x86"
            if machine is not None:
                values["platform_machine"] = machine
            return values
    raise ConfigError(
        f"unknown --platform {platform!r} (use linux, win32, darwin or a wheel platform tag "
        "such as manylinux2014_x86_64, win_amd64, macosx_11_0_arm64)"
    )


def _machine(tag: str) -> str | None:
    for suffix, machine in _MACHINES.items():
        if tag.endswith("_" + suffix) or tag.endswith("-" + suffix):
            return machine
    return None


def evaluate(
    marker: Marker | str | None, env: dict[str, str], extras: tuple[str, ...] = ()
) -> bool:
    """True when ``marker`` holds in ``env`` (for any of ``extras`` when it tests ``extra``)."""
    if marker is None or marker == "":
        return True
    parsed = _parse(marker) if isinstance(marker, str) else marker
    if not extras:
        return bool(parsed.evaluate(env))
    return any(parsed.evaluate({**env, "extra": extra}) for extra in ("", *extras))


def _parse(text: str) -> Marker:
    from chainward.inventory._build import parse_marker

    return parse_marker(text)


def __getattr__(name: str) -> Any:
    if name == "InvalidMarker":  # re-exported, imported lazily
        from packaging.markers import InvalidMarker

        return InvalidMarker
    raise AttributeError(name)


__all__ = ["check_target", "evaluate", "marker_environment"]
