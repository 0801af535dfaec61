"""Static analysis of one sdist or wheel: every file, every execution surface.

Execution surfaces and their triggers:

- install: ``setup.py`` (module level, command classes, helpers it calls), local modules
  ``setup.py`` imports, in-tree PEP 517 backends named by ``backend-path``;
- start-up: ``.pth`` import lines, ``sitecustomize``/``usercustomize``;
- import: module-level code of every package module;
- runtime: function bodies nothing above calls, tests, docs and examples.
"""

from __future__ import annotations

import ast
import posixpath
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chainward.packages.archive import carriers
from chainward.packages.archive.extract import Contents, Member, read_archive
from chainward.packages.archive.metadata import (
    Metadata,
    absurd_version,
    direct_url_requirements,
    filename_identity,
    read_metadata,
    repository_name,
    same_version,
)
from chainward.packages.archive.pycode import (
    DEV,
    IMPORT,
    INSTALL,
    RUNTIME,
    STARTUP,
    analyse_python,
    worth_analysing,
)
from chainward.packages.rules import finding
from chainward.records import Finding, Severity, canonical_name

SHADOWED_COMMANDS = frozenset(
    {
        "pip",
        "pip3",
        "python",
        "python3",
        "git",
        "ssh",
        "sudo",
        "ls",
        "curl",
        "wget",
        "bash",
        "sh",
        "zsh",
        "node",
        "npm",
        "docker",
        "kubectl",
        "aws",
        "gcloud",
        "az",
        "conda",
        "cd",
        "cp",
        "mv",
        "rm",
        "cat",
        "openssl",
        "gpg",
        "ssh-keygen",
        "scp",
    }
)
_NON_IMPORTED_DIRS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "doc",
        "docs",
        "example",
        "examples",
        "benchmarks",
        "bench",
        "demo",
        "demos",
        "scripts",
        "tools",
        "ci",
        ".github",
    }
)
MAX_PYTHON_FILES = 5000
MAX_PYTHON_BYTES = 64 * 1024 * 1024


@dataclass
class ArchiveReport:
    """Findings about one archive, with what was read from it."""

    path: str
    kind: str
    sha256: str
    metadata: Metadata
    findings: list[Finding] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def scan_archive(path: Path, *, popular: Iterable[str] = ()) -> ArchiveReport:
    """Analyse the archive at ``path`` without installing or importing anything."""
    start = time.perf_counter()
    contents = read_archive(path)
    meta = read_metadata(contents)
    report = ArchiveReport(str(path), contents.kind, contents.sha256, meta)
    report.skipped.extend(contents.skipped)
    report.findings.extend(_hazards(contents))
    report.findings.extend(_metadata_findings(path, contents, meta, frozenset(popular)))
    report.findings.extend(_code_findings(contents, meta, report))
    report.seconds = time.perf_counter() - start
    return report


def _hazards(contents: Contents) -> Iterable[Finding]:
    rules = {
        "traversal": "archive-traversal",
        "link-out": "archive-link",
        "link": "archive-link",
        "bomb": "archive-bomb",
        "special": "archive-special-file",
    }
    for hazard in contents.hazards:
        # a link between two files of the archive (docs/ -> README) is unusual, not hostile
        severity = Severity.LOW if hazard.kind == "link" else None
        yield finding(
            rules[hazard.kind], hazard.detail, path=hazard.path or None, severity=severity
        )


def _metadata_findings(
    path: Path, contents: Contents, meta: Metadata, popular: frozenset[str]
) -> Iterable[Finding]:
    source = meta.source
    if meta.name is None and source is None:
        yield finding(
            "metadata-mismatch",
            "no PKG-INFO or METADATA file in the archive",
            severity=Severity.LOW,
        )
    identity = filename_identity(path.name)
    if identity is not None and meta.name is not None:
        file_name, file_version = identity
        if canonical_name(file_name) != canonical_name(meta.name):
            yield finding(
                "metadata-mismatch",
                f"file name says {file_name!r}, metadata says {meta.name!r}",
                path=source,
            )
        elif meta.version and not same_version(file_version, meta.version):
            yield finding(
                "metadata-mismatch",
                f"file name says version {file_version}, metadata says {meta.version}",
                path=source,
            )
    name = canonical_name(meta.name) if meta.name else None
    for requirement in direct_url_requirements(meta):
        yield finding(
            "direct-url-dependency",
            f"dependency from a direct URL: {requirement}",
            path=source,
            snippet=requirement,
        )
    if name and name not in popular and absurd_version(meta.version):
        yield finding(
            "dependency-confusion",
            f"unpopular name {meta.name!r} published as version {meta.version}",
            path=source,
        )
    if meta.name and not meta.summary.strip() and not meta.description.strip():
        yield finding("empty-description", "no summary and no description", path=source)
    if name and name not in popular:
        for url in meta.urls:
            repo = repository_name(url)
            if repo and repo in popular and repo != name and repo not in name:
                yield finding(
                    "borrowed-description",
                    f"points at the repository of the popular project {repo!r}",
                    path=source,
                    snippet=url,
                )
                break
    for script, where in sorted(meta.console_scripts.items()):
        command = script.lower().removesuffix(".exe")
        if name is not None and command.rstrip("0123456789.") == name:
            continue  # pip installing "pip", "pip3": the command is the project's own
        if command in SHADOWED_COMMANDS:
            yield finding("shadow-command", f"installs a command named {script!r}", path=where)
    if meta.backend_path:
        yield finding(
            "intree-backend",
            f"build backend {meta.build_backend!r} from {meta.backend_path}",
            path="pyproject.toml",
        )


