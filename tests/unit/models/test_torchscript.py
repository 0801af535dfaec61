"""TorchScript ``code/`` files: dangerous operators found statically, ordinary code quiet."""

from __future__ import annotations

import io
import zipfile

from chainward.models import scan_bytes
from chainward.models.torchscript import analyze_bytecode, analyze_code, is_code_member
from chainward.records import Severity, Verdict
from tests.conftest import asset

BENIGN = asset("models") / "formats2" / "benign" / "torchscript"

CLASS = """class M(Module):
  __parameters__ = []
  training : bool
  def forward(self: __torch__.M,
    x: Tensor) -> Tensor:
{body}
    return x
"""


def _code(body: str) -> str:
    return CLASS.format(body="\n".join("    " + line for line in body.splitlines()))


def _rules(text: str) -> dict[str, Severity]:
    return {i.rule: i.severity for i in analyze_code(text)}


def test_ordinary_code_is_quiet() -> None:
    body = "y = torch.relu(torch.add(x, 1))\n_0 = ops.quantized.linear_dynamic(y, p)\n"
    body += 'ops.prim.RaiseException("bad", "builtins.RuntimeError")'
    assert analyze_code(_code(body)) == []
    for rel in ("scripted.pt", "traced.pt", "quantized_dynamic.pt"):
        with zipfile.ZipFile(BENIGN / rel) as z:
            texts = [z.read(n).decode() for n in z.namelist() if is_code_member(n)]
        assert texts
        assert all(analyze_code(t) == [] for t in texts), rel


def test_every_spelling_of_a_file_operator() -> None:
    for call in (
        'leak = torch.from_file("/etc/passwd", False, 10)',
        'leak = ops.aten.from_file("/etc/passwd", False, 10)',
        'torch.save(x, "/tmp/chainward-inert/x.pth")',
        'ops.aten.save(x, "/tmp/chainward-inert/x.pth")',
        'torch.ops.aten.save(x, "/tmp/chainward-inert/x.pth")',
        'f = getattr(torch, "save")',
        "fut = ops.prim.rpc_async()",
    ):
        issues = analyze_code(_code(call))
        assert [i.severity for i in issues] == [Severity.HIGH], call
        assert "M.forward" in issues[0].message


def test_setstate_runs_at_load() -> None:
    text = CLASS.format(body="    pass").replace("def forward", "def __setstate__")
    text = text.replace("    pass", '    torch.save(x, "/tmp/chainward-inert/y")')
    (issue,) = analyze_code(text)
    assert "when the archive is loaded" in issue.message


def test_extension_namespaces_and_collectives_are_review() -> None:
    assert _rules(_code("_0 = ops.my_ext.run_shell(x)")) == {
        "torchscript-custom-op": Severity.MEDIUM
    }
    assert _rules(_code("_0 = ops.c10d.broadcast_(x)")) == {
        "torchscript-network-op": Severity.MEDIUM
    }
    text = _code("pass").replace("training : bool", "h : __torch__.torch.classes.evil.Shell")
    assert _rules(text) == {"torchscript-custom-class": Severity.MEDIUM}
    ok = _code("pass").replace(
        "training : bool", "p : __torch__.torch.classes.quantized.LinearPackedParamsBase"
    )
    assert analyze_code(ok) == []


def test_unparsable_or_hidden_text_is_review() -> None:
    bad = _code('torch.save(x, "/tmp/chainward-inert/z")') + "\n  def broken(:\n"
    assert _rules(bad) == {
        "torchscript-unparsed": Severity.MEDIUM,
        "torchscript-dangerous-text": Severity.MEDIUM,
    }
    hidden = _code('s = "torch.save(x, p)"')
    assert _rules(hidden) == {"torchscript-dangerous-text": Severity.MEDIUM}
    deep = "x = " + "(" * 200_000 + ")" * 200_000
    assert "torchscript-unparsed" in _rules(deep)


def test_code_members_in_any_archive_prefix() -> None:
    assert is_code_member("archive/code/__torch__.py")
    assert is_code_member("code/__torch__/a/b.py")
    assert not is_code_member("archive/code/__torch__.py.debug_pkl")
    assert not is_code_member("archive/data.pkl")


def _archive(code: bytes, *, size_pad: int = 0) -> bytes:
    with zipfile.ZipFile(BENIGN / "scripted.pt") as src:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename.endswith("code/__torch__.py"):
                    data = code + b"\n" * size_pad
                out.writestr(info, data)
    return buf.getvalue()


def test_scanner_reads_code_members_within_budget() -> None:
    evil = _code('ops.aten.save(x, "/tmp/chainward-inert/q")').encode()
    result = scan_bytes(_archive(evil), "edited.pt")
    assert result.verdict is Verdict.UNSAFE
    assert any("code/__torch__.py" in f.subject for f in result.findings)
    huge = scan_bytes(_archive(b"pass", size_pad=17 << 20), "huge.pt")
    assert [f.rule for f in huge.findings] == ["torchscript-too-large"]
    assert huge.verdict is Verdict.SUSPICIOUS


def test_mobile_bytecode_operator_table() -> None:
    root = asset("models") / "formats2"
    with zipfile.ZipFile(root / "malicious/torchscript/lite_bytecode_from_file.ptl") as z:
        assert not any(is_code_member(n) for n in z.namelist())  # code/ stripped
        (name,) = [n for n in z.namelist() if n.endswith("bytecode.pkl")]
        issues = analyze_bytecode(z.read(name))
    assert [(i.rule, i.severity) for i in issues] == [("torchscript-dangerous-op", Severity.HIGH)]
    assert "lite interpreter" in issues[0].message
    with zipfile.ZipFile(BENIGN / "lite_interpreter.ptl") as z:
        (name,) = [n for n in z.namelist() if n.endswith("bytecode.pkl")]
        data = z.read(name)
    assert analyze_bytecode(data) == []
    assert analyze_bytecode(data[: len(data) // 2]) == []  # truncated: what was read, no crash


def test_large_files_are_searched_as_text() -> None:
    filler = "    _0 = torch.add(x, 1)\n" * 30_000  # ~750 KB: over the parse budget
    text = _code(filler + 'torch.save(x, "/tmp/chainward-inert/big")\n_1 = ops.my_ext.run(x)')
    rules = _rules(text)
    assert rules == {
        "torchscript-dangerous-op": Severity.HIGH,
        "torchscript-custom-op": Severity.MEDIUM,
    }
    assert _rules(_code(filler)) == {}


def test_custom_classes_in_data_pkl() -> None:
    # quantized packed params are torch's own custom classes; an extension namespace is review
    src = BENIGN / "quantized_dynamic.pt"
    assert scan_bytes(src.read_bytes(), "q.pt").verdict is Verdict.SAFE
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                data = data.replace(b"torch.classes.quantized\n", b"torch.classes.shellexec\n")
            zout.writestr(info, data)
    result = scan_bytes(buf.getvalue(), "edited.pt")
    rules = {f.rule for f in result.findings}
    assert "torchscript-custom-class" in rules
    assert result.verdict is Verdict.SUSPICIOUS
