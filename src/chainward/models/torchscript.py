"""TorchScript code (``<prefix>/code/**/*.py`` in a ``torch.jit.save`` archive), read statically.

``torch.jit.load`` compiles these files (a Python subset) and runs them: a
scripted class's ``__setstate__`` runs while the archive loads, ``forward`` on
first use. Names resolve as in torch/csrc/jit/serialization/import_source.cpp:
``torch.X`` is the operator ``aten::X`` and ``ops.NS.X`` is ``NS::X``; custom
classes are ``__torch__.torch.classes.NS.Name``. Among the operators a stock
torch registers, a few reach outside the computation (listed from
``torch._C._jit_get_all_schemas()`` of torch 2.13):

* ``aten::from_file`` maps any file into a tensor (a read primitive);
* ``aten::save`` writes a pickled value to any path (a write primitive: a
  ``.pth`` file in site-packages or a shell start-up file is code execution);
* ``prim::rpc_sync``/``rpc_async``/``rpc_remote`` call functions on other
  processes over ``torch.distributed.rpc``;
* ``debugprims::load_tensor`` reads tensors from a content store on disk;
* ``c10d``/``_c10d_functional``/``symm_mem`` collectives talk to other ranks.

Operators and classes from namespaces torch itself does not register come from
extension libraries (native code loaded with ``torch.ops.load_library``); they
are reported for review. The text is parsed with :func:`ast.parse` (which never
executes anything) within a size budget; a file Python cannot parse is searched
textually and reported for review.
"""

from __future__ import annotations

import ast
import pickletools
import re
from dataclasses import dataclass

from chainward.records import Severity

MAX_CODE_BYTES = 16 << 20  # one code file
MAX_PARSE_BYTES = 512 << 10  # larger files are searched as text (a syntax tree costs ~300x)
MAX_NODES = 2_000_000

# op name -> (severity, what it does); keys are "NS::name"
DANGEROUS_OPS: dict[str, tuple[Severity, str]] = {
    "aten::from_file": (Severity.HIGH, "reads any file on disk into a tensor"),
    "aten::save": (Severity.HIGH, "writes a file at any path"),
    "prim::rpc_sync": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "prim::rpc_async": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "prim::rpc_remote": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "aten::rpc_sync": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "aten::rpc_async": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "aten::rpc_remote": (Severity.HIGH, "calls a function in another process (torch RPC)"),
    "debugprims::load_tensor": (Severity.MEDIUM, "reads tensors from files on disk"),
    "prim::PythonOp": (Severity.HIGH, "calls back into Python"),
}
NETWORK_NAMESPACES = frozenset(
    {"c10d", "_c10d_functional", "_c10d_functional_autograd", "symm_mem"}
)
# namespaces torch 2.13 (torch._C._jit_get_all_schemas / _jit_get_custom_class_schemas) and its
# companion libraries register; other namespaces are extensions
KNOWN_NAMESPACES = frozenset(
    {
        "aten", "prim", "prims", "quantized", "_quantized", "quantized_decomposed", "quantization",
        "static_runtime", "onednn", "mkldnn", "mkldnn_prepacked", "mkl", "profiler", "sparse",
        "inductor", "inductor_prims", "rngprims", "_native", "export", "onnx", "_test",
        "_dtensor", "xnnpack", "prepacked", "_nnapi", "fbgemm", "torchvision", "torchaudio",
        "torchtext", "image", "_caffe2", "cuda", "nvprims", "higher_order",
        # widely used extension libraries (their ops need the library loaded to run at all)
        "torch_scatter", "torch_sparse", "torch_cluster", "torch_spline_conv", "detectron2",
        "torch_tensorrt", "tensorrt", "mmcv", "fbgemm_gpu", "torchrec", "torchao",
    }
)  # fmt: skip
KNOWN_CLASS_NAMESPACES = frozenset(
    {"quantized", "xnnpack", "_nnapi", "mkldnn", "onednn", "prepacked", "dist_rpc", "c10d",
     "rnn", "sparse", "aten", "backendutils", "profiling", "metal", "vulkan",
     "torchvision", "torchaudio", "torchtext", "tensorrt", "torch_tensorrt", "torchao"}
)  # fmt: skip
_BARE = {name.split("::")[1] for name in DANGEROUS_OPS}
_TEXT_PATTERN = re.compile(
    r"\b(?:torch|ops\s*\.\s*\w+)\s*\.\s*(" + "|".join(sorted(_BARE)) + r")\b"
)


