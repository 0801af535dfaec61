"""Does an OSV ``affected`` entry cover a version?

PyPI versions compare by PEP 440 (``packaging``); ``SEMVER`` ranges by semantic
versioning; ``GIT`` ranges are ignored for version matching (they hold commits).
Range events are evaluated as the OSV schema describes: sorted by version,
``introduced`` opens, ``fixed`` closes (v >= fixed), ``last_affected`` closes
(v > last_affected), and ``limit`` events cap the range. Strings that do not parse
(non-PEP 440 versions, junk events) never crash: they match only by exact string in
an explicit ``versions`` list, and unparseable events are ignored.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from chainward.vulndb.interface import Advisory, Affected, PackageMatcher, Range
from chainward.vulndb.semver import parse_semver

_Parser = Callable[[str], Any]


# Canonical PEP 440 spelling apart from trailing zeros: no "v", no leading zeros, lower
# case, normalised separators. Lists and queries in this form compare by string, which
# avoids parsing the thousands of versions in enumerated ``versions`` lists.
_N = r"(?:0|[1-9][0-9]*)"
_PLAIN = rf"{_N}(?:\.{_N})*(?:(?:a|b|rc){_N})?(?:\.post{_N})?(?:\.dev{_N})?"
_PLAIN_ONE = re.compile(_PLAIN)
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_MAX_SEGMENTS = 8


_LEADING_ZERO = re.compile(r"(?:^|\.)0[0-9]")
_DIGITS_AND_DOTS = str.maketrans("", "", "0123456789.")


def _odd_one(version: str) -> bool:
    if version.replace(".", "").isdigit():
        return bool(_LEADING_ZERO.search(version)) or (
            version[0] == "." or version[-1] == "." or ".." in version
        )
    return _PLAIN_ONE.fullmatch(version) is None


# "." and "\n" as "\n", the digits 1-9 as "1": a version segment with a leading zero
# ("[.\n]0[0-9]") is then "\n00" or "\n01", two C-speed searches.
_LEADING_ZERO_MAP = str.maketrans({".": "\n", **dict.fromkeys("23456789", "1")})


def _irregular(joined: str) -> bool:
    """Leading zeros or empty segments somewhere in newline-joined versions (rare)."""
    zeros = f"\n{joined}".translate(_LEADING_ZERO_MAP)
    return (
        not joined
        or "\n00" in zeros
        or "\n01" in zeros
        or joined.startswith((".", "\n"))
        or joined.endswith((".", "\n"))
        or ".." in joined
        or ".\n" in joined
        or "\n." in joined
        or "\n\n" in joined
    )


def _not_plain(version: str) -> bool:
    return _PLAIN_ONE.fullmatch(version) is None


def odd_versions(
    versions: tuple[str, ...], not_plain: Callable[[str], bool] = _not_plain
) -> tuple[str, ...]:
    """The versions not spelled plainly (they need a real PEP 440 parse to compare).

    C-speed string operations find the few candidates (lines holding anything but digits
    and dots); only those are checked, with ``not_plain`` (an import passes a memoised
    one: lettered versions repeat across lists).
    """
    if not versions:
        return ()
    joined = "\n".join(versions)
    if _irregular(joined):  # check one by one
        return tuple(v for v in versions if not v or _odd_one(v))
    others = itertools.compress(versions, joined.translate(_DIGITS_AND_DOTS).split("\n"))
    return tuple(v for v in others if not_plain(v))


@lru_cache(maxsize=65536)
def plain_spellings(version: str) -> frozenset[str] | None:
    """Every plain spelling PEP 440-equal to ``version`` (1.2 -> 1.2, 1.2.0, ...), or None."""
    if _PLAIN_ONE.fullmatch(version) is None:
        return None
    match = _RELEASE.match(version)
    assert match is not None
    segments = match.group().split(".")
    suffix = version[match.end() :]
    while len(segments) > 1 and segments[-1] == "0":
        segments.pop()
    return frozenset(
        ".".join(segments + ["0"] * extra) + suffix
        for extra in range(_MAX_SEGMENTS - len(segments) + 1)
    )


_FAST = re.compile(
    r"(?P<release>[0-9]+(?:\.[0-9]+)*)(?:(?P<pre>a|b|rc)(?P<pre_n>[0-9]+))?"
    r"(?:\.post(?P<post>[0-9]+))?(?:\.dev(?P<dev>[0-9]+))?"
)
_PHASES = {"a": 0, "b": 1, "rc": 2}
_AFTER = 1 << 62  # sorts after any real number in a segment
_LOCAL_NONE: tuple[tuple[int, int | str], ...] = ()

PepKey = tuple[Any, ...]


def _key(
    release: str,
    pre: str | None,
    pre_n: str | None,
    post: str | None,
    dev: str | None,
    epoch: int = 0,
    local: tuple[tuple[int, int | str], ...] = _LOCAL_NONE,
) -> PepKey:
    parts = [int(p) for p in release.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    if pre is not None:
        pre_key = (_PHASES[pre], int(pre_n or 0))
    elif post is None and dev is not None:
        pre_key = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre_key = (3, 0)
    return (
        epoch,
        tuple(parts),
        pre_key,
        -1 if post is None else int(post),
        _AFTER if dev is None else int(dev),
        local,
    )


@lru_cache(maxsize=65536)
def parse_pep440(text: str) -> PepKey | None:
    """A tuple ordering exactly like ``packaging.version.Version`` (None if invalid).

    Plain canonical strings are keyed by one regular expression; anything else (``v``
    prefixes, epochs, local labels, alternative spellings) goes through ``packaging``.
    """
    match = _FAST.fullmatch(text)
    if match is not None:
        return _key(match["release"], match["pre"], match["pre_n"], match["post"], match["dev"])
    from packaging.version import InvalidVersion, Version  # rare: imported on first use

    try:
        version = Version(text)
    except InvalidVersion:
        return None
    pre = version.pre
    local: tuple[tuple[int, int | str], ...] = ()
    if version.local:
        local = tuple((1, int(p)) if p.isdigit() else (0, p) for p in version.local.split("."))
        local = local or ((0, ""),)
    return _key(
        ".".join(str(p) for p in version.release),
        pre[0] if pre else None,
        str(pre[1]) if pre else None,
        None if version.post is None else str(version.post),
        None if version.dev is None else str(version.dev),
        version.epoch,
        local,
    )


def _parser_for(ecosystem: str, range_type: str) -> _Parser | None:
    if range_type == "SEMVER":
        return parse_semver
    if range_type == "ECOSYSTEM":
        return parse_pep440 if ecosystem == "PyPI" else parse_semver
    return None  # GIT and unknown types carry no orderable versions


# (sort key, kind, parsed value or None for "introduced: 0")
_Event = tuple[tuple[int, Any], str, Any]


_Compiled = tuple[tuple[_Event, ...], tuple[Any, ...], bool]


def _compile(rng: Range, ecosystem: str) -> _Compiled:
    # Cached on the Range object itself: hashing ranges for a global cache costs more than
    # compiling them.
    cache: dict[str, _Compiled] = rng.__dict__.setdefault("_compiled", {})
    found = cache.get(ecosystem)
    if found is None:
        found = cache[ecosystem] = _compile_events(rng, ecosystem)
    return found


def _compile_events(rng: Range, ecosystem: str) -> _Compiled:
    parse = _parser_for(ecosystem, rng.type)
    if parse is None:
        return (), (), False
    events: list[tuple[tuple[int, Any], int, str, Any]] = []
    limits: list[Any] = []
    unlimited = False
    for index, (kind, value) in enumerate(rng.events):
        if kind == "limit":
            if value == "*":
                unlimited = True
            else:
                parsed = parse(value)
                if parsed is not None:
                    limits.append(parsed)
            continue
        if kind == "introduced" and value == "0":
            events.append(((0, 0), index, kind, None))
            continue
        parsed = parse(value)
        if parsed is None:
            continue
        events.append(((1, parsed), index, kind, parsed))
    events.sort()  # by (sort key, position): positions are unique, so kinds never compare
    has_limits = unlimited or bool(limits)
    limit_values = () if unlimited else tuple(limits)
    return tuple((e[0], e[2], e[3]) for e in events), limit_values, has_limits


def range_affects(rng: Range, ecosystem: str, version: str) -> bool:
    parse = _parser_for(ecosystem, rng.type)
    if parse is None:
        return False
    parsed = parse(version)
    if parsed is None:
        return False
    events, limits, has_limits = _compile(rng, ecosystem)
    if has_limits and limits and not any(parsed < limit for limit in limits):
        return False
    affected = False
    for _key, kind, value in events:
        if kind == "introduced":
            if value is None or parsed >= value:
                affected = True
        elif kind == "fixed":
            if parsed >= value:
                affected = False
        elif kind == "last_affected" and parsed > value:
            affected = False
    return affected


def _in_versions(entry: Affected, version: str) -> bool:
    if not entry.versions:
        return False
    if version in entry.version_strings:
        return True
    if entry.ecosystem != "PyPI":
        return False
    spellings = plain_spellings(version)
    if spellings is not None:
        # A plain query equals a plain list entry only if spelled alike up to trailing
        # zeros; only the list's oddly spelled entries need parsing.
        if not entry.version_strings.isdisjoint(spellings):
            return True
        odd = entry.odd_keys
        return bool(odd) and parse_pep440(version) in odd
    parsed = parse_pep440(version)
    return parsed is not None and parsed in entry.parsed_versions


def affected_by(entry: Affected, version: str) -> bool:
    """True when ``version`` is in the entry's ``versions`` list or one of its ranges."""
    if entry.versions and _in_versions(entry, version):
        return True
    # plain loops: this is the innermost hot path, and generator expressions cost more
    for rng in entry.ranges:
        if rng.type != "GIT" and range_affects(rng, entry.ecosystem, version):
            return True
    return False


