"""Fetch a package archive through the user's own pip configuration, without building it.

``pip download --no-deps --only-binary :all:`` is tried first: fetching a wheel runs no
package code. When a project has no wheel, a plain ``pip download`` would run the sdist's
build backend to read its metadata -- that is, execute the untrusted code we are about
to inspect -- so the sdist is located and fetched with pip's own finder and downloader
(the same index, extra indexes, find-links, certificates and proxies) and never built.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chainward.errors import NetworkError

_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")
_TIMEOUT = 300

# Run in a child interpreter: pip's internal API, used only to find and fetch one link.
_FETCH_SDIST = r"""
import sys
from pip._internal.commands import create_command
from pip._internal.network.download import Downloader
from pip._internal.req.constructors import install_req_from_line

spec, dest = sys.argv[1], sys.argv[2]
command = create_command("download")
options, _ = command.parse_args(["--no-deps", "--no-binary", ":all:", "-d", dest, spec])
with command.main_context():
    session = command.get_default_session(options)
    finder = command._build_package_finder(options=options, session=session)
    req = install_req_from_line(spec)
    best = finder.find_best_candidate(req.name, req.specifier).best_candidate
    if best is None:
        sys.stderr.write(f"no distribution found for {spec}\n")
        sys.exit(3)
    path, _ = Downloader(session, "off")(best.link, dest)
    print(path)
"""


def _archives(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(_ARCHIVES))


def download(spec: str, directory: Path) -> Path:
    """Download the archive of requirement ``spec`` (``name`` or ``name==version``)."""
    base = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(directory),
    ]
    try:
        done = subprocess.run(
            [*base, "--only-binary", ":all:", spec],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        found = _archives(directory)
        if done.returncode == 0 and found:
            return found[0]
        done = subprocess.run(
            [sys.executable, "-c", _FETCH_SDIST, spec, str(directory)],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NetworkError(f"pip download of {spec} timed out after {_TIMEOUT} s") from None
    except OSError as exc:
        raise NetworkError(f"cannot run pip: {exc}") from None
    found = _archives(directory)
    if done.returncode != 0 or not found:
        reason = (done.stderr or done.stdout).strip().splitlines()
        detail = reason[-1] if reason else f"exit status {done.returncode}"
        raise NetworkError(f"cannot download {spec}: {detail}")
    return found[0]


__all__ = ["download"]
