"""Pipfile (TOML): ``[packages]`` and ``[dev-packages]``, read as declarations."""

from __future__ import annotations

from pathlib import Path

from chainward.inventory._io import display, read_toml
from chainward.inventory.interface import InventoryError, Source
from chainward.inventory.markers import marker_environment
from chainward.inventory.pyproject import Declared, _poetry_line, components_from, spec_text
from chainward.records import Inventory, Provenance, Scope, canonical_name

# Pipfile tables may name a marker variable as a key: stdeb = {sys_platform = "== 'linux'"}
_MARKER_KEYS = (
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


def _marker(spec: dict[str, object]) -> str:
    parts = [str(spec["markers"])] if spec.get("markers") else []
    parts += [f"{key} {spec[key]}" for key in _MARKER_KEYS if isinstance(spec.get(key), str)]
    if len(parts) > 1:
        parts = [f"({p})" if " or " in p else p for p in parts]
    return " and ".join(parts)


def pipfile_declared(path: Path) -> list[Declared]:
    data = read_toml(path)
    text = path.read_text(encoding="utf-8-sig")
    shown = display(path)
    out: list[Declared] = []
    for section, scope, group in (
        ("packages", Scope.DIRECT, None),
        ("dev-packages", Scope.DEV, "develop"),
    ):
        body = data.get(section, {})
        if not isinstance(body, dict):
            raise InventoryError(f"[{section}]: expected a table", path=shown)
        start = text.find(f"[{section}]")
        for name, spec in body.items():
            where = Provenance(shown, _poetry_line(text, name, max(start, 0)))
            marker, url = "", None
            extras: tuple[str, ...] = ()
            if isinstance(spec, str):
                version = spec
            elif isinstance(spec, dict):
                version = str(spec.get("version", "*"))
                marker = _marker(spec)
                extras = tuple(str(e) for e in spec.get("extras", []))
                url = next((str(spec[k]) for k in ("git", "path", "file") if k in spec), None)
            else:
                raise InventoryError(
                    f"[{section}] {name}: expected a string or a table", path=shown, line=where.line
                )
            specifier = "" if version.strip() == "*" else version.strip()
            out.append(
                Declared(
                    canonical_name(name),
                    specifier,
                    scope,
                    group,
                    where,
                    extras,
                    marker,
                    url,
                    spec_text(name, spec),
                )
            )
    return out


class PipfileSource(Source):
    """A Pipfile read without its lock."""

    def __init__(
        self, path: Path, *, python_version: str | None = None, platform: str | None = None
    ) -> None:
        self.path = path
        self.env = marker_environment(python_version, platform)

    def collect(self) -> Inventory:
        components, skipped = components_from(pipfile_declared(self.path), self.env)
        return Inventory(tuple(components), (), tuple(skipped))


__all__ = ["PipfileSource", "pipfile_declared"]
