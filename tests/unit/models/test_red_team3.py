"""Third red-team pass: one regression test per gap (whole-object pickles of real
libraries, and classes whose constructors touch the file system).

Payloads are built in memory, inert and only parsed. The corpus samples are in
tests/assets/models/*/redteam3 (generate.py sections red_team3_benign/red_team3_malicious).
"""

from __future__ import annotations

import pytest

from chainward.models import scan_bytes
from chainward.records import Verdict


def s(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def stack(module: str, name: str) -> bytes:
    return s(module) + s(name) + b"\x93"


def p4(body: bytes) -> bytes:
    return b"\x80\x04" + body + b"."


def verdict(body: bytes) -> Verdict:
    return scan_bytes(p4(body), "payload").verdict


def getattr_of(owner: bytes, name: str) -> bytes:
    return stack("builtins", "getattr") + owner + s(name) + b"\x86R"


CYCLIC = stack("torch.optim.lr_scheduler", "CyclicLR")


# torch.save of a whole CyclicLR keeps its static scale function as getattr(CyclicLR, name)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("_triangular_scale_fn", Verdict.SAFE),
        ("_exp_range_scale_fn", Verdict.SAFE),
        ("_initial_step", Verdict.UNSAFE),
        ("__init__", Verdict.UNSAFE),
    ],
)
def test_private_static_method_only_when_listed(name: str, expected: Verdict) -> None:
    assert verdict(s("f") + getattr_of(CYCLIC, name) + b"\x86") is expected


def test_partial_of_a_listed_static_method_is_data() -> None:
    partial = stack("functools", "partial") + getattr_of(CYCLIC, "_exp_range_scale_fn")
    assert verdict(partial + b"G?\xe0\x00\x00\x00\x00\x00\x00\x86R") is Verdict.SAFE
    called = partial + b"K\x01\x86R" + b"K\x02\x85R"  # calling the partial is computed
    assert verdict(called) is Verdict.UNSAFE


RANDINT = stack("scipy.stats._discrete_distns", "randint_gen") + b")\x81"


# RandomizedSearchCV over scipy.stats.randint: vecentropy = vectorize(self._entropy)
@pytest.mark.parametrize(
    ("owner", "name", "expected"),
    [
        (RANDINT, "_entropy", Verdict.SAFE),
        (RANDINT, "rvs", Verdict.UNSAFE),
        (RANDINT, "__reduce__", Verdict.UNSAFE),
        (stack("sklearn.linear_model", "Ridge") + b")\x81", "_entropy", Verdict.UNSAFE),
        (stack("scipy.stats._discrete_distns", "randint_gen") + b")R", "_entropy", Verdict.UNSAFE),
    ],
)
def test_distribution_bound_method(owner: bytes, name: str, expected: Verdict) -> None:
    vectorize = stack("numpy", "vectorize") + b")\x81}(" + s("pyfunc")
    body = vectorize + getattr_of(owner, name) + s("__name__") + s(name) + b"ub"
    result = scan_bytes(p4(body), "payload")
    assert result.verdict is expected
    assert "pickle-malformed" not in [f.rule for f in result.findings]


def test_vectorize_is_rebuilt_never_called() -> None:
    assert verdict(stack("numpy", "vectorize") + b")\x81") is Verdict.SAFE
    call = stack("numpy", "vectorize") + stack("posix", "system") + b"\x85R"
    assert verdict(call) is Verdict.UNSAFE


def test_a_code_dunder_in_state_stays_smuggling() -> None:
    state = b"}" + s("__setstate__") + stack("numpy", "add") + b"s"
    assert verdict(stack("numpy", "vectorize") + b")\x81" + state + b"b") is Verdict.UNSAFE


BERT = ("transformers.models.bert.modeling_bert", "BertModel")


# torch.save(model) of a whole transformers model: modeling classes through __new__ only
def test_transformers_modeling_classes_are_new_only() -> None:
    assert verdict(stack(*BERT) + b")\x81}" + s("training") + b"\x89sb") is Verdict.SAFE
    assert verdict(stack(*BERT) + b"N\x85R") is Verdict.UNSAFE
    nested = stack("transformers.models.bert.modeling_bert", "BertModel.from_pretrained")
    assert verdict(nested + b")\x81") is Verdict.UNSAFE
    # tokenizers are new-only too (test_hf_whole.py); a pipeline module is not
    assert verdict(stack("transformers.pipelines.base", "Pipeline") + b")\x81") is (Verdict.UNSAFE)


def test_model_output_dataclasses_may_be_called() -> None:
    output = stack("transformers.modeling_outputs", "SequenceClassifierOutput")
    assert verdict(output + b"NN\x86R") is Verdict.SAFE


def test_diffusers_frozendict_only_without_arguments() -> None:
    frozen = stack("diffusers.configuration_utils", "FrozenDict")
    assert verdict(frozen + b")R}" + s("a") + b"K\x01sb") is Verdict.SAFE
    pairs = b"(]" + s("__setstate__") + stack("numpy", "add") + b"\x86at"
    assert verdict(frozen + pairs + b"R" + s("true") + b"b") is Verdict.UNSAFE


@pytest.mark.parametrize(
    "name", ["MemorizedResult", "AsyncMemorizedFunc", "MemorizedFunc", "Memory"]
)
def test_joblib_classes_that_create_a_cache_folder(name: str) -> None:
    body = stack("joblib.memory", name) + b"(" + s("/nonexistent/cache") + b"(lt" + b"R"
    assert verdict(body) is Verdict.UNSAFE


def test_joblib_not_memorized_classes_hold_values() -> None:
    result = stack("joblib.memory", "NotMemorizedResult") + b")\x81}" + s("value") + b"K\x01sb"
    assert verdict(result) is Verdict.SAFE


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("torch.amp.grad_scaler", "GradScaler"),
        ("torch.nn.utils.spectral_norm", "SpectralNorm"),
        ("torch.nn.utils.weight_norm", "WeightNorm"),
        ("numpy.polynomial.polynomial", "Polynomial"),
        ("diffusers.models.unets.unet_2d", "UNet2DModel"),
    ],
)
def test_rebuilt_training_objects(module: str, name: str) -> None:
    assert verdict(stack(module, name) + b")\x81}" + s("a") + b"K\x01sb") is Verdict.SAFE
