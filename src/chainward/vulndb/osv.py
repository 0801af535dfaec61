"""OSV JSON records (https://ossf.github.io/osv-schema/) into what the store indexes.

Validation is structural and tolerant: a record missing ``id``/``modified`` or with a
malformed ``affected`` list is rejected with :class:`MalformedRecord` (the importer
skips and counts it); unknown fields are kept untouched in the stored full record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chainward.records import Severity, canonical_name
from chainward.vulndb._json import compact, string_list
from chainward.vulndb.interface import Affected, Range
from chainward.vulndb.match import _PLAIN_ONE, odd_versions
from chainward.vulndb.severity import record_severity

_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_SUMMARY_MAX = 300
_MAPPING = (dict, Mapping)  # dict first: records come from JSON, the ABC check is slow
_decode_text = json.JSONDecoder().decode


class MalformedRecord(ValueError):
    """An OSV record that cannot be indexed."""


@dataclass(frozen=True)
class ParsedRecord:
    id: str
    modified: str
    withdrawn: str | None
    aliases: tuple[str, ...]
    summary: str
    severity: Severity | None
    affected: tuple[Affected, ...]
    raw: bytes


def normalize_package(ecosystem: str, name: str) -> str:
    """Names are compared PEP 503 normalised for PyPI, verbatim elsewhere."""
    return _canonical(name) if ecosystem == "PyPI" else name


# Import-time memo tables: an export repeats package names, version lists (every record
# of a package lists much the same releases), ranges and severity vectors many times.
# ``clear_memo`` empties them at the end of an import.
@lru_cache(maxsize=16384)
def _canonical(name: str) -> str:
    return canonical_name(name)


_VERSION_LISTS: dict[tuple[str, ...], tuple[str, ...]] = {}
_MAX_VERSION_LISTS = 100_000
_LETTERED: dict[str, bool] = {}  # version -> not spelled plainly


@lru_cache(maxsize=8192)
def _odd_of(versions: tuple[str, ...]) -> tuple[str, ...]:
    """``odd_versions(versions)``, computed once per distinct list in an import."""
    return odd_versions(versions, _lettered_not_plain)


def _lettered_not_plain(version: str) -> bool:
    """Versions with letters (pre-, post-, dev releases) repeat across lists: each is
    matched against the plain spelling once per import."""
    verdict = _LETTERED.get(version)
    if verdict is None:
        if len(_LETTERED) > _MAX_VERSION_LISTS:
            _LETTERED.clear()
        verdict = _LETTERED[version] = _PLAIN_ONE.fullmatch(version) is None
    return verdict


@lru_cache(maxsize=8192)
def _strings_json(values: tuple[str, ...]) -> str:
    return string_list(values)


@lru_cache(maxsize=16384)
def _entry_head(ecosystem: str, name: str) -> str:
    return compact([ecosystem, name])[:-1] + ","


@lru_cache(maxsize=8192)
def _ranges_json(ranges: tuple[Range, ...]) -> str:
    return compact([[r.type, r.events] for r in ranges])


@lru_cache(maxsize=16384)
def _range_object(kind: str, events: tuple[tuple[str, str], ...]) -> Range:
    return Range(kind, events)


def clear_memo() -> None:
    """Forget the import-time memo tables (they only help within one import)."""
    for cached in (_canonical, _odd_of, _strings_json, _entry_head, _ranges_json, _range_object):
        cached.cache_clear()
    _VERSION_LISTS.clear()
    _LETTERED.clear()


def _summary(record: Mapping[str, Any]) -> str:
    text = record.get("summary")
    if not isinstance(text, str) or not text.strip():
        details = record.get("details")
        text = ""
        if isinstance(details, str):
            # The first line holding anything but white space: every line boundary is
            # white space, so it starts where the stripped text starts.
            rest = details[:4096].lstrip()
            if rest:
                text = rest.partition("\n")[0].splitlines()[0]
    if not text.isprintable() or "  " in text or text[:1] == " " or text[-1:] == " ":
        # (every white space character but " " is unprintable: else it is already so)
        text = " ".join(text.split())
    return text if len(text) <= _SUMMARY_MAX else text[: _SUMMARY_MAX - 1] + "…"


def _strings(values: Any) -> tuple[str, ...]:
    try:
        "".join(values)  # C-speed check that every item is a string (the usual case)
    except TypeError:
        return tuple(str(v) for v in values if isinstance(v, str | int | float))
    return tuple(values)


def _range(raw: Any) -> Range:
    if not isinstance(raw, _MAPPING):
        raise MalformedRecord("a range is not an object")
    events: list[tuple[str, str]] = []
    try:
        listed = iter(raw.get("events") or ())
    except TypeError:
        raise MalformedRecord("range events is not a list") from None
    for event in listed:
        if not isinstance(event, dict):
            raise MalformedRecord("a range event is not an object")
        for kind, value in event.items():
            if kind in _EVENT_KINDS and isinstance(value, str):
                events.append((kind, value))
                break
    return _range_object(str(raw.get("type", "")), tuple(events))


def _affected(raw: Any) -> Affected | None:
    if not isinstance(raw, _MAPPING):
        raise MalformedRecord("an affected entry is not an object")
    package = raw.get("package")
    if not isinstance(package, _MAPPING):
        return None  # OSV allows affected entries without a package (commit-only)
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
        raise MalformedRecord("an affected package lacks ecosystem or name")
    # Ecosystems may carry a suffix ("Debian:11"); only the base name matters here.
    base = ecosystem.partition(":")[0]
    versions = raw.get("versions") or ()
    if not isinstance(versions, list | tuple):
        raise MalformedRecord("affected versions is not a list")
    ranges = raw.get("ranges") or ()
    if not isinstance(ranges, list | tuple):
        raise MalformedRecord("affected ranges is not a list")
    listed = _strings(versions)
    if listed:
        # One object per distinct list: the memo tables below then find it by identity
        # instead of comparing hundreds of strings.
        if len(_VERSION_LISTS) > _MAX_VERSION_LISTS:
            _VERSION_LISTS.clear()
        listed = _VERSION_LISTS.setdefault(listed, listed)
    return Affected(
        ecosystem=base,
        name=normalize_package(base, name),
        versions=listed,
        ranges=tuple([_range(r) for r in ranges]),
        odd=_odd_of(listed) if base == "PyPI" else (),
    )


def _loads(raw: bytes) -> Any:
    if raw[:1] == b"{" and len(raw) > 1 and raw[1]:
        # What json.loads does with such bytes (UTF-8, no BOM), minus its detection.
        return _decode_text(raw.decode("utf-8", "surrogatepass"))
    return json.loads(raw)


def parse_record(raw: bytes) -> ParsedRecord:
    try:
        record = _loads(raw) if isinstance(raw, bytes) else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRecord(f"not JSON: {exc}") from None
    except RecursionError:
        raise MalformedRecord("JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise MalformedRecord("not a JSON object")
    ident, modified = record.get("id"), record.get("modified")
    if not isinstance(ident, str) or not ident.strip():
        raise MalformedRecord("no id")
    if not isinstance(modified, str) or not modified.strip():
        raise MalformedRecord(f"{ident}: no modified timestamp")
    aliases = record.get("aliases") or ()
    if not isinstance(aliases, list | tuple):
        raise MalformedRecord(f"{ident}: aliases is not a list")
    affected_raw = record.get("affected") or ()
    if not isinstance(affected_raw, list | tuple):
        raise MalformedRecord(f"{ident}: affected is not a list")
    try:
        affected = tuple([a for a in map(_affected, affected_raw) if a is not None])
    except MalformedRecord as exc:
        raise MalformedRecord(f"{ident}: {exc}") from None
    withdrawn = record.get("withdrawn")
    return ParsedRecord(
        id=ident.strip(),
        modified=modified.strip(),
        withdrawn=withdrawn if isinstance(withdrawn, str) and withdrawn else None,
        aliases=tuple([str(a) for a in aliases if isinstance(a, str) and a != ident]),
        summary=_summary(record),
        severity=record_severity(record),
        affected=affected,
        raw=raw if isinstance(raw, bytes) else bytes(raw),
    )


def _odd(entry: Affected) -> tuple[str, ...]:
    return entry.odd if entry.odd is not None else odd_versions(entry.versions)


def affected_to_json(entries: list[Affected]) -> str:
    """Compact form of one package's ``affected`` entries, as the store keeps it for matching.

    Each entry is [ecosystem, name, versions, ranges, odd]: ``odd`` lists the versions not
    spelled plainly, found once at import so that queries never scan the whole list.
    (The compact JSON of that list, assembled from memoised pieces.)
    """
    parts = []
    for e in entries:
        parts.append(
            _entry_head(e.ecosystem, e.name)
            + _strings_json(e.versions)
            + ","
            + _ranges_json(e.ranges)
            + ","
            + ("[]" if e.ecosystem != "PyPI" else string_list(_odd(e)))
            + "]"
        )
    return "[" + ",".join(parts) + "]"


def affected_from_json(text: str) -> tuple[Affected, ...]:
    out = []
    for ecosystem, name, versions, ranges, odd in json.loads(text):
        out.append(
            Affected(
                ecosystem,
                name,
                tuple(versions),
                tuple([Range(t, tuple(map(tuple, events))) for t, events in ranges]),
                tuple(odd),
            )
        )
    return tuple(out)


__all__ = [
    "MalformedRecord",
    "ParsedRecord",
    "affected_from_json",
    "affected_to_json",
    "normalize_package",
    "parse_record",
]
