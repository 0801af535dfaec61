"""Python source shipped inside a model (``torch.package`` archives), read statically.

``torch.package.PackageImporter`` imports the archive's interned modules from
their ``.py`` source when it unpickles a class defined there: every top-level
statement runs during the load, and the model's methods run when it is used.
This walks the syntax tree (:func:`ast.parse` never executes anything) with the
file's imports resolved (``import subprocess as sp``; ``from os import system``)
and reports references to functions that run programs, evaluate code, load
native code or open connections, and imports of modules that exist only for
that. Ordinary model code (``torch``, ``numpy``, ``os.path``...) is quiet.
"""

from __future__ import annotations

import ast
import re

from chainward.models.torchscript import MAX_NODES, MAX_PARSE_BYTES, CodeIssue
from chainward.records import Severity

# dotted prefix -> what it does (calls or references)
DANGEROUS_CALLS: dict[str, str] = {
    "os.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "os.exec": "replaces the process with another program",
    "os.spawn": "starts a program",
    "os.posix_spawn": "starts a program",
    "os.fork": "forks the process",
    "os.kill": "kills processes",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "os.rmdir": "deletes directories",
    "os.putenv": "changes the environment",
    "subprocess": "starts a program",
    "pty": "starts a program in a pseudo-terminal",
    "_posixsubprocess": "starts a program",
    "socket": "opens network connections",
    "ctypes": "calls native code",
    "cffi": "calls native code",
    "marshal.loads": "loads code objects",
    "pickle.loads": "unpickles nested data",
    "pickle.load": "unpickles nested data",
    "importlib.import_module": "imports an arbitrary module",
    "runpy": "runs a module or script",
    "shutil.rmtree": "deletes directory trees",
    "urllib.request": "makes network requests",
    "http.client": "makes HTTP requests",
    "requests": "makes network requests",
    "httpx": "makes network requests",
    "webbrowser": "opens a browser (runs a program)",
    "torch.hub": "downloads and runs code",
    "torch.utils.cpp_extension": "compiles and loads native code",
    "torch.ops.load_library": "loads a native library",
    "builtins.eval": "evaluates Python code",
    "builtins.exec": "executes Python code",
    "builtins.compile": "compiles Python code",
    "builtins.__import__": "imports an arbitrary module",
    "builtins.breakpoint": "starts a debugger",
}
# modules whose import alone is worth a review in model code
REVIEW_IMPORTS = frozenset(
    {"subprocess", "pty", "socket", "ctypes", "cffi", "marshal", "runpy", "webbrowser",
     "urllib.request", "http.client", "requests", "httpx", "paramiko", "ftplib", "smtplib"}
)  # fmt: skip
_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}


def _danger(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] in ("posix", "nt"):
        parts = ["os", *parts[1:]]
    if parts[0] == "os" and len(parts) > 1:
        for family in ("exec", "spawn", "posix_spawn"):
            if parts[1].startswith(family):
                return DANGEROUS_CALLS[f"os.{family}"]
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in DANGEROUS_CALLS:
            return DANGEROUS_CALLS[key]
    return None


_LARGE_NAMES = re.compile(
    r"\b(os|posix|subprocess|pty|socket|ctypes|importlib|runpy|builtins)\s*\.\s*(\w+)"
    r"|\b(eval|exec|compile|__import__)\s*\("
)


def _large_text_issues(text: str) -> list[CodeIssue]:
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    for match in _LARGE_NAMES.finditer(text):
        full = (
            f"{match.group(1)}.{match.group(2)}" if match.group(1) else f"builtins.{match.group(3)}"
        )
        what = _danger(full)
        if what is not None and full not in seen:
            seen.add(full)
            issues.append(
                CodeIssue(
                    "python-source-dangerous-call",
                    Severity.HIGH,
                    f"packaged Python source mentions {full} (file too large to parse; found by "
                    f"text search), which {what}",
                )
            )
    return issues


def analyze_python(text: str) -> list[CodeIssue]:
    """Issues in one Python module's source (never executes it)."""
    if len(text) > MAX_PARSE_BYTES:
        return _large_text_issues(text)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [
            CodeIssue(
                "python-source-unparsed",
                Severity.MEDIUM,
                f"packaged Python source could not be parsed ({type(exc).__name__}); "
                "it was not analysed",
            )
        ]
    aliases: dict[str, str] = {name: f"builtins.{name}" for name in _BUILTINS}
    issues: list[CodeIssue] = []
    seen: set[str] = set()
    nodes: list[ast.AST] = []
    inner: set[int] = set()  # the .value of an attribute chain: only whole chains count
    for node in ast.walk(tree):
        nodes.append(node)
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
        if len(nodes) > MAX_NODES:
            return [
                CodeIssue(
                    "python-source-too-large",
                    Severity.MEDIUM,
                    "packaged Python source is too large to analyse",
                )
            ]
    for node in nodes:  # imports first: aliases hold for the whole module
        if isinstance(node, ast.Import):
            for item in node.names:
                aliases[(item.asname or item.name).split(".")[0]] = (
                    item.name if item.asname else item.name.split(".")[0]
                )
                if item.name in REVIEW_IMPORTS and item.name not in seen:
                    seen.add(item.name)
                    issues.append(_import_issue(item.name, node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for item in node.names:
                full = f"{node.module}.{item.name}"
                aliases[item.asname or item.name] = full
                if node.module in REVIEW_IMPORTS and node.module not in seen:
                    seen.add(node.module)
                    issues.append(_import_issue(node.module, node.lineno))
    for node in nodes:
        if id(node) in inner:
            continue
        name = _dotted(node) if isinstance(node, ast.Attribute | ast.Name) else None
        if name is None:
            continue
        head, _, rest = name.partition(".")
        if head not in aliases:
            continue
        full = aliases[head] + (f".{rest}" if rest else "")
        what = _danger(full)
        if what is not None and full not in seen:
            seen.add(full)
            issues.append(
                CodeIssue(
                    "python-source-dangerous-call",
                    Severity.HIGH,
                    f"packaged Python source uses {full} (line {getattr(node, 'lineno', '?')}), "
                    f"which {what}; it runs when the package is imported or the model is used",
                    f"line {getattr(node, 'lineno', '?')}",
                )
            )
    return issues


def _import_issue(module: str, line: int) -> CodeIssue:
    return CodeIssue(
        "python-source-import",
        Severity.MEDIUM,
        f"packaged Python source imports {module} (line {line}); review what it does",
        f"line {line}",
    )


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


__all__ = ["DANGEROUS_CALLS", "analyze_python"]
