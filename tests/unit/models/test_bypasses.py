"""One regression test per published bypass of picklescan, modelscan, fickling and modelaudit.

Each payload is built in memory, is inert (``true``, loopback, /nonexistent) and is
only ever parsed. The comment above each test names its source.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from pathlib import Path

import pytest

from chainward.models import scan_bytes
from chainward.records import Severity, Verdict


def glob(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def call(module: str, name: str, *args: str) -> bytes:
    return glob(module, name) + b"(" + b"".join(f"S'{a}'\n".encode() for a in args) + b"tR"


def s(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def unsafe(data: bytes) -> list[str]:
    result = scan_bytes(data, "payload")
    assert result.verdict is Verdict.UNSAFE, [f.message for f in result.findings]
    return [f.rule for f in result.findings]


# https://github.com/mmaitre314/picklescan/security/advisories/GHSA-vvpj-8cmc-gx39
def test_pkgutil_resolve_name_universal_bypass() -> None:
    rules = unsafe(call("pkgutil", "resolve_name", "os:system") + b"(S'true'\ntR.")
    assert "pickle-computed-callee" in rules


# https://github.com/mmaitre314/picklescan/issues/66 (importlib + attribute chains)
def test_importlib_then_getattr() -> None:
    payload = glob("builtins", "getattr") + b"(" + call("importlib", "import_module", "os")
    unsafe(payload + b"S'system'\ntR(S'true'\ntR.")


# https://github.com/mmaitre314/picklescan/issues/66 (importlib.util find_spec chain)
def test_importlib_util_chain() -> None:
    spec = call("importlib.util", "find_spec", "os")
    unsafe(glob("importlib.util", "module_from_spec") + b"(" + spec + b"tR.")


# GHSA-m273-6v24-x4m4 (operator.attrgetter), GHSA-955r-x9j8-7rhh (methodcaller)
def test_operator_gadgets() -> None:
    unsafe(
        call("operator", "attrgetter", "system")
        + b"("
        + call("importlib", "import_module", "os")
        + b"tR(S'true'\ntR."
    )
    unsafe(
        call("_operator", "methodcaller", "system", "true")
        + b"("
        + call("importlib", "import_module", "os")
        + b"tR."
    )


# CVE-2025-10157: asyncio submodule via a dotted STACK_GLOBAL name
def test_asyncio_dotted_name() -> None:
    unsafe(
        b"\x80\x04"
        + s("asyncio.unix_events")
        + s("_UnixSubprocessTransport._start")
        + b"\x93("
        + s("true")
        + b"tR."
    )


# CVE-2025-1716: pip.main
def test_pip_main() -> None:
    unsafe(call("pip", "main", "install") + b".")


# GHSA-xp4f-hrf8-rxw7: ensurepip._run_pip; GHSA-v7x6-rv5q-mhwc: timeit.timeit
def test_stdlib_runners() -> None:
    unsafe(call("ensurepip", "_run_pip", "x") + b".")
    unsafe(call("timeit", "timeit", "print(1)") + b".")


# GHSA-84r2-jw7c-4r5q and protectai/modelscan#267: nested pickle.loads
def test_nested_pickle_loads() -> None:
    inner = call("os", "system", "true") + b"."
    unsafe(glob("pickle", "loads") + b"(C" + bytes([len(inner)]) + inner + b"tR.")


# https://github.com/mmaitre314/picklescan/issues/22 (memo confusion, STACK_GLOBAL)
def test_memo_confusion() -> None:
    unsafe(
        b"\x80\x04"
        + s("builtins")
        + b"\x94"
        + s("len")
        + b"\x9400"
        + s("os")
        + b"\x94"
        + s("system")
        + b"\x94h\x02h\x03\x93"
        + s("true")
        + b"\x85R."
    )


# https://github.com/mmaitre314/picklescan/pull/46 (GHSA-9gvj-pp9x-gcfr parsing flaw):
# a payload followed by bytes pickletools rejects still ran when loaded
def test_payload_then_garbage() -> None:
    unsafe(call("os", "system", "true") + b"\xff\xff")


def test_truncated_stream_without_stop() -> None:
    unsafe(call("os", "system", "true"))


# research: INT with base-0 syntax stops pickletools, not _pickle.c
def test_int_base_zero_differential() -> None:
    unsafe(b"I0x1\n0" + call("os", "system", "true") + b".")


# https://github.com/protectai/modelscan/issues/85 (BUILD plants __setstate__)
def test_build_setstate_smuggling() -> None:
    data = (
        glob("collections", "OrderedDict")
        + b")R(N}S'__setstate__'\n"
        + glob("os", "system")
        + b"stbS'true'\nb."
    )
    assert "pickle-state-smuggling" in unsafe(data)


# https://github.com/protectai/modelscan/issues/330 (numpy.__builtins__ through BUILD on a global)
def test_numpy_builtins_build_on_global() -> None:
    data = (
        b"\x80\x04"
        + s("numpy")
        + s("size")
        + b"\x93\x94\x94"
        + s("numpy")
        + s("__builtins__")
        + b"\x93\x94\x94h\x01}}"
        + s("shape")
        + b"h\x03s\x86bh\x01h\x01"
        + s("eval")
        + b"\x86R"
        + s("1+1")
        + b"\x85R."
    )
    rules = unsafe(data)
    assert "pickle-build-on-global" in rules
    assert "pickle-computed-callee" in rules


# https://github.com/protectai/modelscan/issues/331 (str.join builds the module name)
def test_computed_stack_global_name() -> None:
    data = (
        b"\x80\x04"
        + glob("builtins", "getattr")
        + s("")
        + s("join")
        + b"\x86R]"
        + s("o")
        + b"a"
        + s("s")
        + b"a\x85R"
        + s("system")
        + b"\x93"
        + s("true")
        + b"\x85R."
    )
    assert "pickle-computed-callee" in unsafe(data)


# https://github.com/protectai/modelscan/issues/338 (real malicious Hugging Face models)
def test_modelscan_338_false_negatives() -> None:
    unsafe(call("torch.utils.collect_env", "run", "true") + b".")
    unsafe(glob("multiprocessing.util", "spawnv_passfds") + b"(S'/bin/true'\n(S'true'\nt)tR.")
    unsafe(call("mlflow.projects.backend.local", "_run_entry_point", "true", ".", "", "") + b".")
    unsafe(call("pandas.io.parsers.readers", "read_csv", "http://127.0.0.1:9/x") + b".")


# https://github.com/mmaitre314/picklescan/pull/69 (mailcap), PR #74 (marshal, importlib)
def test_picklescan_open_prs() -> None:
    unsafe(call("mailcap", "findmatch", "x") + b".")
    unsafe(glob("types", "FunctionType") + b"(" + glob("marshal", "loads") + b"(C\x00tR}tR.")


# https://github.com/trailofbits/fickling/pull/108 (pty.spawn through OBJ)
def test_fickling_pty_obj() -> None:
    unsafe(b"(cpty\nspawn\nS'true'\no.")


# https://github.com/trailofbits/fickling/pull/210 (functools.partial wrapper, numpy.f2py)
def test_fickling_210_wrappers() -> None:
    unsafe(glob("functools", "partial") + b"(" + glob("os", "system") + b"S'true'\ntR)R.")
    unsafe(call("numpy.f2py.crackfortran", "getlincoef", "x") + b".")


# https://github.com/promptfoo/modelaudit/pull/1063 (ChainMap/defaultdict factory + getitem)
def test_modelaudit_mapping_wrapper() -> None:
    dd = glob("collections", "defaultdict") + b"(" + glob("os", "getcwd") + b"tR"
    chain = glob("collections", "ChainMap") + b"(" + dd + b"tR"
    unsafe(glob("operator", "getitem") + b"(" + chain + b"S'k'\ntR.")


# sandbox research: torch pickles with protocol 2, so subprocess.run is written commands.run
def test_python2_names() -> None:
    rules = unsafe(b"\x80\x02" + call("commands", "run", "true") + b".")
    assert "pickle-dangerous-call" in rules
    unsafe(call("__builtin__", "eval", "1") + b".")


def _torch_zip(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


EVIL = b"\x80\x02" + call("os", "system", "true") + b"."


# CVE-2025-10156: a bad CRC makes picklescan stop; torch ignores CRC errors
def test_zip_bad_crc() -> None:
    data = bytearray(_torch_zip(EVIL))
    pos = data.find(b"PK\x01\x02")
    crc = struct.unpack_from("<I", data, pos + 16)[0]
    struct.pack_into("<I", data, pos + 16, crc ^ 1)
    rules = unsafe(bytes(data))
    assert "zip-crc-mismatch" in rules


# CVE-2025-1944: local header names a different file than the central directory
def test_zip_name_mismatch() -> None:
    data = bytearray(_torch_zip(EVIL))
    pos = data.find(b"archive/data.pkl")
    data[pos : pos + 16] = b"archive/data.txt"
    assert "zip-name-mismatch" in unsafe(bytes(data))


# CVE-2025-1945 (GHSA-w8jq-xcqf-f792): flag bits that crash Python's zipfile, not torch
def test_zip_flag_bits() -> None:
    data = bytearray(_torch_zip(EVIL))
    pos = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, pos + 8, 0x0002 | 0x0800)
    unsafe(bytes(data))


# CVE-2025-1889 / CVE-2025-10155: the extension says something else; content decides
def test_extension_does_not_matter() -> None:
    assert scan_bytes(pickle.dumps(1), "weights.safetensors").verdict is Verdict.SAFE
    assert scan_bytes(EVIL, "notes.txt").verdict is Verdict.UNSAFE


# research: modelscan reads only the first legacy-torch stream
def test_payload_in_a_later_stream() -> None:
    unsafe(pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(1001, 2) + EVIL)


def stack(module: str, name: str) -> bytes:
    return b"\x80\x04" + s(module) + s(name) + b"\x93"


# torch.storage._load_from_bytes runs torch.load(BytesIO(b), weights_only=False) on its
# argument: the bytes are a second pickle, graded as such (torch writes this call for
# every tensor pickled with plain pickle, so the call itself is allowed)
def test_torch_load_from_bytes_is_graded_inside() -> None:
    inner = call("os", "system", "true") + b"."
    outer = glob("torch.storage", "_load_from_bytes") + b"(C" + bytes([len(inner)]) + inner
    rules = unsafe(outer + b"tR.")
    assert "pickle-dangerous-call" in rules
    computed = glob("torch.storage", "_load_from_bytes") + b"(" + call("os", "getcwd") + b"tR."
    unsafe(computed)
    clean = pickle.dumps({"w": 1}, 2)
    ok = glob("torch.storage", "_load_from_bytes") + b"(C" + bytes([len(clean)]) + clean + b"tR."
    assert scan_bytes(ok, "x").verdict is Verdict.SAFE


# found in this project's review (2026-11-27): the machine keeps only the first MiB of a
# longer byte string, so a payload placed after a large pad inside the bytes given to
# _load_from_bytes (a legacy torch checkpoint: magic, protocol, sys_info, object) was
# never seen. The whole string is now read again from the file (or member) for grading.
def _padded_load_from_bytes(pad: int) -> bytes:
    magic = 0x1950A86A20F9469CFC6C
    inner = (
        pickle.dumps(magic, 2)
        + pickle.dumps(1001, 2)
        + pickle.dumps({"protocol_version": 1001, "pad": "A" * pad}, 2)
        + call("os", "system", "true")
        + b"."
    )
    literal = b"B" + struct.pack("<I", len(inner)) + inner
    return b"\x80\x02" + glob("torch.storage", "_load_from_bytes") + literal + b"\x85R."


def test_a_payload_past_the_kept_head_of_nested_bytes(tmp_path: Path) -> None:
    from chainward.models import scan

    data = _padded_load_from_bytes(2_000_000)
    assert "pickle-dangerous-call" in unsafe(data)
    on_disk = tmp_path / "model.pkl"
    on_disk.write_bytes(data)
    checkpoint = tmp_path / "model.pt"
    with zipfile.ZipFile(checkpoint, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", data)
        archive.writestr("archive/version", "3\n")
    for path in (on_disk, checkpoint):
        result = scan(path).files[0]
        assert result.verdict is Verdict.UNSAFE, path
        assert any("os.system" in f.message for f in result.findings), path


def test_nested_bytes_cut_at_any_point_are_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainward.models.pickle import vm

    monkeypatch.setattr(vm, "MAX_LITERAL", 64)  # every literal over 64 bytes is cut
    assert "pickle-dangerous-call" in unsafe(_padded_load_from_bytes(300))
    # two levels deep: the outer string and the one inside it are both cut
    twice = (
        b"\x80\x02"
        + glob("torch.storage", "_load_from_bytes")
        + b"B"
        + struct.pack("<I", len(_padded_load_from_bytes(300)))
        + _padded_load_from_bytes(300)
        + b"\x85R."
    )
    assert "pickle-dangerous-call" in unsafe(twice)
    clean = _padded_load_from_bytes(300).replace(call("os", "system", "true"), pickle.dumps(1, 2))
    assert scan_bytes(clean, "x").verdict is Verdict.SAFE


def test_nested_zip_members_are_read_within_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainward.models.pickle import policy

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", call("os", "system", "true") + b".")
    inner = buffer.getvalue()
    literal = b"B" + struct.pack("<I", len(inner)) + inner
    outer = b"\x80\x02" + glob("torch.storage", "_load_from_bytes") + literal + b"\x85R."
    assert "pickle-dangerous-call" in unsafe(outer)
    monkeypatch.setattr(policy, "_NESTED_ZIP_BYTES", 8)  # members are not read past it
    result = scan_bytes(outer, "x")
    assert "pickle-nested-not-analysed" in {f.rule for f in result.findings}
    assert result.verdict is not Verdict.SAFE
    monkeypatch.undo()
    monkeypatch.setattr(policy, "_MAX_NESTED_ZIP_MEMBERS", 0)  # nor past this many members
    assert "pickle-nested-not-analysed" in {f.rule for f in scan_bytes(outer, "x").findings}


# found in this project's review (2026-11-27): the machine stops at its opcode budget
# (10 million by default) and reported that as a malformed stream, "a loader stops
# here", so ~20 MB of NONE/POP padding in front of a payload made the file `safe`. The
# real unpickler reads on: the rest is now searched for imported names.
def test_a_payload_past_the_opcode_budget(tmp_path: Path) -> None:
    from chainward.models import scan
    from chainward.models.interface import ScanOptions

    options = ScanOptions(max_pickle_ops=1000)
    pad = b"\x80\x04" + b"N0" * 600
    payloads = (
        call("os", "system", "true") + b".",
        b"\x8c\x02os\x94\x8c\x06system\x94\x93" + s("true") + b"\x85R.",
        call("__builtin__", "eval", "1") + b".",  # a Python 2 name, mapped like find_class
    )
    for payload in payloads:
        result = scan_bytes(pad + payload, "x", options)
        rules = {f.rule for f in result.findings}
        assert result.verdict is Verdict.UNSAFE, payload
        assert {"pickle-op-budget", "pickle-dangerous-global"} <= rules
        assert "pickle-malformed" not in rules  # a loader does not stop there
    on_disk = tmp_path / "padded.pkl"
    on_disk.write_bytes(pad + payloads[0])
    assert scan(on_disk, options).files[0].verdict is Verdict.UNSAFE
    # past the budget the rest is walked opcode by opcode: data only is `safe` (a low
    # note), but a call of something fetched from the memo is not analysed: a review
    benign = scan_bytes(pad + b"N.", "x", options)
    assert benign.verdict is Verdict.SAFE
    assert [(f.rule, f.severity) for f in benign.findings] == [("pickle-op-budget", Severity.LOW)]
    ordered = b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94"
    called = scan_bytes(b"\x80\x04" + ordered + b"N0" * 600 + b"h\x02)R.", "x", options)
    assert called.verdict is Verdict.SUSPICIOUS
    assert "REDUCE" in called.findings[0].message


# same review: run_all read at most 64 pickle streams and said nothing of the rest, and
# each stream had a budget of its own; a loader that reads streams in a loop
# (append-mode pickle logs) runs a payload in stream 65
def test_a_payload_past_the_last_stream_read() -> None:
    from chainward.models.interface import ScanOptions
    from chainward.models.pickle.vm import run_all

    result = scan_bytes(b"N." * 70 + call("os", "system", "true") + b".", "x")
    assert result.verdict is Verdict.UNSAFE
    assert "pickle-op-budget" in {f.rule for f in result.findings}
    assert scan_bytes(b"N." * 10, "x").verdict is Verdict.SAFE
    # one budget for all the streams of a file
    trace = run_all(io.BytesIO(b"N." * 40), max_ops=50)
    assert trace.over_budget and trace.ops <= 50
    padded = b"N." * 40 + call("os", "system", "true") + b"."
    assert scan_bytes(padded, "x", ScanOptions(max_pickle_ops=50)).verdict is Verdict.UNSAFE


def test_the_name_search_sees_names_across_its_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainward.models.pickle import tail

    monkeypatch.setattr(tail, "CHUNK", 7)
    monkeypatch.setattr(tail, "OVERLAP", 64)
    data = b"N0" * 20 + b"cos\nsystem\n" + b"N0" * 9 + b"cos\nsystem\n\x8c\x02io\x8c\x04open\x93"
    data += b"X\x03\x00\x00\x00ptyq\x01\x8c\x05spawnr\x02\x00\x00\x00\x93"  # BINUNICODE, BINPUT
    data += b"\x8c\x05os\x8c\x05popen\x93"  # a length that does not match: not a name
    found = list(tail.imported_names(io.BytesIO(data), base=100))
    assert found == [
        ("os", "system", 140, "GLOBAL"),
        ("io", "open", 180, "STACK_GLOBAL"),
        ("pty", "spawn", 191, "STACK_GLOBAL"),
    ]


def test_cut_nested_bytes_without_a_way_to_reread_them_are_reported() -> None:
    from chainward.models.pickle.policy import grade
    from chainward.models.pickle.vm import run_all

    trace = run_all(io.BytesIO(_padded_load_from_bytes(2_000_000)))
    rules = {v.rule for v in grade(trace)}  # no reader: the tail cannot be read again
    assert "pickle-nested-not-analysed" in rules


# research: a dotted qualname under an allowed prefix walks module attributes
# (torch.nn.modules.module.sys.modules reaches sys; STACK_GLOBAL resolves it with getattr)
def test_qualname_hops_through_module_attributes() -> None:
    unsafe(stack("torch.nn.modules.module", "sys.modules") + b".")
    unsafe(stack("sklearn.base", "os.system") + s("true") + b"\x85R.")
    unsafe(
        stack("torch.nn.modules.module", "Module")
        + stack("torch.nn.modules.module", "os")[2:]
        + b"."
    )


# research: pandas re-exports readers and writers at the top level; constructing them
# opens files or URLs (pandas 3 pickles real objects under top-level names too)
def test_pandas_io_classes_are_not_callable() -> None:
    unsafe(call("pandas", "ExcelWriter", "/nonexistent/x.xlsx") + b".")
    unsafe(call("pandas", "HDFStore", "/nonexistent/x.h5") + b".")
    unsafe(call("pandas.api.typing", "JsonReader", "http://127.0.0.1:9/x") + b".")
    unsafe(call("pandas._libs.parsers", "TextReader", "/etc/passwd") + b".")


# sklearn 1.9 callbacks import multiprocessing.connection.Client/Listener (network)
def test_sklearn_callback_transport_is_not_callable() -> None:
    unsafe(call("sklearn.callback._transport", "Client", "127.0.0.1") + b".")


# zoneinfo pickles as getattr(ZoneInfo, '_unpickle')(key, 1): only that exact bound
# classmethod of an allowed class passes; any other getattr stays a computed callee
def test_getattr_bound_method_only_when_allowlisted() -> None:
    ok = glob("builtins", "getattr") + b"(" + glob("zoneinfo", "ZoneInfo") + b"S'_unpickle'\ntR"
    assert scan_bytes(ok + b"(S'UTC'\nI1\ntR.", "x").verdict is Verdict.SAFE
    bad = glob("builtins", "getattr") + b"(" + glob("zoneinfo", "ZoneInfo") + b"S'__init__'\ntR"
    unsafe(bad + b"(S'UTC'\ntR.")
    bad = glob("builtins", "getattr") + b"(" + glob("pathlib", "Path") + b"S'touch'\ntR"
    unsafe(bad + b"(S'/nonexistent'\ntR.")


# accelerate's PartialState is rebuilt by TrainingArguments pickles through __new__ only;
# calling it (its __init__ sets up torch.distributed) stays unsafe
def test_new_only_classes() -> None:
    new = stack("accelerate.state", "PartialState") + b")\x81."
    assert scan_bytes(new, "x").verdict is Verdict.SAFE
    unsafe(stack("accelerate.state", "PartialState") + b")R.")


# statsmodels results keep __doc__ strings in their __dict__; other dunder keys still count
def test_doc_string_state_is_data() -> None:
    obj = stack("statsmodels.regression.linear_model", "OLSResults") + b")\x81"
    assert scan_bytes(obj + b"}" + s("__doc__") + s("text") + b"sb.", "x").verdict is Verdict.SAFE
    unsafe(obj + b"}" + s("__setstate__") + stack("os", "system")[2:] + b"sb.")


# promptfoo/modelaudit PR #1375: builtins.type builds a class with a __del__ hook
def test_dynamic_type_is_unsafe() -> None:
    body = s("builtins") + s("type") + b"\x93(" + s("P") + b"(" + s("pathlib")
    body += s("PurePosixPath") + b"\x93t}" + s("__del__") + s("pathlib") + s("Path.touch")
    unsafe(b"\x80\x04" + body + b"\x93stR)R.")


# TfidfVectorizer(tokenizer=str.split) pickles getattr(str, 'split'): a method reference on
# an allowed class is not a call; calling it, or getattr on a module, still is
def test_method_references() -> None:
    ref = glob("builtins", "getattr") + b"(" + glob("builtins", "str") + b"S'split'\ntR"
    assert scan_bytes(ref + b".", "x").verdict is Verdict.SAFE
    assert "pickle-computed-callee" in unsafe(ref + b"(S'a b'\ntR.")
    unsafe(glob("builtins", "getattr") + b"(" + glob("os", "path") + b"S'join'\ntR.")
    unsafe(glob("builtins", "getattr") + b"(" + glob("pathlib", "Path") + b"S'write_text'\ntR.")
    unsafe(
        glob("builtins", "getattr") + b"(" + glob("builtins", "object") + b"S'__subclasses__'\ntR."
    )


# functools.partial(fbeta_score, beta=2) (make_scorer-style) only stores an allowed
# function; a partial of anything else, or calling the partial, is unsafe (fickling #210)
def test_partial_of_an_allowed_function() -> None:
    fn = glob("sklearn.metrics._classification", "fbeta_score")
    partial = glob("functools", "partial") + b"(" + fn + b"tR"
    assert scan_bytes(partial + b".", "x").verdict is Verdict.SAFE
    assert "pickle-computed-callee" in unsafe(partial + b"(S'a'\ntR.")
    unsafe(glob("functools", "partial") + b"(" + glob("py_compile", "compile") + b"tR.")


# research: itertools.starmap (or a library's lazy map) rebuilt with __new__ around a
# function runs it when an allowed step (list(...)) iterates it
def test_lazy_wrapper_around_a_function() -> None:
    args = stack("py_compile", "compile")[2:] + b"]" + s("x.py") + b"\x85a\x86\x81\x85R."
    lst = stack("builtins", "list")
    assert "pickle-wrapped-callable" in unsafe(lst + stack("itertools", "starmap")[2:] + args)
    assert "pickle-wrapped-callable" in unsafe(lst + stack("mylib.lazy", "LazyMap")[2:] + args)


# joblib < 0.10 wrote arrays beside the pickle and loads them with
# np.load(os.path.join(folder, filename), allow_pickle=True): a filename outside the folder
def test_joblib_wrapper_outside_folder() -> None:
    wrapper = b"\x80\x02" + glob("joblib.numpy_pickle", "NDArrayWrapper") + b")\x81}(U\x08filename"
    tail = b"U\x08subclass" + glob("numpy", "ndarray") + b"ub."
    assert "pickle-external-file" in unsafe(wrapper + b"U\x0c/etc/x.npy.." + tail)
    local = wrapper + b"U\x0cmodel_01.npy" + tail
    assert scan_bytes(local, "x").verdict is Verdict.SAFE


# torch/_utils.py _set_obj_state setattr()s every key of the state argument: a __class__
# key swaps the rebuilt Parameter's class (whose __del__/__setstate__ then run)
def test_torch_state_argument_smuggling() -> None:
    helper = glob("torch._utils", "_rebuild_parameter_with_state")
    bad = helper + b"(N\x89}}S'__class__'\n" + glob("mylib", "Evil") + b"stR."
    assert "pickle-state-smuggling" in unsafe(bad)
    ok = helper + b"(N\x89}}S'tag'\nS'x'\nstR."
    assert scan_bytes(ok, "x").verdict is Verdict.SAFE


# research: a class allowed by prefix may call a function it is given while it is
# constructed (torch.optim.lr_scheduler.LambdaLR calls lr_lambda; scipy's gaussian_kde
# calls bw_method): the function must be allowed too
def test_function_given_to_an_allowed_constructor() -> None:
    sched = glob("torch.optim.lr_scheduler", "LambdaLR") + b"(N"
    assert "pickle-callable-argument" in unsafe(sched + glob("mylib", "schedule") + b"tR.")
    ok = sched + glob("numpy", "add") + b"tR."
    assert scan_bytes(ok, "x").verdict is Verdict.SAFE


# research (found by auditing the allowed prefixes' constructors): joblib.numpy_pickle
# re-exports BinaryZlibFile, which opens, and with mode 'wb' truncates, any path
def test_joblib_file_classes_are_not_callable() -> None:
    unsafe(call("joblib.numpy_pickle", "BinaryZlibFile", "/nonexistent/x", "wb") + b".")
    unsafe(call("transformers.tokenization_utils_tokenizers", "SpmConverter", "x") + b".")


# pandas 3 + pyarrow pickles rebuild arrays through exact pyarrow.lib functions; the
# same module's file and memory-map classes stay out
def test_pyarrow_file_access_is_not_allowed() -> None:
    assert "pickle-unlisted-call" in unsafe(call("pyarrow.lib", "OSFile", "/etc/passwd") + b".")
    unsafe(call("pyarrow.lib", "memory_map", "/etc/passwd") + b".")
    ok = call("pyarrow.lib", "type_for_alias", "string") + b"."
    assert scan_bytes(ok, "x").verdict is Verdict.SAFE


# found in this project's review (2026-11-27), not a published bypass: NEWOBJ runs
# cls.__new__(cls, *args), and numpy.memmap.__new__ opens the path it is given
# (mode 'w+' creates or truncates it); pickle's own path for a memmap goes through
# numpy's _reconstruct, which runs ndarray.__new__ instead and stays allowed
def test_newobj_memmap_opens_its_path() -> None:
    args = s("/nonexistent/chainward.dat") + s("uint8") + s("w+") + b"K\x00K\x01\x85"
    for module, name in (("numpy", "memmap"), ("numpy._core.memmap", "memmap")):
        payload = b"\x80\x02" + glob(module, name) + b"(" + args + b"t\x81."
        assert "pickle-dangerous-global" in unsafe(payload)


def test_pickled_memmap_is_data() -> None:
    import tempfile
    from pathlib import Path

    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        array = np.memmap(Path(folder) / "a.dat", dtype="float32", mode="w+", shape=(4,))
        for protocol in range(6):
            result = scan_bytes(pickle.dumps(array, protocol=protocol), "memmap.pkl")
            assert result.verdict is Verdict.SAFE, (protocol, result.findings)
        del array


# not a bypass: the FILTERS attribute PyTables 1.x-2.x wrote on every leaf (a pickled
# tables.Leaf.Filters) and numarray-era array attributes, as in the test files PyTables
# ships (benchmarks/models/site_sweep.py found both flagged)
def test_old_pytables_attribute_pickles_are_data() -> None:
    filters = (
        b"ccopy_reg\n_reconstructor\np1\n(ctables.Leaf\nFilters\np2\nc__builtin__\nobject\n"
        b"p3\nNtRp4\n(dp5\nS'complevel'\np6\nI1\nsS'complib'\np7\nS'lzo'\np8\nsS'shuffle'\n"
        b"p9\nI01\nsb."
    )
    numarray = (  # zerodim-attrs-1.3.h5, attribute arrscalar
        b"cnumarray.generic\nClassicUnpickler\np1\n(cnumarray.numarraycore\nNumArray\np2\n"
        b"(dp3\nS'_type'\np4\nS'Int32'\np5\nsS'_shape'\np8\n(tsS'_data'\np14\n"
        b"cnumarray.memory\nmemory_from_string\np15\n(S'\\x01\\x00\\x00\\x00'\ntRp16\n"
        b"sS'_flags'\np18\nI1793\nstRp19\n."
    )
    for data in (filters, numarray):
        result = scan_bytes(data, "FILTERS")
        assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]


# not a bypass: random weight bytes that read as an EXT lookup then garbage were unsafe;
# an unregistered extension code fails the load, so only a call on it stays unsafe
def test_bare_extension_code_lookup_is_review_and_a_call_is_unsafe() -> None:
    looked_up = scan_bytes(b"\x80\x02\x82\x07.", "payload")
    assert looked_up.verdict is Verdict.SUSPICIOUS, [f.message for f in looked_up.findings]
    assert "pickle-computed-callee" in unsafe(b"\x80\x02\x82\x07)R.")


# found in this project's review (2026-11-27): the content sniffer only knew the opcodes
# real writers start with, but pickle.loads needs no PROTO first: a payload behind an
# EMPTY_SET, LONG4, BINUNICODE8, BINBYTES8, BYTEARRAY8 or PERSID (torch-style loaders
# have persistent_load) was "not a model"; NEXT_BUFFER loads where buffers= is given
def test_pickles_that_start_with_any_opcode_are_found() -> None:
    payload = b"cos\nsystem\n(S'true'\ntR."
    eight = (1).to_bytes(8, "little") + b"x"
    for first in (
        b"\x8f",
        b"\x8b\x01\x00\x00\x00\x01",
        b"\x8d" + eight,
        b"\x8e" + eight,
        b"\x96" + eight,
        b"Pstorage\n",
        b"\x97",
    ):
        assert "pickle-dangerous-call" in unsafe(first + b"0" + payload)
    assert "pickle-dangerous-call" in unsafe(b"\x80\x05\x97\x980" + payload)
    # number lines as leniently as pickle.c reads them (strtol/strtod)
    for line in (b"I 1\n", b"I\t7\n", b"Finf\n", b"Fnan\n", b"L 5L\n"):
        assert "pickle-dangerous-call" in unsafe(line + b"0" + payload)
    padding = b"A" * 20_000  # a first literal longer than the sniffed head, no PROTO
    for opcode, width in ((b"X", 4), (b"B", 4), (b"\x8e", 8), (b"\x96", 8)):
        literal = opcode + len(padding).to_bytes(width, "little") + padding
        assert "pickle-dangerous-call" in unsafe(literal + b"0" + payload)


# red team 2026-11-27: classes whose __setstate__ acts, built by NEWOBJ + BUILD only (no
# REDUCE on an unlisted callable, so only a danger name makes them unsafe)
def test_sklearn_scoring_monitor_connects_to_the_pickled_address() -> None:
    handle = s("sklearn.callback._transport") + s("ListenerHandle") + b"\x93("
    handle += s("127.0.0.1") + b"J\x09\x00\x00\x00\x86C\x01kt\x81"
    monitor = s("sklearn.callback._scoring_monitor") + s("ScoringMonitor") + b"\x93)\x81"
    unsafe(b"\x80\x04" + monitor + b"}(" + s("_listener_handle") + handle + b"ub.")


@pytest.mark.parametrize("kind", ["", "Iter", "Map"])
def test_torch_datapipe_wrapper_unpickles_its_state(kind: str) -> None:
    nested = call("os", "system", "true") + b"."
    wrapper = s("torch.utils.data.datapipes.datapipe") + s(f"_{kind}DataPipeSerializationWrapper")
    state = b"B" + struct.pack("<I", len(nested)) + nested + b"\x88\x86"  # (bytes, use_dill)
    unsafe(b"\x80\x04" + wrapper + b"\x93)\x81" + state + b"b.")


@pytest.mark.parametrize(
    "head",
    [b"L" + b"9" * 100 + b"L\n0", b"F" + b" " * 9000 + b"1\n0"],
    ids=["long-int", "blank-padded-float"],
)
def test_payload_behind_a_long_number_line(head: bytes) -> None:
    unsafe(head + call("os", "system", "true") + b".")


# found in this project's review (2026-11-27): the machine gave up on lines longer than
# 1 MiB ("malformed; a loader stops here"), but the unpickler reads a line of any
# length, and strtol skips blanks, so a payload after a padded number, memo index or
# string ran unseen (`safe`)
@pytest.mark.parametrize(
    "prefix",
    [
        b"(V" + b"a" * 1_100_000 + b"\n0",
        b"V" + b"a" * 1_100_000 + b"\n0",
        b"I" + b" " * 1_200_000 + b"1\n0",
        b"Np" + b" " * 1_200_000 + b"0\n0",
        b"S'" + b"a" * 1_100_000 + b"'\n0",
    ],
    ids=["unicode-in-mark", "unicode", "padded-int", "padded-put", "string"],
)
def test_a_payload_after_a_line_longer_than_a_mebibyte(prefix: bytes) -> None:
    result = scan_bytes(prefix + call("os", "system", "true") + b".", "long-line.pkl")
    assert result.verdict is Verdict.UNSAFE, [f.message for f in result.findings]


# red team 2 (2026-11-27): .npy headers whose descr numpy reads as an object dtype
# though it does not start with "O" ('object', 'i4,O', '(1,)O'): the array data is a
# pickle that np.load(allow_pickle=True) runs, and it was not analysed
@pytest.mark.parametrize(
    ("descr", "expected"),
    [
        ("object", True),
        ("i4,O", True),
        ("(2,)O", True),
        ([("a", [("b", "O")])], True),
        ((("title", "name"), "O"), True),
        ("<M8[ns]", False),
        ([("Owner", "<i4"), ("b", "<f8")], False),  # a field name is not a dtype
    ],
)
def test_npy_object_descrs(descr: object, expected: bool) -> None:
    from chainward.models.pickles import _descr_has_object

    assert _descr_has_object(descr) is expected


# red team (2026-11-27): legacy torch.save of a whole module refers to each module class
# by a persistent id ('module', cls, file, source); torch's persistent_load returns cls.
# A call on it is graded as a call of that global: allowed classes stay safe (the real
# sample in the corpus), anything else is what it is
def test_a_legacy_torch_module_persistent_id_is_graded_as_its_class() -> None:
    def module_pid(module: str, name: str) -> bytes:
        pid = b"(" + s("module") + b"c" + f"{module}\n{name}\n".encode() + s("m.py") + s("")
        return b"\x80\x02" + pid + b"tQ"

    evil = module_pid("posix", "system") + b"(" + s("true") + b"tR."
    result = scan_bytes(evil, "legacy.pt")
    assert result.verdict is Verdict.UNSAFE
    assert "posix.system" in " ".join(f.message for f in result.findings)
    linear = module_pid("torch.nn.modules.linear", "Linear") + b")\x81."
    assert scan_bytes(linear, "legacy.pt").verdict is Verdict.SAFE
