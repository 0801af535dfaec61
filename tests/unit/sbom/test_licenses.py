from __future__ import annotations

import pytest

from chainward.sbom.licenses import Licenses, normalize, spdx_expression


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (["License :: OSI Approved :: MIT License"], "MIT"),
        (["License :: OSI Approved :: Apache Software License"], "Apache-2.0"),
        (["Apache 2.0"], "Apache-2.0"),
        (["new BSD License"], "BSD-3-Clause"),
        (["mit"], "MIT"),
        (["GPL-2.0+"], "GPL-2.0-or-later"),
        (["BSD-3-Clause OR MIT"], "BSD-3-Clause OR MIT"),
        # a classifier family next to the precise License-Expression adds nothing
        (["License :: OSI Approved :: BSD License", "BSD-3-Clause"], "BSD-3-Clause"),
        (["MIT", "License :: OSI Approved :: MIT License"], "MIT"),
        (["MIT", "Apache-2.0"], "MIT AND Apache-2.0"),
    ],
)
def test_normalises_to_spdx(declared: list[str], expected: str) -> None:
    assert normalize(declared) == Licenses(expected, ())


def test_unmappable_declarations_stay_names() -> None:
    assert normalize(["Proprietary, see LICENSE"]) == Licenses(None, ("Proprietary, see LICENSE",))
    assert normalize(["License :: OSI Approved :: BSD License"]) == Licenses(None, ("BSD License",))


def test_nothing_declared_is_empty() -> None:
    assert normalize([]).empty
    assert normalize(["UNKNOWN", "  "]).empty


def test_full_license_text_uses_its_first_line_only() -> None:
    text = "MIT License\n\nCopyright (c) 2020 someone\n\nPermission is hereby granted..." * 5
    assert normalize([text]) == Licenses("MIT", ())


def test_garbage_is_not_an_expression() -> None:
    assert spdx_expression("MIT AND (") is None
    assert spdx_expression("x" * 5000) is None
    assert spdx_expression("(" * 400 + "MIT" + ")" * 400) in (None, "MIT")


@pytest.mark.parametrize(
    "text",
    [
        "MIT OR Apache-2.0",
        "(mit or apache-2.0) AND bsd-3-clause",
        "Apache-2.0 WITH LLVM-exception",
        "BSD-2-Clause AND (MIT OR (Apache-2.0 AND ISC))",
        "MIT AND",
        "MIT OR Foo",
        "GPL-2.0+",
        "LicenseRef-Custom",
    ],
)
def test_fast_path_agrees_with_license_expression(text: str) -> None:
    from license_expression import get_spdx_licensing

    try:
        reference: str | None = str(get_spdx_licensing().parse(text, validate=True, strict=True))
    except Exception:
        reference = None
    assert spdx_expression(text) == reference
