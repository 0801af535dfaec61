"""JSON text the way the store writes it, without per-call set-up.

``compact(value)`` is ``json.JSONEncoder(separators=(",", ":")).encode(value)`` and
``spaced(value)`` is ``json.dumps(value)``, byte for byte. An import encodes three small
values per record; ``JSONEncoder.encode`` builds a new C encoder at every call, which
costs more than the encoding itself, so one encoder is built here and reused (the
stdlib's own, with the stdlib as a fallback when it is not available).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_SAMPLE: Any = [["a", "\u00e9", '"\\\n', ""], [1, None, 2.5, True, False], [], (), {"k": [0]}]


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _encoder(item: str, key: str) -> Callable[[Any], str]:
    reference = json.JSONEncoder(separators=(item, key)).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    escape = getattr(json.encoder, "c_encode_basestring_ascii", None)
    if make is None or escape is None:
        return reference
    try:
        # (markers, default, encoder, indent, key_separator, item_separator, sort_keys,
        # skipkeys, allow_nan): the values JSONEncoder passes; no cycle check (the store
        # encodes trees it builds itself).
        fast = make(None, _not_serializable, escape, None, key, item, False, False, True)

        def encode(value: Any) -> str:
            return "".join(fast(value, 0))

        if encode(_SAMPLE) == reference(_SAMPLE):
            return encode
    except Exception:  # another interpreter's private API: use the public one
        pass
    return reference


compact = _encoder(",", ":")
spaced = _encoder(", ", ": ")


def string_list(values: tuple[str, ...] | list[str], separator: str = ",") -> str:
    """``compact`` (or ``spaced`` with ``", "``) of a list of strings, by joining them
    when no string needs escaping (the usual case: versions, ids)."""
    if not values:
        return "[]"
    joined = "".join(values)
    if joined.isascii() and joined.isprintable() and '"' not in joined and "\\" not in joined:
        return '["' + f'"{separator}"'.join(values) + '"]'
    return compact(list(values)) if separator == "," else spaced(list(values))


def read_string_list(text: str) -> tuple[str, ...]:
    """What :func:`string_list` wrote (either separator), as a tuple.

    Without a backslash the JSON strings hold no quote, so the separator splits them
    exactly; that is every real alias or version, and it skips the JSON parser (a good
    part of building the advisories of a large audit).
    """
    if text == "[]":
        return ()
    if "\\" not in text:
        separator = '","' if '","' in text else '", "'
        return tuple(text[2:-2].split(separator))
    return tuple(json.loads(text))


__all__ = ["compact", "read_string_list", "spaced", "string_list"]
