"""Second red-team pass (containers and non-pickle formats): one regression test per gap.

Archives are built field by field in memory (zipfile refuses some of these shapes), the
payloads are inert and nothing is ever loaded. The corpus samples are in
tests/assets/models/*/redteam2 (generate.py sections red_team2_benign/red_team2_malicious).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from chainward.models import scan, scan_bytes
from chainward.models.detect import classify_zip_names, detect_bytes
from chainward.models.jinja import analyze_template
from chainward.models.zipread import read_index
from chainward.records import Verdict

PAYLOAD = b"cos\nsystem\n(S'true'\ntR."
BENIGN_PICKLE = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x07s."


def _local(name: bytes, data: bytes) -> bytes:
    return (
        struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data),
            len(data), len(name), 0,
        )
        + name
        + data
    )  # fmt: skip


def _central(name: bytes, data: bytes, offset: int) -> bytes:
    return (
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data),
            len(data), len(name), 0, 0, 0, 0, 0, offset,
        )
        + name
    )  # fmt: skip


def _end(count: int, size: int, offset: int) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


def _zip(members: list[tuple[bytes, bytes]], *, before_end: bytes = b"") -> bytes:
    out = bytearray()
    central = bytearray()
    for name, data in members:
        central += _central(name, data, len(out))
        out += _local(name, data)
    offset = len(out)
    return bytes(out + central + before_end + _end(len(members), len(central), offset))


def _torch(pickle: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"archive/data.pkl", pickle),
        (b"archive/byteorder", b"little"),
        (b"archive/version", b"3\n"),
    ]


def _verdict(data: bytes) -> tuple[Verdict, list[str]]:
    result = scan_bytes(data, "sample")
    return result.verdict, [f.rule for f in result.findings]


# ------------------------------------------------------------------ zip directories


def test_bytes_between_directory_and_end_record() -> None:
    # miniz (torch.load) reads the directory at the recorded offset; zipfile takes the gap
    # for a prefix and finds nothing
    data = _zip(_torch(PAYLOAD), before_end=b"\x00" * 64)
    index = read_index(io.BytesIO(data), len(data))
    assert index.entries[0].name == "archive/data.pkl"
    assert not index.ambiguous  # zipfile sees no directory at all: nothing to disagree with
    verdict, rules = _verdict(data)
    assert verdict is Verdict.UNSAFE and "pickle-dangerous-call" in rules


def test_two_directories_both_read() -> None:
    out = bytearray(_local(b"padding", b"\x00" * 512))
    evil, benign = _torch(PAYLOAD), _torch(BENIGN_PICKLE)
    offsets: list[list[int]] = [[], []]
    for which, members in enumerate((evil, benign)):
        for name, data in members:
            offsets[which].append(len(out))
            out += _local(name, data)
    for_miniz = b"".join(_central(n, d, o) for (n, d), o in zip(evil, offsets[0], strict=True))
    shift = len(for_miniz)
    for_zipfile = b"".join(
        _central(n, d, o - shift) for (n, d), o in zip(benign, offsets[1], strict=True)
    )
    start = len(out)
    data = bytes(out + for_miniz + for_zipfile + _end(3, len(for_zipfile), start))
    assert zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl") == BENIGN_PICKLE
    index = read_index(io.BytesIO(data), len(data))
    assert index.ambiguous and len(index.entries) == 6
    verdict, rules = _verdict(data)
    assert verdict is Verdict.UNSAFE
    assert "zip-ambiguous-directory" in rules and "pickle-dangerous-call" in rules


def test_ordinary_zip_reads_one_directory() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a.txt", "x")
    data = b"MZ prefix" + buf.getvalue()  # a self-extractor: offsets do not count the prefix
    index = read_index(io.BytesIO(data), len(data))
    assert [e.name for e in index.entries] == ["a.txt"] and not index.ambiguous


# ------------------------------------------------------------------ torch names


def test_torch_record_names_ignore_case() -> None:
    assert classify_zip_names(["archive/DATA.PKL", "archive/VERSION"]) == "pytorch"
    assert classify_zip_names(["ts/CONSTANTS.PKL", "ts/CODE/__TORCH__.PY"]) == "pytorch"
    code = b"def forward(self, x):\n    return torch.from_file('/nonexistent', False, 4)\n"
    members = [
        (b"ts/DATA.PKL", BENIGN_PICKLE),
        (b"ts/CODE/__TORCH__.PY", code),
        (b"ts/CONSTANTS.PKL", b"\x80\x02)."),
        (b"ts/VERSION", b"3\n"),
    ]
    verdict, rules = _verdict(_zip(members))
    assert verdict is Verdict.UNSAFE and "torchscript-dangerous-op" in rules


# ------------------------------------------------------------------ keras

LAMBDA_CONFIG = {
    "module": "keras",
    "class_name": "Sequential",
    "config": {
        "name": "s",
        "layers": [
            {
                "module": "keras.layers",
                "class_name": "Lambda",
                "config": {
                    "name": "lam",
                    "function": {"class_name": "__lambda__", "config": {"code": "YQ=="}},
                },
                "registered_name": None,
            }
        ],
    },
    "registered_name": None,
}


def test_keras_config_name_cut_at_nul() -> None:
    data = _zip(
        [(b"metadata.json", b"{}"), (b"config.json\x00x", json.dumps(LAMBDA_CONFIG).encode())]
    )
    verdict, rules = _verdict(data)
    assert verdict is Verdict.UNSAFE and "keras-lambda-bytecode" in rules


def test_keras_archive_with_config_alone() -> None:
    verdict, rules = _verdict(_zip([(b"config.json", json.dumps(LAMBDA_CONFIG).encode())]))
    assert verdict is Verdict.UNSAFE and "keras-lambda-bytecode" in rules


def test_zip_behind_text_is_found() -> None:
    archive = _zip([(b"config.json", json.dumps(LAMBDA_CONFIG).encode())])
    verdict, rules = _verdict(b"#!/bin/sh\n# no NUL byte here\n" * 60 + archive)
    assert verdict is Verdict.UNSAFE and "keras-lambda-bytecode" in rules
    text = b"the end record starts with PK\x05\x06 and is 22 bytes long\n" * 3
    assert detect_bytes(text) is None


def test_keras_model_folder_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(LAMBDA_CONFIG, indent=2))
    (tmp_path / "metadata.json").write_text('{"keras_version": "3.15.1"}')
    result = scan(tmp_path)
    assert result.verdict is Verdict.UNSAFE
    assert [f.format for f in result.files] == ["keras-config"]


@pytest.mark.parametrize(
    "config",
    [
        {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8},
        {"_class_name": "UNet2DModel", "_diffusers_version": "0.30.0", "in_channels": 3},
        {"class_name": "x"},  # no nested config
    ],
)
def test_other_json_configs_are_not_keras(config: dict[str, object]) -> None:
    assert detect_bytes(json.dumps(config).encode()) is None


def test_keras_hub_modules_are_keras() -> None:
    layer = {
        "module": "keras_hub.src.layers.modeling.transformer_encoder",
        "class_name": "TransformerEncoder",
        "config": {"name": "enc", "intermediate_dim": 8, "num_heads": 2},
        "registered_name": "keras_hub>TransformerEncoder",
    }
    config = dict(LAMBDA_CONFIG, config={"name": "s", "layers": [layer]})
    verdict, rules = _verdict(_zip([(b"config.json", json.dumps(config).encode())]))
    assert verdict is Verdict.SAFE, rules


# ------------------------------------------------------------------ chat templates


@pytest.mark.parametrize(
    "template",
    [
        "{% set u = '_' * 2 %}{% set c = u ~ 'class' ~ u %}{{ ()[c] }}",
        "{% set n = '_'*2 ~ 'globals' ~ '_'*2 %}{{ [f]|map(attribute=n)|list }}",
        "{% set n = '_'*2 ~ 'globals' ~ '_'*2 %}{{ [f]|selectattr(n)|list }}",
        "{% set u = (dict(_=1)|first) * 2 %}{{ ()[u ~ 'class' ~ u] }}",
        "{{ ()[dict(__class__=1)|join] }}",
        "{% set c %}{{ '_' * 2 }}class{{ '_' * 2 }}{% endset %}{{ ()[c] }}",
        "{{ ()['%c%cclass%c%c' % (95, 95, 95, 95)] }}",
        "{% set c = '%c%cclass%c%c'|format(95, 95, 95, 95) %}{{ ()[c] }}",
        "{% set c = 'ssalc'|reverse %}{{ ()['_' * 2 ~ c ~ '_' * 2] }}",
    ],
)
def test_built_dunder_names(template: str) -> None:
    assert any(issue.rule.startswith("template-dunder") for issue in analyze_template(template))


@pytest.mark.parametrize(
    "template",
    [
        "{% set k = 'role' %}{% for m in messages %}{{ m[k] }}{% endfor %}",
        "{% for m in messages %}{{ m['_meta'] }}{{ m|map(attribute='content')|join }}{% endfor %}",
        "{{ '%999999999c'|format(95) }}",  # never formatted: a huge width would allocate
        "{% set x = x ~ 'a' %}{{ y[x] }}",  # a variable defined through itself
    ],
)
def test_ordinary_computed_keys_are_clean(template: str) -> None:
    assert analyze_template(template) == []
