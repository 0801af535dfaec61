"""Every rule ``chainward pkg check`` can report: id, default severity, description.

Severities of code rules are adjusted by *trigger*: what runs at install or interpreter
start-up weighs more than what runs at import, which weighs more than a function the
user must call (a screenshot library taking screenshots is not an alarm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chainward.records import Finding, Location, Severity

CHECK = "packages"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str


_ALL = (
    Rule(
        "known-malicious",
        Severity.CRITICAL,
        "The package (and version) is named by an OSV malicious-package advisory.",
    ),
    Rule(
        "typosquat",
        Severity.HIGH,
        "The name imitates a more popular package (typo, confusable, affix, combo).",
    ),
    Rule(
        "archive-traversal",
        Severity.HIGH,
        "An archive member path is absolute or escapes the archive root.",
    ),
    Rule(
        "archive-link",
        Severity.HIGH,
        "The archive contains links that point outside it (links between its own files "
        "are reported at low severity).",
    ),
    Rule(
        "archive-bomb",
        Severity.HIGH,
        "The archive decompresses to far more than it weighs (decompression bomb).",
    ),
    Rule(
        "archive-special-file",
        Severity.MEDIUM,
        "The archive contains device files, FIFOs or other non-regular files.",
    ),
    Rule(
        "decode-exec",
        Severity.CRITICAL,
        "Data from a decoder (base64, zlib, marshal, rot13, reversed, chr arrays, hex, XOR, "
        "decryption) or from the network reaches exec/eval/compile/__import__/a shell.",
    ),
    Rule(
        "download-exec",
        Severity.CRITICAL,
        "Something fetched from the network is written out and run, or executed directly.",
    ),
    Rule(
        "exfiltration",
        Severity.CRITICAL,
        "Secrets (environment dump, SSH keys, cloud credentials, browser data, wallets, "
        "Discord tokens, clipboard, keystrokes) and a network sink in the same code path.",
    ),
    Rule(
        "reverse-shell",
        Severity.CRITICAL,
        "A socket wired to a shell (dup2 of the socket onto stdio, or a pty over it).",
    ),
    Rule(
        "install-network",
        Severity.HIGH,
        "Network access while the package is being built or installed, or at start-up.",
    ),
    Rule("import-network", Severity.MEDIUM, "Network access when a module is imported."),
    Rule(
        "install-shell",
        Severity.HIGH,
        "A shell command with download, encoding or hiding features at install, start-up or "
        "import time.",
    ),
    Rule(
        "secret-access",
        Severity.HIGH,
        "Credential stores, browser profiles, wallets or Discord data read at install, "
        "start-up or import time.",
    ),
    Rule(
        "surveillance",
        Severity.HIGH,
        "Clipboard, keystroke or screen capture at install, start-up or import time.",
    ),
    Rule(
        "persistence",
        Severity.HIGH,
        "Writes to autostart locations (Run keys, crontab, shell rc files, LaunchAgents).",
    ),
    Rule(
        "pth-exec",
        Severity.HIGH,
        "A .pth file with executable import lines runs code at every interpreter start.",
    ),
    Rule(
        "startup-hook",
        Severity.HIGH,
        "The package ships sitecustomize.py or usercustomize.py, run at interpreter start.",
    ),
    Rule(
        "shadow-command",
        Severity.HIGH,
        "A console script shadows a common command (pip, python, git, ssh, sudo...).",
    ),
    Rule(
        "intree-backend",
        Severity.LOW,
        "The build backend is code inside the sdist (pyproject backend-path); it runs at "
        "install and is analysed as install-time code.",
    ),
    Rule(
        "cmdclass-override",
        Severity.LOW,
        "setup.py overrides install/develop/egg_info commands; their code runs at install.",
    ),
    Rule(
        "obfuscation",
        Severity.MEDIUM,
        "Large encoded blobs or known obfuscators (pyarmor, pyobfuscate) in package code.",
    ),
    Rule(
        "dynamic-exec",
        Severity.MEDIUM,
        "exec/eval of a computed value at install, start-up or import time.",
    ),
    Rule(
        "sourceless-bytecode",
        Severity.HIGH,
        "A .pyc without its source: code that source rules cannot read.",
    ),
    Rule(
        "pickle-code",
        Severity.CRITICAL,
        "A pickle in the package imports callables that execute code when it is loaded.",
    ),
    Rule(
        "hidden-payload",
        Severity.HIGH,
        "Data appended after the end of an image or audio file, read by package code.",
    ),
    Rule(
        "bundled-executable",
        Severity.MEDIUM,
        "A native executable (ELF, PE, Mach-O) shipped in a source distribution.",
    ),
    Rule(
        "metadata-mismatch",
        Severity.MEDIUM,
        "The archive file name disagrees with the Name/Version in its metadata.",
    ),
    Rule(
        "direct-url-dependency",
        Severity.HIGH,
        "A dependency is fetched from a direct URL or dependency_links, bypassing the index.",
    ),
    Rule(
        "dependency-confusion",
        Severity.HIGH,
        "An unpopular, internal-looking name published with an absurdly high version.",
    ),
    Rule("empty-description", Severity.LOW, "The package has no summary and no description."),
    Rule(
        "borrowed-description",
        Severity.MEDIUM,
        "The home page or repository is that of a different, popular project.",
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _ALL})


def finding(
    rule_id: str,
    message: str,
    *,
    subject: str = "",
    path: str | None = None,
    line: int | None = None,
    snippet: str | None = None,
    severity: Severity | None = None,
    **properties: Any,
) -> Finding:
    """A :class:`Finding` for ``rule_id`` with its default severity unless one is given."""
    rule = RULES[rule_id]
    location = Location(path, line) if path is not None else None
    if snippet is not None:
        snippet = " ".join(snippet.split())[:200]
    props = {k: v for k, v in properties.items() if v is not None}
    return Finding(
        check=CHECK,
        rule=rule_id,
        severity=rule.severity if severity is None else severity,
        message=message,
        subject=subject,
        location=location,
        evidence=snippet,
        properties=MappingProxyType(props),
    )


__all__ = ["CHECK", "RULES", "Rule", "finding"]