@dataclass(frozen=True)
class CodeIssue:
    """One dangerous construct in a TorchScript code member."""

    rule: str
    severity: Severity
    message: str
    detail: str | None = None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _operator(name: str) -> str | None:
    """``torch.X`` -> ``aten::X``, ``ops.NS.X`` -> ``NS::X``; None for anything else."""
    parts = name.split(".")
    if parts[:2] == ["torch", "ops"]:
        parts = parts[1:]
    if parts[0] == "torch" and len(parts) == 2:
        return f"aten::{parts[1]}"
    if parts[0] == "ops" and len(parts) >= 3:
        return f"{parts[1]}::{parts[2]}"
    return None


def _custom_class(name: str) -> str | None:
    marker = "torch.classes."
    index = name.find(marker)
    if index < 0 or not (name.startswith("__torch__.") or name.startswith("torch.classes.")):
        return None
    rest = name[index + len(marker) :].split(".")
    return rest[0] if rest and rest[0] else None


_LARGE_NAMES = re.compile(r"\b(torch|ops\s*\.\s*\w+|torch\s*\.\s*classes\s*\.\s*\w+)\s*\.\s*(\w+)")


def _large_text_issues(text: str) -> list[CodeIssue]:
    """Operator and class names found by a text search (files too large to parse)."""
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    scope = ("<file too large to parse; text search>",)
    for match in _LARGE_NAMES.finditer(text):
        head = re.sub(r"\s+", "", match.group(1))
        name = f"{head}.{match.group(2)}"
        if head.startswith("torch.classes."):
            name = f"__torch__.{name}"
        _check_name(name, scope, issues, seen)
    return issues