def _trigger_for(path: str, contents: Contents, install_modules: set[str]) -> str:
    parts = path.split("/")
    stem = posixpath.splitext(parts[-1])[0]
    if contents.kind == "sdist" and path == "setup.py":
        return INSTALL
    if path in install_modules:
        return INSTALL
    if stem in ("sitecustomize", "usercustomize") and (
        len(parts) == 1 or (contents.kind == "wheel" and ".data/" in path)
    ):
        return STARTUP
    if contents.kind == "wheel" and ".data/scripts/" in path:
        return RUNTIME
    if any(p.lower() in _NON_IMPORTED_DIRS for p in parts[:-1]) or stem.startswith("test_"):
        return DEV
    if contents.kind == "sdist" and len(parts) == 1 and stem not in ("__init__",):
        return DEV  # root scripts of an sdist other than setup.py are not installed code
    return IMPORT


def _dotted(path: str, kind: str) -> str:
    parts = posixpath.splitext(path)[0].split("/")
    if kind == "sdist" and parts and parts[0] in ("src", "lib", "python"):
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


_IMPORT_LINE = re.compile(
    rb"^[ \t]{0,8}(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w., \t]+)|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)


def _module_imports(source: bytes, dotted: str, is_package: bool) -> Iterable[str]:
    """Dotted names a module imports near the top level (read from lines, without parsing)."""
    package = dotted if is_package else dotted.rpartition(".")[0]
    for match in _IMPORT_LINE.finditer(source):
        dots, module, names, plain = (
            g.decode("ascii", "replace") if g else "" for g in match.groups()
        )
        if plain:
            for item in plain.split(","):
                yield item.strip().split(" ")[0]
            continue
        if dots:
            base = package
            for _ in range(len(dots) - 1):
                base = base.rpartition(".")[0]
            module = f"{base}.{module}" if module else base
        yield module
        for item in names.split(","):
            name = item.strip().split(" ")[0]
            if name:
                yield f"{module}.{name}"


def _install_modules(contents: Contents, meta: Metadata) -> set[str]:
    """Root-level modules that setup.py imports, and in-tree build backend modules."""
    paths: set[str] = set()
    if contents.kind != "sdist":
        return paths
    setup = contents.get("setup.py")
    if setup is not None:
        try:
            tree = ast.parse(setup.data.decode("utf-8", "replace"))
        except (SyntaxError, ValueError, RecursionError):
            tree = None
        if tree is not None:
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    base = name.replace(".", "/")
                    for candidate in (f"{base}.py", f"{base}/__init__.py"):
                        if contents.get(candidate) is not None:
                            paths.add(candidate)
    if meta.build_backend:
        module = meta.build_backend.split(":")[0].replace(".", "/")
        for root in meta.backend_path:
            root = posixpath.normpath(root).strip("/")
            prefix = "" if root in ("", ".") else f"{root}/"
            for candidate in (f"{prefix}{module}.py", f"{prefix}{module}/__init__.py"):
                if contents.get(candidate) is not None:
                    paths.add(candidate)
            for member in contents.members:
                if prefix and member.path.startswith(prefix) and member.path.endswith(".py"):
                    paths.add(member.path)
    return paths


def _code_findings(contents: Contents, meta: Metadata, report: ArchiveReport) -> list[Finding]:
    out: list[Finding] = []
    install_modules = _install_modules(contents, meta)
    backend_modules = install_modules - {"setup.py"}
    sources = {m.path for m in contents.members if m.path.endswith(".py")}
    media: list[tuple[Member, int]] = []
    reads_media_exec = False
    triggers = _python_triggers(contents, install_modules, report)
    for member in contents.members:
        path, data = member.path, member.data
        lower = path.lower()
        if lower.endswith((".py", ".pyw")):
            if path not in triggers:
                continue
            trigger, _ = triggers[path]
            stem = posixpath.splitext(posixpath.basename(path))[0]
            if trigger == STARTUP or (
                stem in ("sitecustomize", "usercustomize") and path.count("/") <= 1
            ):
                out.append(finding("startup-hook", f"ships {posixpath.basename(path)}", path=path))
            if not worth_analysing(data):
                continue
            analysis = analyse_python(
                data,
                path,
                trigger,
                setup_script=path == "setup.py" and contents.kind == "sdist",
                backend=path in backend_modules,
            )
            if analysis is None:
                if not member.truncated:
                    report.skipped.append((path, "not parseable as Python 3 source"))
                continue
            out.extend(analysis.findings)
            if analysis.cmdclass and path == "setup.py":
                out.append(
                    finding(
                        "cmdclass-override", "custom setup commands run code at install", path=path
                    )
                )
            reads_media_exec = reads_media_exec or (analysis.reads_media and analysis.has_exec)
        elif lower.endswith(".pth"):
            out.extend(_pth_findings(member))
        elif lower.endswith((".pyc", ".pyo")):
            source = _source_for_pyc(path)
            if source not in sources:
                names = carriers.pyc_names(data)
                detail = f" (mentions {', '.join(names)})" if names else ""
                out.append(
                    finding("sourceless-bytecode", f"bytecode without source{detail}", path=path)
                )
        elif carriers.is_pickle(data):
            bad = sorted({g for g in carriers.pickle_globals(data) if carriers.dangerous_global(g)})
            if bad:
                out.append(
                    finding("pickle-code", f"pickle imports {', '.join(bad[:5])}", path=path)
                )
        else:
            tail = carriers.media_tail(path, data)
            if tail >= 64:
                media.append((member, tail))
            kind = carriers.executable_kind(data)
            if kind and contents.kind == "sdist":
                # launchers shipped as data (setuptools' cli.exe) are common; one that the
                # build script names is what runs at install
                setup = contents.get("setup.py")
                named = setup is not None and posixpath.basename(path).encode() in setup.data
                out.append(
                    finding(
                        "bundled-executable",
                        f"{kind} executable in the sdist"
                        + (", named by setup.py" if named else ""),
                        path=path,
                        severity=Severity.MEDIUM if named else Severity.LOW,
                    )
                )
    for member, tail in media:
        severity = Severity.HIGH if reads_media_exec else Severity.LOW
        how = "; package code reads media files and executes data" if reads_media_exec else ""
        out.append(
            finding(
                "hidden-payload",
                f"{tail} bytes after the end of the file{how}",
                path=member.path,
                severity=severity,
            )
        )
    return out


def _python_triggers(
    contents: Contents, install_modules: set[str], report: ArchiveReport
) -> dict[str, tuple[str, ast.Module | None]]:
    """Parse every Python file once and decide what runs it.

    A module imported at module level by code that runs at install, start-up or import
    runs then too, wherever it lives (payloads hide in "tests/").
    """
    out: dict[str, tuple[str, ast.Module | None]] = {}
    by_dotted: dict[str, str] = {}
    files = 0
    volume = 0
    for member in contents.members:
        if not member.path.lower().endswith((".py", ".pyw")):
            continue
        files += 1
        volume += len(member.data)
        if files > MAX_PYTHON_FILES or volume > MAX_PYTHON_BYTES:
            report.skipped.append((member.path, "analysis budget for Python files exhausted"))
            continue
        out[member.path] = (_trigger_for(member.path, contents, install_modules), None)
        by_dotted.setdefault(_dotted(member.path, contents.kind), member.path)
    queue = [p for p, (t, _) in out.items() if t in (INSTALL, STARTUP, IMPORT)]
    while queue:
        path = queue.pop()
        trigger, _ = out[path]
        source = contents.get(path)
        if source is None:
            continue
        is_package = path.endswith("__init__.py")
        for name in _module_imports(source.data, _dotted(path, contents.kind), is_package):
            target = by_dotted.get(name)
            if target is None or target == path:
                continue
            current, target_tree = out[target]
            if current in (DEV, RUNTIME):
                out[target] = (IMPORT if trigger == IMPORT else trigger, target_tree)
                queue.append(target)
    return out


def _source_for_pyc(path: str) -> str:
    directory, base = posixpath.split(path)
    module = base.split(".", 1)[0]
    if posixpath.basename(directory) == "__pycache__":
        directory = posixpath.dirname(directory)
    return posixpath.join(directory, f"{module}.py")


def _pth_findings(member: Member) -> list[Finding]:
    text = member.data.decode("utf-8", "replace")
    out: list[Finding] = []
    executable = [
        (number, line)
        for number, line in enumerate(text.splitlines(), 1)
        if line.startswith(("import ", "import\t"))
    ]
    if not executable:
        return out
    number, line = executable[0]
    out.append(
        finding(
            "pth-exec",
            f"{len(executable)} executable line(s) run at every start-up",
            path=member.path,
            line=number,
            snippet=line,
            severity=Severity.LOW,
        )
    )
    # each line is run by site.py: analyse it as start-up code
    source = "\n".join(line for _, line in executable).encode()
    analysis = analyse_python(source, member.path, STARTUP)
    if analysis is not None:
        lines = dict(enumerate((line for _, line in executable), 1))
        numbers = {i: n for i, (n, _) in enumerate(executable, 1)}
        for item in analysis.findings:
            location = item.location
            if location is not None and location.line in numbers:
                from chainward.records import Location

                item = item.replace(
                    location=Location(location.path, numbers[location.line]),
                    evidence=lines[location.line][:200],
                )
            out.append(item)
    return out


__all__ = ["ArchiveReport", "scan_archive"]
