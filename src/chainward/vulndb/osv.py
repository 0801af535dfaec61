"""OSV JSON records (https://ossf.github.io/osv-schema/) into what the store indexes.

Validation is structural and tolerant: a record missing ``id``/``modified`` or with a
malformed ``affected`` list is rejected with :class:`MalformedRecord` (the importer
skips and counts it); unknown fields are kept untouched in the stored full record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chainward.records import Severity, canonical_name
from chainward.vulndb.interface import Affected, Range
from chainward.vulndb.match import odd_versions
from chainward.vulndb.severity import record_severity

_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_COMPACT = json.JSONEncoder(separators=(",", ":"))
_SUMMARY_MAX = 300


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
    return canonical_name(name) if ecosystem == "PyPI" else name


def _summary(record: Mapping[str, Any]) -> str:
    text = record.get("summary")
    if not isinstance(text, str) or not text.strip():
        details = record.get("details")
        text = ""
        if isinstance(details, str):
            for line in details[:4096].splitlines():
                if line.strip():
                    text = line
                    break
    text = " ".join(text.split())
    return text if len(text) <= _SUMMARY_MAX else text[: _SUMMARY_MAX - 1] + "…"


def _strings(values: Any) -> tuple[str, ...]:
    try:
        "".join(values)  # C-speed check that every item is a string (the usual case)
    except TypeError:
        return tuple(str(v) for v in values if isinstance(v, str | int | float))
    return tuple(values)


def _range(raw: Any) -> Range:
    if not isinstance(raw, Mapping):
        raise MalformedRecord("a range is not an object")
    events: list[tuple[str, str]] = []
    for event in raw.get("events") or ():
        if not isinstance(event, dict):
            raise MalformedRecord("a range event is not an object")
        for kind, value in event.items():
            if kind in _EVENT_KINDS and isinstance(value, str):
                events.append((kind, value))
                break
    return Range(str(raw.get("type", "")), tuple(events))


def _affected(raw: Any) -> Affected | None:
    if not isinstance(raw, Mapping):
        raise MalformedRecord("an affected entry is not an object")
    package = raw.get("package")
    if not isinstance(package, Mapping):
        return None  # OSV allows affected entries without a package (commit-only)
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
        raise MalformedRecord("an affected package lacks ecosystem or name")
    # Ecosystems may carry a suffix ("Debian:11"); only the base name matters here.
    base = ecosystem.split(":", 1)[0]
    versions = raw.get("versions") or ()
    if not isinstance(versions, list | tuple):
        raise MalformedRecord("affected versions is not a list")
    ranges = raw.get("ranges") or ()
    if not isinstance(ranges, list | tuple):
        raise MalformedRecord("affected ranges is not a list")
    listed = _strings(versions)
    return Affected(
        ecosystem=base,
        name=normalize_package(base, name),
        versions=listed,
        ranges=tuple(_range(r) for r in ranges),
        odd=odd_versions(listed) if base == "PyPI" else (),
    )


def parse_record(raw: bytes) -> ParsedRecord:
    try:
        record = json.loads(raw)
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
        affected = tuple(a for a in (_affected(x) for x in affected_raw) if a is not None)
    except MalformedRecord as exc:
        raise MalformedRecord(f"{ident}: {exc}") from None
    withdrawn = record.get("withdrawn")
    return ParsedRecord(
        id=ident.strip(),
        modified=modified.strip(),
        withdrawn=withdrawn if isinstance(withdrawn, str) and withdrawn else None,
        aliases=tuple(str(a) for a in aliases if isinstance(a, str) and a != ident),
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
    """
    return _COMPACT.encode(
        [
            [
                e.ecosystem,
                e.name,
                e.versions,
                [[r.type, r.events] for r in e.ranges],
                () if e.ecosystem != "PyPI" else _odd(e),
            ]
            for e in entries
        ]
    )


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