def advisory_affects(advisory: Advisory, version: str) -> bool:
    """True when a non-withdrawn advisory covers ``version`` (entries are for one package)."""
    if advisory.withdrawn:
        return False
    for entry in advisory.affected:  # noqa: SIM110 - a plain loop is faster on this hot path
        if affected_by(entry, version):
            return True
    return False


def fixed_candidates(advisories: Iterable[Advisory]) -> list[str]:
    """Every ``fixed`` event version in these advisories (strings, unsorted, unique)."""
    seen: dict[str, None] = {}
    for advisory in advisories:
        seen.update(dict.fromkeys(advisory.fixed_events))
    return list(seen)


def _version_parser(ecosystem: str) -> _Parser:
    return parse_pep440 if ecosystem == "PyPI" else parse_semver


def sort_versions(ecosystem: str, versions: Iterable[str]) -> list[str]:
    """Parseable versions in ascending order (unparseable ones dropped)."""
    parse = _version_parser(ecosystem)
    keyed: list[tuple[Any, str]] = [(parse(v), v) for v in versions]
    return [v for _, v in sorted(k for k in keyed if k[0] is not None)]


def fix_versions(
    advisories: list[Advisory],
    ecosystem: str,
    version: str,
    memo: dict[tuple[str, str], bool] | None = None,
) -> list[str]:
    """Versions above ``version`` that none of ``advisories`` affects, ascending.

    Candidates are the advisories' own ``fixed`` events, so every answer is a release the
    data names; the first one is the smallest upgrade that fixes all of them. ``memo``
    caches (advisory id, version) -> affected across calls for one package.
    """
    parse = _version_parser(ecosystem)
    current: Any = parse(version)
    memo = {} if memo is None else memo

    def affects(advisory: Advisory, candidate: str) -> bool:
        key = (advisory.id, candidate)
        if key not in memo:
            memo[key] = advisory_affects(advisory, candidate)
        return memo[key]

    out: list[str] = []
    for candidate in sort_versions(ecosystem, fixed_candidates(advisories)):
        parsed: Any = parse(candidate)
        if current is not None and not parsed > current:
            continue
        if any(affects(a, candidate) for a in advisories):
            continue
        if any(parse(o) == parsed for o in out):
            continue
        out.append(candidate)
    return out


class ReferenceMatcher(PackageMatcher):
    """A :class:`PackageMatcher` over decoded records (any store, any ecosystem)."""

    def __init__(self, advisories: list[Advisory], ecosystem: str) -> None:
        self._advisories = [a for a in advisories if not a.withdrawn]
        self._ecosystem = ecosystem
        self._memo: dict[tuple[str, str], bool] = {}

    def matching(self, version: str) -> list[Advisory]:
        return [a for a in self._advisories if advisory_affects(a, version)]

    def fix_versions(self, advisories: list[Advisory], version: str) -> list[str]:
        return fix_versions(advisories, self._ecosystem, version, self._memo)


__all__ = [
    "ReferenceMatcher",
    "advisory_affects",
    "affected_by",
    "fix_versions",
    "parse_pep440",
    "range_affects",
    "sort_versions",
]
