"""Malicious and impostor packages: known-malicious advisories, typosquats, archive analysis.

Public API::

    check_name("reqeusts")                 # -> PackageResult (typosquat, known-malicious)
    check_name("tensorfllow", "1.0")       # version narrows the advisory match
    check_archive(Path("pkg-1.0.tar.gz"))  # static analysis of an sdist or wheel + its name
    Checker(allow=load_allowlist(path))    # many targets, one index, an allow-list
"""

from __future__ import annotations

import functools
from pathlib import Path

from chainward.packages.checker import Checker, PackageResult, finding_json, verdict_for
from chainward.packages.rules import RULES, Rule
from chainward.packages.suppress import Allow, load_allowlist
from chainward.packages.typosquat import NameMatch, TyposquatIndex


@functools.lru_cache(maxsize=1)
def _default_checker() -> Checker:
    return Checker()


def check_name(name: str, version: str | None = None) -> PackageResult:
    """Known-malicious and typosquat checks for one package name (and version)."""
    return _default_checker().check_name(name, version)


def check_archive(path: Path) -> PackageResult:
    """Static analysis of one sdist or wheel, plus the checks of the name it declares."""
    return _default_checker().check_archive(Path(path))


__all__ = [
    "RULES",
    "Allow",
    "Checker",
    "NameMatch",
    "PackageResult",
    "Rule",
    "TyposquatIndex",
    "check_archive",
    "check_name",
    "finding_json",
    "load_allowlist",
    "verdict_for",
]
