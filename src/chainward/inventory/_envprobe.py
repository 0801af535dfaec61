"""Print the installed distributions of the interpreter running this file, as JSON.

Run by chainward inside an interpreter the user named (``--python PATH``); it uses
only the standard library so that it works in any environment (Python 3.8+).
"""

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
    for dist in metadata.distributions() if metadata else ():
        name = dist.metadata["Name"]
        if not name:
            continue
        path = getattr(dist, "_path", None)
        dists.append(
            {
                "name": name,
                "version": dist.version,
                "requires": list(dist.requires or []),
                "path": str(path) if path is not None else "",
            }
        )
    return {"executable": sys.executable, "environment": env, "distributions": dists}


if __name__ == "__main__":
    json.dump(probe(), sys.stdout)