def analyze_code(text: str) -> list[CodeIssue]:
    """Issues in one TorchScript code file (never executes it)."""
    if len(text) > MAX_PARSE_BYTES:
        return _large_text_issues(text)
    try:
        tree = ast.parse(text, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        unparsed = CodeIssue(
            "torchscript-unparsed",
            Severity.MEDIUM,
            f"TorchScript code could not be parsed ({type(exc).__name__}); only searched as text",
        )
        return [unparsed, *_text_issues(text, seen=set())]
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    count = 0
    # (node, enclosing function names)
    stack: list[tuple[ast.AST, tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, scope = stack.pop()
        count += 1
        if count > MAX_NODES:
            issues.append(
                CodeIssue(
                    "torchscript-too-large",
                    Severity.MEDIUM,
                    "TorchScript code is too large to analyse fully",
                )
            )
            break
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = (*scope, node.name)
        if isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name is not None:
                _check_name(name, scope, issues, seen)
                continue  # the chain's inner Attribute/Name nodes add nothing
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # type annotations of custom classes are strings in some versions
            cls = _custom_class(node.value)
            if cls is not None:
                _check_name(node.value, scope, issues, seen)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            target = _dotted(node.args[0])
            if target is not None:
                _check_name(f"{target}.{node.args[1].value}", scope, issues, seen)
        stack.extend((child, scope) for child in ast.iter_child_nodes(node))
    return issues + _text_issues(text, seen)


def _check_name(name: str, scope: tuple[str, ...], issues: list[CodeIssue], seen: set[str]) -> None:
    where = ".".join(scope) or "<module>"
    when = "when the archive is loaded" if "__setstate__" in scope else "when the model runs"
    if scope == ("bytecode",):
        where, when = "mobile bytecode", "when the lite interpreter runs the model"
    op = _operator(name)
    if op is not None:
        namespace = op.split("::")[0]
        key = f"{op}@{where}"
        if op in DANGEROUS_OPS and key not in seen:
            seen.add(key)
            seen.add(op.split("::")[1])
            severity, what = DANGEROUS_OPS[op]
            issues.append(
                CodeIssue(
                    "torchscript-dangerous-op",
                    severity,
                    f"TorchScript {where} calls {name} ({op}), which {what}; it runs {when}",
                    where,
                )
            )
        elif namespace in NETWORK_NAMESPACES and key not in seen:
            seen.add(key)
            issues.append(
                CodeIssue(
                    "torchscript-network-op",
                    Severity.MEDIUM,
                    f"TorchScript {where} calls {op}, a distributed collective that talks to "
                    "other processes; review it",
                    where,
                )
            )
        elif namespace not in KNOWN_NAMESPACES and f"ns:{namespace}" not in seen:
            seen.add(f"ns:{namespace}")
            issues.append(
                CodeIssue(
                    "torchscript-custom-op",
                    Severity.MEDIUM,
                    f"TorchScript {where} calls {op} from namespace {namespace!r}, which torch "
                    "does not register (native code from an extension library); review it",
                    where,
                )
            )
        return
    cls = _custom_class(name)
    if cls is not None and cls not in KNOWN_CLASS_NAMESPACES and f"cls:{cls}" not in seen:
        seen.add(f"cls:{cls}")
        issues.append(
            CodeIssue(
                "torchscript-custom-class",
                Severity.MEDIUM,
                f"TorchScript {where} uses custom class {name} from namespace {cls!r} "
                "(native code from an extension library); review it",
                where,
            )
        )


def _text_issues(text: str, seen: set[str]) -> list[CodeIssue]:
    """Dangerous operator names in the raw text that the syntax tree did not show as code."""
    out: list[CodeIssue] = []
    for match in _TEXT_PATTERN.finditer(text):
        op = match.group(1)
        if op in seen:
            continue
        seen.add(op)
        out.append(
            CodeIssue(
                "torchscript-dangerous-text",
                Severity.MEDIUM,
                f"TorchScript text mentions {match.group(0)!r} outside code Python's parser "
                "sees (a string or unparsable part); review it",
            )
        )
    return out


_OPERATOR_NAME = re.compile(r"([A-Za-z_]\w{0,63})::([A-Za-z_]\w{0,127})")


def analyze_bytecode(data: bytes) -> list[CodeIssue]:
    """Operators named in a mobile (lite interpreter) ``bytecode.pkl``.

    ``_load_for_lite_interpreter`` runs the instructions of this pickle and needs no
    ``code/`` folder, so its operator tables (``("aten::from_file", "", 4)``...) are
    read here: every ``NS::name`` string the pickle holds (``pickletools.genops`` only
    parses opcodes; nothing is unpickled).
    """
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    strings: list[str] = []
    try:
        for _opcode, arg, _pos in pickletools.genops(data):
            if isinstance(arg, str) and "::" in arg:
                strings.append(arg)
    except Exception:  # genops raises many types on bad data; keep the strings already seen
        pass
    for text in strings:
        match = _OPERATOR_NAME.fullmatch(text)
        if match is not None:
            _check_name(f"ops.{match.group(1)}.{match.group(2)}", ("bytecode",), issues, seen)
    return issues


def custom_class_issues(names: list[str]) -> list[CodeIssue]:
    """Custom TorchScript classes from extension namespaces among a pickle's globals."""
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    for name in names:
        if _custom_class(name) is not None:
            _check_name(name, ("pickle",), issues, seen)
    return issues


def is_code_member(name: str) -> bool:
    """``prefix/code/...py`` members (also at the archive root, which torch accepts)."""
    parts = name.split("/")
    return name.endswith(".py") and "code" in parts[:-1]


__all__ = [
    "DANGEROUS_OPS",
    "MAX_CODE_BYTES",
    "CodeIssue",
    "analyze_bytecode",
    "analyze_code",
    "custom_class_issues",
    "is_code_member",
]
