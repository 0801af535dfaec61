"""License strings from Python packaging metadata, normalised to SPDX.

Sources, in the order a caller usually has them: the ``License-Expression`` field
(PEP 639, already SPDX), ``License ::`` trove classifiers, and the free-text
``License`` field. Anything that cannot be mapped honestly stays a license *name*;
nothing is guessed beyond the well-known aliases below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from license_expression import ExpressionError, Licensing, get_spdx_licensing

# Trove classifiers that name exactly one SPDX license (see the classifier list on
# the package index and the SPDX license list). Classifiers that name a family
# ("BSD License", "GNU General Public License (GPL)") are not mapped: they do not
# say which version.
_CLASSIFIERS: dict[str, str] = {
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Zope Public License": "ZPL-2.1",
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: Academic Free License (AFL)": "AFL-3.0",
    "License :: OSI Approved :: Artistic License": "Artistic-2.0",
    "License :: OSI Approved :: BSD License": "",  # family: version unknown
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: Public Domain": "",
}

# Free-text ``License:`` values seen in the wild that mean one SPDX license.
_ALIASES: dict[str, str] = {
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit-license": "MIT",
    "bsd-3": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "bsd-2": "BSD-2-Clause",
    "2-clause bsd": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "isc license": "ISC",
    "gplv3": "GPL-3.0-only",
    "gplv2": "GPL-2.0-only",
    "lgplv3": "LGPL-3.0-only",
    "cc0": "CC0-1.0",
    "public domain": "",
    "unlicense": "Unlicense",
}

# A ``License`` field longer than this is the license *text*, not its name.
_MAX_NAME = 120


@dataclass(frozen=True)
class Licenses:
    """What is known about a component's license.

    ``expression`` is one SPDX expression when everything mapped (several mapped
    licenses are combined with AND: each was declared, so each applies), ``names``
    the declarations that could not be mapped, verbatim.
    """

    expression: str | None = None
    names: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.expression is None and not self.names


@lru_cache(maxsize=1)
def _licensing() -> Licensing:
    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _spdx_ids() -> dict[str, str]:
    """Lower-case SPDX license id -> id, from the SPDX list cyclonedx-python-lib ships.

    Looking a plain id up here avoids loading the full expression parser (~70 ms).
    """
    from cyclonedx.schema._res import SPDX_JSON

    with open(SPDX_JSON, encoding="utf-8") as handle:
        ids = json.load(handle).get("enum", [])
    # deprecated "+" ids ("GPL-2.0+") go through the full parser, which modernises them
    return {str(i).lower(): str(i) for i in ids if not str(i).endswith("+")}


def spdx_expression(text: str) -> str | None:
    """``text`` as a normalised SPDX expression, or None when it is not one."""
    text = text.strip()
    if not text or len(text) > 1000 or "\n" in text:
        return None
    padded = f" {text.upper()} "
    compound = "(" in text or any(op in padded for op in (" AND ", " OR ", " WITH "))
    if not compound and not text.endswith("+"):
        # one token: the SPDX id list answers without loading the expression parser
        known = _spdx_ids().get(text.lower())
        if known is not None or not text.lower().startswith("licenseref-"):
            return known
    quick = _quick_expression(text)
    if quick is not None:
        return quick
    try:
        parsed = _licensing().parse(text, validate=True, strict=True)
    except (ExpressionError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    if parsed is None:
        return None
    return str(parsed)


_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9.+:-]+)")
_MAX_TOKENS = 200


def _quick_expression(text: str) -> str | None:
    """Normalise an expression made only of current SPDX ids, without the full parser.

    Grammar (SPDX annex D, minus deprecated forms): ``expr := term ((AND|OR) term)*``,
    ``term := "(" expr ")" | id ["WITH" id]``. Anything else returns None and
    is left to license-expression.
    """
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                return None
            break
        tokens.append(match.group(1))
        position = match.end()
        if len(tokens) > _MAX_TOKENS:
            return None
    ids = _spdx_ids()
    out: list[str] = []
    index = 0

    def ident() -> bool:
        nonlocal index
        if index >= len(tokens):
            return False
        known = ids.get(tokens[index].lower())  # "+" forms are deprecated: full parser
        if known is None:
            return False
        out.append(known)
        index += 1
        return True

    def term(depth: int) -> bool:
        nonlocal index
        if depth > 20 or index >= len(tokens):
            return False
        if tokens[index] == "(":
            out.append("(")
            index += 1
            if not expr(depth + 1) or index >= len(tokens) or tokens[index] != ")":
                return False
            out.append(")")
            index += 1
            return True
        if not ident():
            return False
        if index < len(tokens) and tokens[index].upper() == "WITH":
            out.append("WITH")
            index += 1
            return ident()
        return True

    def expr(depth: int) -> bool:
        nonlocal index
        if not term(depth):
            return False
        while index < len(tokens) and tokens[index].upper() in ("AND", "OR"):
            out.append(tokens[index].upper())
            index += 1
            if not term(depth):
                return False
        return True

    if not expr(0) or index != len(tokens):
        return None
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def _one(text: str) -> tuple[str | None, str | None]:
    """(spdx, name) for one declaration; both None when it says nothing usable."""
    text = text.strip()
    if not text or text.upper() in {"UNKNOWN", "NOASSERTION", "NONE"}:
        return None, None
    if text.startswith("License ::"):
        mapped = _CLASSIFIERS.get(text)
        if mapped:
            return mapped, None
        return None, text.rsplit("::", 1)[-1].strip()
    if "\n" in text or len(text) > _MAX_NAME:
        first = text.strip().splitlines()[0].strip()
        return _one(first) if first and len(first) <= _MAX_NAME else (None, None)
    expression = spdx_expression(text)
    if expression is not None:
        return expression, None
    alias = _ALIASES.get(text.lower().rstrip("."))
    if alias:
        return alias, None
    return None, text


def normalize(declarations: Iterable[str]) -> Licenses:
    """Normalise license declarations (expressions, classifiers, free text)."""
    spdx: list[str] = []
    names: list[str] = []
    for text in declarations:
        mapped, name = _one(text)
        if mapped and mapped not in spdx:
            spdx.append(mapped)
        elif name and name not in names:
            names.append(name)
    if names and not spdx:
        return Licenses(None, tuple(names))
    if not spdx:
        return Licenses()
    # A classifier family name ("BSD License") next to a precise expression adds nothing.
    if len(spdx) == 1:
        return Licenses(spdx[0], ())
    # each part is a valid expression already, so the conjunction is one too
    return Licenses(" AND ".join(f"({item})" if " " in item else item for item in spdx), ())


__all__ = ["Licenses", "normalize", "spdx_expression"]
