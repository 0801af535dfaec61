"""Build tiny but real wheels (and installations) for resolver and environment tests."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    requires: Sequence[str] = (),
    extras: Sequence[str] = (),
) -> Path:
    """A pure-Python wheel with one module and the given Requires-Dist lines."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = (
        "\n".join(
            [
                "Metadata-Version: 2.1",
                f"Name: {name}",
                f"Version: {version}",
                *(f"Provides-Extra: {e}" for e in extras),
                *(f"Requires-Dist: {r}" for r in requires),
            ]
        )
        + "\n\n"
    )
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: chainward-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files = {
        f"{dist}/__init__.py": b"VALUE = 1\n",
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": wheel_meta.encode(),
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def build_sdist(directory: Path, name: str, version: str, marker: Path) -> Path:
    """A source distribution whose setup.py would create ``marker`` if anything ran it.

    The payload is inert (it only touches a file in the test's temporary directory);
    the test asserts it never ran, because chainward must not build sdists.
    """
    import io
    import tarfile

    base = f"{name}-{version}"
    setup = (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('setup.py ran')\n"
        "from setuptools import setup\n"
        f"setup(name={name!r}, version={version!r})\n"
    ).encode()
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in ((f"{base}/setup.py", setup), (f"{base}/PKG-INFO", pkg_info)):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def wheelhouse(directory: Path) -> Path:
    """An app with a ranged dependency, a platform-only one and an extra."""
    directory.mkdir(parents=True, exist_ok=True)
    build_wheel(
        directory,
        "cw-app",
        "1.0",
        [
            "cw-lib>=1.0",
            'cw-win==1.0; sys_platform == "win32"',
            'cw-extra==1.0; extra == "fast"',
        ],
        extras=["fast"],
    )
    build_wheel(directory, "cw-lib", "1.0")
    build_wheel(directory, "cw-lib", "1.1", ["cw-base"])
    build_wheel(directory, "cw-base", "2.0")
    build_wheel(directory, "cw-win", "1.0")
    build_wheel(directory, "cw-extra", "1.0")
    build_wheel(directory, "cw-tool", "0.5")
    return directory
