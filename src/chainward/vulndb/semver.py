"""Minimal Semantic Versioning 2.0.0 ordering, for OSV ``SEMVER`` ranges."""

from __future__ import annotations

import re
from functools import total_ordering

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


@total_ordering
class SemVer:
    """A parsed semantic version; build metadata is ignored for ordering."""

    __slots__ = ("core", "pre")

    def __init__(self, text: str) -> None:
        match = _SEMVER.match(text.strip())
        if match is None:
            raise ValueError(f"not a semantic version: {text!r}")
        self.core = (
            int(match["major"]),
            int(match["minor"] or 0),
            int(match["patch"] or 0),
        )
        pre = match["pre"]
        self.pre: tuple[tuple[int, int | str], ...] = (
            tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ()
        )

    def _key(self) -> tuple[object, ...]:
        # A release sorts after every pre-release of the same core version.
        return (self.core, 0 if self.pre else 1, self.pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SemVer) and self._key() == other._key()

    def __lt__(self, other: SemVer) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SemVer({self.core}, {self.pre})"


def parse_semver(text: str) -> SemVer | None:
    try:
        return SemVer(text)
    except ValueError:
        return None


__all__ = ["SemVer", "parse_semver"]
