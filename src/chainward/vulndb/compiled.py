"""Matching data precomputed at import, so that an audit decodes and parses almost nothing.

For every (PyPI package, non-withdrawn record) the store keeps, in its ``matching`` table:

``vnorm``
    the plainly spelled listed versions, normalised (trailing zero release segments
    dropped: ``1.2.0`` -> ``1.2``, ``1.0rc1`` -> ``1rc1``), one per line between
    newlines. Two plain spellings are PEP 440-equal exactly when their normal forms are
    equal, so "is this version listed?" is one substring search, done in C.
    Listed versions spelled otherwise (``1.0-beta``) join it in their normal form.
``m``
    compact JSON ``[exact, keyed, ranges, fixed]``: listed versions that are not PEP 440
    (matched by exact string) and those with an epoch or local label (compared by
    PEP 440 key; both usually empty), the ECOSYSTEM/SEMVER ranges with their events
    already sorted, unparseable ones dropped and PEP 440 ones in normal form, and the
    ``fixed`` events (fix-version candidates) sorted as ``[as written, flag, spelling to
    parse]``, the flag saying whether the record itself affects it (1), or whether an
    equal earlier one already fixes it (2).

:class:`CompiledMatcher` answers exactly what :func:`chainward.vulndb.match.advisory_affects`
and :func:`~chainward.vulndb.match.fix_versions` answer on the decoded records
(tests/unit/vulndb/test_compiled.py compares both on >10,000 versions drawn from every
package of the export, before and after the update export).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from chainward.vulndb._json import compact
from chainward.vulndb.interface import Advisory, Affected, PackageMatcher, Range
from chainward.vulndb.match import _AFTER, _FAST, _PLAIN_ONE, PepKey, odd_versions, parse_pep440
from chainward.vulndb.semver import SemVer, parse_semver

_PEP440, _SEMVER = 0, 1
_KINDS = {"introduced": 0, "fixed": 1, "last_affected": 2}
_PRE = ("a", "b", "rc")
# Where a plain release can end: a pre-release, a post or dev release, or the line's end.
_RELEASE_ENDS = ("\n", "a", "b", "r", ".p", ".d")
_COMPACT = json.JSONEncoder(separators=(",", ":"))
_decode = json.JSONDecoder().raw_decode
# fix candidate flags
_CLEAN, _SELF_AFFECTED, _REPEATED = 0, 1, 2


def normal_form(key: PepKey | None) -> str | None:
    """The normalised plain spelling of a PEP 440 key (None with an epoch or local label)."""
    if key is None or key[0] or key[5]:
        return None
    _epoch, release, (phase, number), post, dev, _local = key
    text = ".".join(map(str, release))
    if 0 <= phase <= 2:
        text += f"{_PRE[phase]}{number}"
    if post != -1:
        text += f".post{post}"
    if dev != _AFTER:
        text += f".dev{dev}"
    return text


def normalise_plain(versions: Iterable[str]) -> str:
    """Plain spellings, trailing zero release segments dropped, newline-separated and
    newline-framed: ``["1.0", "2.0.1"]`` -> ``"\\n1\\n2.0.1\\n"``.

    In a plain spelling ``.0`` directly before a pre-release letter, ``.post``, ``.dev``
    or the end is a trailing zero of the release, so C-speed replacements do it all.
    """
    text = "\n" + "\n".join(versions) + "\n"
    for end in _RELEASE_ENDS:
        pattern = ".0" + end
        while pattern in text:
            text = text.replace(pattern, end)
    return text


@lru_cache(maxsize=65536)
def _needle(version: str) -> str | None:
    if _PLAIN_ONE.fullmatch(version) is not None:  # the usual case: no parse needed
        return normalise_plain((version,))
    form = normal_form(parse_pep440(version))
    return None if form is None else f"\n{form}\n"


@lru_cache(maxsize=4096)
def _semver(text: str) -> SemVer | None:
    return parse_semver(text)


def _candidate_key(candidate: list[Any]) -> PepKey:
    key = parse_pep440(candidate[-1])
    assert key is not None  # unparseable candidates are dropped at import
    return key


@lru_cache(maxsize=65536)
def _pep440_spelling(value: str) -> tuple[PepKey | None, str]:
    """A version's PEP 440 key and the spelling to store: the normal form when the one
    written would need packaging's slow parser at every query."""
    key = parse_pep440(value)
    if key is None or _FAST.fullmatch(value) is not None:
        return key, value
    return key, normal_form(key) or value


def _no_advisory(row: tuple[Any, ...]) -> Advisory:
    raise AssertionError("a row compiled at import has no advisory")


