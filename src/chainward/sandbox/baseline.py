"""What pip itself does when installing a clean package: subtracted from every install.

pip probes the system on its own (build-hook subprocesses for an sdist, ``lsb_release``,
``uname``, ...). chainward installs a trivial sdist it writes itself (a ``setup.py``
that does nothing; pip builds a wheel from it and installs that, so this covers what a
wheel install does too) under the same backend and trace mode, and keeps the normalised keys of whatever that did. The result is cached
per interpreter, pip version, backend and trace mode in the data directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from chainward._internal.paths import data_dir
from chainward.sandbox.policy import Policy

_MEMO: dict[str, frozenset[str]] = {}

BASELINE_NAME = "cwbaseline"

_SETUP = """from setuptools import setup

setup(name="cwbaseline", version="1.0", py_modules=["cwbaseline"])
"""
_PKG_INFO = "Metadata-Version: 2.1\nName: cwbaseline\nVersion: 1.0\n"


def _add(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def write_clean_sdist(directory: Path) -> Path:
    path = directory / "cwbaseline-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, "cwbaseline-1.0/setup.py", _SETUP)
        _add(tar, "cwbaseline-1.0/PKG-INFO", _PKG_INFO)
        _add(tar, "cwbaseline-1.0/cwbaseline.py", "VALUE = 1\n")
    return path


def write_clean_wheel(directory: Path) -> Path:
    path = directory / "cwbaseline-1.0-py3-none-any.whl"
    files = {
        "cwbaseline.py": "VALUE = 1\n",
        "cwbaseline-1.0.dist-info/METADATA": _PKG_INFO,
        "cwbaseline-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: chainward\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{name},," for name in files] + ["cwbaseline-1.0.dist-info/RECORD,,"]
    files["cwbaseline-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _cache_key(backend: str, policy: Policy) -> str:
    try:
        pip_version = metadata.version("pip")
    except metadata.PackageNotFoundError:
        pip_version = "none"
    text = f"{sys.executable}|{sys.version}|{pip_version}|{backend}|{policy.trace.value}|v1"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pip_baseline(backend: str, policy: Policy) -> frozenset[str]:
    """Event keys of pip installing clean packages (computed once, then cached)."""
    key = _cache_key(backend, policy)
    if key in _MEMO:
        return _MEMO[key]
    cache = data_dir() / "sandbox" / f"pip-baseline-{key}.json"
    try:
        keys = frozenset(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        keys = _compute(backend, policy)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(sorted(keys), indent=1), encoding="utf-8")
    _MEMO[key] = keys
    return keys


def _compute(backend: str, policy: Policy) -> frozenset[str]:
    from chainward.sandbox.analysis import install_package

    keys: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="chainward-baseline-") as tmp:
        # an sdist install builds a wheel and installs it: it does all a wheel install does
        for archive in (write_clean_sdist(Path(tmp)),):
            result = install_package(
                str(archive),
                backend=backend,
                policy=replace(policy, ro_paths=()),
                use_baseline=False,
            )
            keys.update(e.key for e in result.events if e.forbidden)
    return frozenset(keys)


__all__ = ["pip_baseline", "write_clean_sdist", "write_clean_wheel"]
