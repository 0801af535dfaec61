"""Print the installed distributions of the interpreter running this file, as JSON.

Run by chainward inside an interpreter the user named (``--python PATH``); it uses
only the standard library so that it works in any environment (Python 3.8+; the
annotations stay unevaluated there thanks to the __future__ import).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from typing import Any

try:
    from importlib import metadata
except ImportError:  # pragma: no cover - Python < 3.8
    metadata = None  # type: ignore[assignment,unused-ignore]


def _version(info: Any) -> str:
    text = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text


def _venv() -> tuple[str | None, bool]:
    """The virtualenv this interpreter belongs to (its pyvenv.cfg), found without ``site``."""
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    for prefix in (exe_dir, os.path.dirname(exe_dir)):
        cfg = os.path.join(prefix, "pyvenv.cfg")
        if os.path.isfile(cfg):
            system = False
            try:
                with open(cfg, encoding="utf-8") as handle:
                    for line in handle:
                        key, _, value = line.partition("=")
                        if key.strip().lower() == "include-system-site-packages":
                            system = value.strip().lower() == "true"
            except OSError:
                pass
            return prefix, system
    return None, True


def _search_path() -> list[str]:
    """sys.path plus the site directories, computed without running ``site``.

    chainward starts this interpreter with ``-S`` so that no ``.pth`` file of an
    installed package is executed; the site directories (the virtualenv's, the
    system's when the virtualenv includes them, the user's outside virtualenvs) are
    added back here.
    """
    paths = list(sys.path)
    try:
        import site

        venv, system = _venv()
        found: list[str] = []
        if venv is not None:
            found += site.getsitepackages([venv])
        if system:
            found += site.getsitepackages()
        if venv is None and sys.flags.no_user_site == 0:
            found.append(site.getusersitepackages())
        for path in found:
            if path and path not in paths and os.path.isdir(path):
                paths.append(path)
    except Exception:  # a broken site configuration still lists what sys.path has
        pass
    return paths


def probe() -> dict[str, Any]:
    """The marker environment and every distribution (first on sys.path wins)."""
    env = {
        "implementation_name": sys.implementation.name,
        "implementation_version": _version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }
    dists = []
    path = _search_path() if sys.flags.no_site else sys.path
    for dist in metadata.distributions(path=path) if metadata else ():
        name = dist.metadata["Name"]
        if not name:
            continue
        where = getattr(dist, "_path", None)
        dists.append(
            {
                "name": name,
                "version": dist.version,
                "requires": list(dist.requires or []),
                "path": str(where) if where is not None else "",
            }
        )
    return {"executable": sys.executable, "environment": env, "distributions": dists}


if __name__ == "__main__":
    json.dump(probe(), sys.stdout)