def _compile_range(kind: str, events: Iterable[tuple[str, str]]) -> list[Any] | None:
    if kind != "ECOSYSTEM" and kind != "SEMVER":
        return None  # GIT and unknown types never match a version
    pep440 = kind == "ECOSYSTEM"
    keyed: list[tuple[tuple[int, Any], int, int, str | None]] = []
    limits: list[str] = []
    unlimited = False
    for index, (event, value) in enumerate(events):
        if event == "introduced" and value == "0":
            keyed.append(((0, 0), index, 0, None))
            continue
        parsed: Any
        if pep440:
            parsed, spelling = _pep440_spelling(value)
        else:
            parsed, spelling = _semver(value), value
        if event == "limit":
            if value == "*":
                unlimited = True
            elif parsed is not None:
                limits.append(spelling)
        elif parsed is not None:
            keyed.append(((1, parsed), index, _KINDS[event], spelling))
    if len(keyed) > 1:
        keyed.sort()  # by (sort key, position): positions are unique, the rest never compares
    return [
        _PEP440 if pep440 else _SEMVER,
        [[k[2], k[3]] for k in keyed],
        [] if unlimited else limits,
    ]


# Import-time memo tables (an export repeats version lists and ranges across the records
# of a package); :func:`clear_memo` empties them at the end of an import.
@lru_cache(maxsize=8192)
def _plain_text(versions: tuple[str, ...], strange: tuple[str, ...]) -> str:
    """``normalise_plain`` of an entry's plainly spelled versions ("" when none)."""
    if not strange:
        return normalise_plain(versions)
    skip = set(strange)
    plain = [v for v in versions if v not in skip]
    return normalise_plain(plain) if plain else ""


@lru_cache(maxsize=16384)
def _range_parts(kind: str, events: tuple[tuple[str, str], ...]) -> tuple[Any, tuple[str, ...]]:
    """A non-GIT range compiled, and its ``fixed`` values."""
    return _compile_range(kind, events), tuple([v for k, v in events if k == "fixed"])


def clear_memo() -> None:
    _plain_text.cache_clear()
    _range_parts.cache_clear()
    _compile_one.cache_clear()


def compile_entries(entries: Iterable[Affected]) -> tuple[str | None, str]:
    """The ``vnorm`` and ``m`` columns for one package's PyPI entries of one record."""
    if isinstance(entries, list | tuple) and len(entries) == 1:
        # The usual case, and records of one package often repeat an entry exactly.
        entry = entries[0]
        odd = entry.odd if entry.odd is not None else odd_versions(entry.versions)
        return _compile_one(entry.versions, odd, entry.ranges)
    return _compile(entries)


@lru_cache(maxsize=4096)
def _compile_one(
    versions: tuple[str, ...], odd: tuple[str, ...], ranges: tuple[Range, ...]
) -> tuple[str | None, str]:
    return _compile((Affected("PyPI", "", versions, ranges, odd),))


def _compile(entries: Iterable[Affected]) -> tuple[str | None, str]:
    # ``normalise_plain`` works on each version alone, so the framed text of several
    # lists is their framed texts joined.
    texts: list[str] = []
    odd: list[str] = []
    ranges: list[Any] = []
    fixed: dict[str, None] = {}
    for entry in entries:
        versions = entry.versions
        if versions:
            strange = entry.odd if entry.odd is not None else odd_versions(versions)
            text = _plain_text(versions, strange)
            if text:
                texts.append(text)
            if strange:
                odd.extend(strange)
        for rng in entry.ranges:
            if rng.type == "GIT":
                continue
            compiled, fixed_values = _range_parts(rng.type, rng.events)
            for value in fixed_values:
                fixed[value] = None
            if compiled is not None and compiled[1]:
                ranges.append(compiled)
    exact: list[str] = []
    keyed_odd: list[str] = []
    for version in odd:
        key = parse_pep440(version)
        form = normal_form(key)
        if form is not None:
            texts.append(normalise_plain((form,)))
        elif key is None:
            exact.append(version)
        else:
            keyed_odd.append(version)
    if not texts:
        vnorm = None
    elif len(texts) == 1:
        vnorm = texts[0]
    else:
        vnorm = "\n" + "\n".join([t[1:-1] for t in texts]) + "\n"
    candidates: list[list[Any]] = []
    if fixed:
        row = _Row(("", "", vnorm, [exact, keyed_odd, ranges, []]), _no_advisory)
        spelled = sorted(
            (k, c, spelling)
            for c in fixed
            for k, spelling in (_pep440_spelling(c),)
            if k is not None
        )
        clean_keys: set[Any] = set()
        for key, candidate, spelling in spelled:
            if row.affects(candidate, spelling):
                flag = _SELF_AFFECTED
            elif key in clean_keys:
                flag = _REPEATED
            else:
                flag = _CLEAN
                clean_keys.add(key)
            candidates.append([candidate, flag, spelling])  # as written, flag, spelling to parse
    return vnorm, compact([exact, keyed_odd, ranges, candidates])


