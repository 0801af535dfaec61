"""TFLite flatbuffers: operator codes and Flex NodeDefs read without TensorFlow.

Files from tests/assets/models/formats2/generate.py (flatbuffers builder + the
tflite package's schema classes; the benign dense model runs in ai-edge-litert).
"""

from __future__ import annotations

import random

from chainward.models import scan_bytes
from chainward.models.tflite import CUSTOM, FlatbufferError, parse_model
from chainward.records import Verdict
from tests.conftest import asset

ROOT = asset("models") / "formats2"


def _read(rel: str) -> bytes:
    return (ROOT / rel).read_bytes()


def _rules(data: bytes) -> list[str]:
    return sorted(f.rule for f in scan_bytes(data, "m.tflite").findings)


def test_operator_codes_and_flex_nodedefs() -> None:
    facts = parse_model(_read("benign/tflite/dense.tflite"))
    assert [c.builtin for c in facts.codes] == [9]  # FULLY_CONNECTED
    assert facts.operators == 1
    facts = parse_model(_read("malicious/tflite/flex_disguised_write_file.tflite"))
    assert facts.codes[1].builtin == CUSTOM
    assert facts.codes[1].custom == "FlexStringUpper"
    assert facts.flex_nodes == {1: {"WriteFile"}}


def test_unknown_custom_op_is_review() -> None:
    data = _read("benign/tflite/detection_postprocess.tflite")
    assert _rules(data) == []
    renamed = data.replace(b"TFLite_Detection_PostProcess", b"Vendor_Native_Code_Operator_")
    assert _rules(renamed) == ["tflite-custom-op"]
    assert scan_bytes(renamed, "m.tflite").verdict is Verdict.SUSPICIOUS


def test_flex_name_alone_is_enough() -> None:
    # NodeDef unreadable: the custom code name still names the danger
    data = bytearray(_read("malicious/tflite/flex_read_file.tflite"))
    # break the FlexBuffer root width byte (last byte of custom options: ..., type, width)
    index = data.find(b"ReadFile\x00") + 9
    options_end = data.find(b"\x28\x01", index)  # packed VECTOR type, root width 1
    assert options_end > 0
    data[options_end + 1] = 3
    rules = _rules(bytes(data))
    assert "tflite-dangerous-op" in rules and "tflite-flex-unreadable" in rules


def test_not_tflite_and_truncated() -> None:
    try:
        parse_model(b"\x00" * 16)
    except FlatbufferError:
        pass
    else:
        raise AssertionError("no identifier accepted")
    data = _read("malicious/tflite/flex_write_file.tflite")
    for cut in (12, 40, len(data) // 2):
        result = scan_bytes(data[:cut], "cut.tflite")
        assert not any(f.rule == "internal-error" for f in result.findings)


def test_fuzzed_flatbuffers_never_crash() -> None:
    rng = random.Random(7)
    for rel in ("benign/tflite/dense.tflite", "malicious/tflite/flex_disguised_write_file.tflite"):
        data = _read(rel)
        for _ in range(150):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                mutated[rng.randrange(8, len(data))] = rng.randrange(256)
            result = scan_bytes(bytes(mutated), "fuzz.tflite")
            assert not any(f.rule == "internal-error" for f in result.findings)


def test_checkpoint_ops_are_dangerous_as_flex_ops() -> None:
    # "WriteFile" and "RestoreV2" have the same length: rename code and NodeDef in place
    data = _read("malicious/tflite/flex_write_file.tflite")
    renamed = data.replace(b"FlexWriteFile", b"FlexRestoreV2").replace(b"WriteFile", b"RestoreV2")
    facts = parse_model(renamed)
    assert facts.codes[1].custom == "FlexRestoreV2"
    result = scan_bytes(renamed, "m.tflite")
    assert result.verdict is Verdict.UNSAFE
    assert any("RestoreV2" in f.message for f in result.findings)