class _Row:
    """One record's precomputed matching data for one package."""

    __slots__ = (
        "_advisory",
        "_build",
        "_flags",
        "exact",
        "fixed",
        "id",
        "keyed",
        "keys",
        "meta",
        "ranges",
        "vnorm",
    )

    def __init__(self, meta: tuple[Any, ...], build: Callable[[tuple[Any, ...]], Advisory]) -> None:
        # meta: (name, id, ..., vnorm, m); the store decides what lies between
        self.id: str = meta[1]
        self.meta = meta
        self._build = build
        self.vnorm: str | None = meta[-2]
        m = meta[-1]
        exact, self.keyed, self.ranges, self.fixed = _decode(m)[0] if isinstance(m, str) else m
        self.exact: frozenset[str] | None = frozenset(exact) if exact else None
        self.keys: frozenset[Any] | None = None
        self._advisory: Advisory | None = None
        self._flags: dict[str, bool] | None = None

    @property
    def advisory(self) -> Advisory:
        """The record's metadata, built only for records that match something."""
        if self._advisory is None:
            self._advisory = self._build(self.meta)
        return self._advisory

    def affects(self, version: str, pep: str | None = None) -> bool:
        """Does the record cover ``version``? ``pep`` is a PEP 440-equal spelling that
        parses faster (the version itself by default)."""
        pep = version if pep is None else pep
        if self.vnorm is not None:
            needle = _needle(pep)
            if needle is not None and needle in self.vnorm:
                return True
        if self.exact is not None and version in self.exact:
            return True
        if self.keyed and self._keyed_hit(pep):
            return True
        for code, events, limits in self.ranges:
            if code == _PEP440:
                if _range_hit(parse_pep440(pep), events, limits, parse_pep440):
                    return True
            elif _range_hit(_semver(version), events, limits, _semver):
                return True
        return False

    def affects_candidate(self, candidate: str, pep: str) -> bool:
        """:meth:`affects` for a fix candidate, remembered: this record's own candidates
        are flagged at import already."""
        flags = self._flags
        if flags is None:
            flags = self._flags = {c[0]: c[1] == _SELF_AFFECTED for c in self.fixed}
        found = flags.get(candidate)
        if found is None:
            found = flags[candidate] = self.affects(candidate, pep)
        return found

    def _keyed_hit(self, version: str) -> bool:
        key = parse_pep440(version)
        if key is None:
            return False
        if self.keys is None:
            keys = (parse_pep440(v) for v in self.keyed)
            self.keys = frozenset(k for k in keys if k is not None)
        return key in self.keys


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _range_hit(version: Any, events: list[list[Any]], limits: list[str], parse: Any) -> bool:
    if version is None:
        return False
    if limits and not any(version < parse(limit) for limit in limits):
        return False
    # Events are sorted: the version's state is set by the last event it reaches.
    kind: int
    for kind, value in reversed(events):
        if value is None:  # introduced: 0
            return True
        bound = parse(value)
        reached: bool = version > bound if kind == 2 else version >= bound
        if reached:
            return kind == 0
    return False


class CompiledMatcher(PackageMatcher):
    """The non-withdrawn records of one PyPI package, matched from precomputed columns.

    ``rows`` are (package, record id, ..., vnorm, m) tuples; ``build`` makes the
    :class:`Advisory` of a row that matches something.
    """

    def __init__(
        self, rows: list[tuple[Any, ...]], build: Callable[[tuple[Any, ...]], Advisory]
    ) -> None:
        self._rows = [_Row(row, build) for row in rows]
        self._by_id = {row.id: row for row in self._rows}

    def matching(self, version: str) -> list[Advisory]:
        return [row.advisory for row in self._rows if row.affects(version)]

    def fix_versions(self, advisories: list[Advisory], version: str) -> list[str]:
        return self._fixes(advisories, version, first=False)

    def first_fix(self, advisories: list[Advisory], version: str) -> str | None:
        found = self._fixes(advisories, version, first=True)
        return found[0] if found else None

    def _fixes(self, advisories: list[Advisory], version: str, *, first: bool) -> list[str]:
        rows = [self._by_id[a.id] for a in advisories]
        current = parse_pep440(version)
        if len(rows) == 1:  # everything was decided at import but where to start
            fixed = rows[0].fixed
            start = 0 if current is None else bisect_right(fixed, current, key=_candidate_key)
            return [c[0] for c in fixed[start:] if c[1] == _CLEAN]
        keyed: list[tuple[Any, str, str]] = sorted(
            {(parse_pep440(c[2]), c[0], c[2]) for row in rows for c in row.fixed}
        )
        out: list[str] = []
        taken: set[Any] = set()
        start = 0 if current is None else bisect_right(keyed, current, key=_first)
        for key, candidate, pep in keyed[start:]:
            if key in taken:
                continue
            blocker = next((r for r in rows if r.affects_candidate(candidate, pep)), None)
            if blocker is not None:
                # ascending candidates: the record that covers one likely covers the next
                if blocker is not rows[0]:
                    rows.remove(blocker)
                    rows.insert(0, blocker)
                continue
            taken.add(key)
            out.append(candidate)
            if first:
                break
        return out


__all__ = ["CompiledMatcher", "compile_entries", "normal_form", "normalise_plain"]
