"""Static analysis of Jinja2 chat templates (GGUF ``tokenizer.chat_template``).

The template is parsed with Jinja2's own parser (never rendered) and its AST
walked for the shapes every published sandbox escape needs: dunder or private
attribute access (``__class__``, ``__globals__``, ``_TemplateReference__context``),
the ``attr`` filter with a computed or dunder name, dunder strings, the ``self``
reference and the ``cycler``/``joiner``/``lipsum`` globals whose ``__init__``
leads back to Python. Ordinary chat templates (``raise_exception``,
``namespace``, ``tojson``, ``strftime_now``, loops over messages) stay clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainward.records import Severity

if TYPE_CHECKING:
    from jinja2 import nodes

DUNDER = re.compile(r"__[A-Za-z][A-Za-z0-9_]*__")
ESCAPE_GLOBALS = frozenset(
    {
        "cycler",
        "joiner",
        "lipsum",
        "self",
        "config",
        "request",
        "url_for",
        "get_flashed_messages",
        "g",
        "session",
    }
)
MAX_TEMPLATE = 1 << 20


@dataclass(frozen=True)
class TemplateIssue:
    """One sandbox-escape pattern in a chat template."""

    rule: str
    severity: Severity
    message: str
    line: int | None


def analyze_template(source: str) -> list[TemplateIssue]:
    """Issues in a Jinja2 template's AST (empty for ordinary chat templates)."""
    from jinja2 import Environment, nodes
    from jinja2.exceptions import TemplateSyntaxError

    if len(source) > MAX_TEMPLATE:
        return [
            TemplateIssue(
                "template-too-large",
                Severity.MEDIUM,
                f"chat template of {len(source)} characters was not analysed",
                None,
            )
        ]
    env = Environment(extensions=["jinja2.ext.loopcontrols", _generation_extension()])
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        unparsed = [
            TemplateIssue(
                "template-syntax",
                Severity.LOW,
                f"chat template does not parse with Jinja2 ({exc.message})",
                exc.lineno,
            )
        ]
        # other runtimes (llama.cpp's minja) accept syntax Jinja2 refuses: what no
        # ordinary template contains is still looked for in the text
        match = DUNDER.search(source) or _ESCAPE_WORDS.search(source)
        if match is not None:
            unparsed.append(
                TemplateIssue(
                    "template-dunder-string",
                    Severity.HIGH,
                    f"an unparsed template mentions {match.group(0)!r}, a sandbox-escape step",
                    source.count("\n", 0, match.start()) + 1,
                )
            )
        return unparsed
    except (RecursionError, MemoryError):
        return [
            TemplateIssue(
                "template-too-complex",
                Severity.MEDIUM,
                "chat template nests too deeply to analyse",
                None,
            )
        ]
    issues: list[TemplateIssue] = []
    seen: set[tuple[str, str]] = set()

    def add(rule: str, severity: Severity, message: str, node: nodes.Node) -> None:
        if (rule, message) in seen:
            return
        seen.add((rule, message))
        issues.append(TemplateIssue(rule, severity, message, getattr(node, "lineno", None)))

    stack: list[nodes.Node] = [tree]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > 1_000_000:
            add("template-too-complex", Severity.MEDIUM, "chat template AST is too large", node)
            break
        if isinstance(node, nodes.Getattr) and (node.attr.startswith("_")):
            add(
                "template-dunder-access",
                Severity.HIGH,
                f"accesses attribute {node.attr!r} (the first step of every Jinja sandbox escape)",
                node,
            )
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("__")
        ):
            add(
                "template-dunder-access",
                Severity.HIGH,
                f"accesses item {node.arg.value!r} (a dunder name)",
                node,
            )
        elif isinstance(node, nodes.Getitem) and _builds_string(node.arg):
            add(
                "template-computed-item",
                Severity.HIGH,
                "subscripts with a key built from string pieces (how sandbox escapes spell "
                "'__class__' without writing it)",
                node,
            )
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str)):
                add(
                    "template-computed-attr",
                    Severity.HIGH,
                    "uses the attr filter with a computed attribute name",
                    node,
                )
            elif arg.value.startswith("_"):
                add(
                    "template-dunder-access",
                    Severity.HIGH,
                    f"uses attr({arg.value!r}) to reach a private attribute",
                    node,
                )
        elif (
            isinstance(node, nodes.Const)
            and isinstance(node.value, str)
            and (match := DUNDER.search(node.value)) is not None
        ):
            add(
                "template-dunder-string",
                Severity.HIGH,
                f"contains the dunder name {match.group(0)!r} in a string "
                "(used to build attribute names or format-string escapes)",
                node,
            )
        elif (
            isinstance(node, nodes.Concat | nodes.Add)
            or (isinstance(node, nodes.Filter) and node.name == "join")
        ) and (match := DUNDER.search(_joined_constants(node))) is not None:
            add(
                "template-dunder-string",
                Severity.HIGH,
                f"joins string pieces into the dunder name {match.group(0)!r}",
                node,
            )
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name in ESCAPE_GLOBALS:
            add(
                "template-escape-global",
                Severity.MEDIUM,
                f"uses {node.name!r}, an object that appears in sandbox escapes and never in "
                "ordinary chat templates",
                node,
            )
        elif isinstance(node, nodes.Import | nodes.FromImport | nodes.Include | nodes.Extends):
            add(
                "template-loads-template",
                Severity.MEDIUM,
                "imports or includes another template",
                node,
            )
        stack.extend(node.iter_child_nodes())
    return issues


_ESCAPE_WORDS = re.compile(r"\b(?:cycler|joiner|lipsum|_TemplateReference__context)\b")


def _generation_extension() -> type:
    """``{% generation %}...{% endgeneration %}``, the block transformers' chat templates
    use to mark assistant text (its AssistantTracker): parsed so its body is walked."""
    from jinja2 import nodes
    from jinja2.ext import Extension
    from jinja2.parser import Parser

    class Generation(Extension):
        tags = {"generation"}  # noqa: RUF012 (jinja2 declares it a plain attribute)

        def parse(self, parser: Parser) -> nodes.Node:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.Scope(body).set_lineno(lineno)

    return Generation


_STRING_FILTERS = frozenset({"join", "format", "replace", "string", "lower", "upper", "trim"})
_STRING_METHODS = frozenset({"format", "join", "replace", "lower", "upper", "strip"})


def _builds_string(node: nodes.Node) -> bool:
    """An expression that makes a new string from pieces (a computed item key)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Concat):
        return True
    if isinstance(node, nodes.Add | nodes.Mod):
        return any(
            (isinstance(side, nodes.Const) and isinstance(side.value, str)) or _builds_string(side)
            for side in (node.left, node.right)
        )
    if isinstance(node, nodes.Filter):
        return node.name in _STRING_FILTERS
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        return node.node.attr in _STRING_METHODS
    if isinstance(node, nodes.CondExpr):
        return _builds_string(node.expr1) or (node.expr2 is not None and _builds_string(node.expr2))
    return False


def _joined_constants(node: nodes.Node) -> str:
    """The string constants under ``node``, in order, joined (``'__cla' ~ 'ss__'``)."""
    from jinja2 import nodes

    pieces: list[str] = []
    stack = [node]
    while stack and len(pieces) < 256:
        current = stack.pop()
        if isinstance(current, nodes.Const) and isinstance(current.value, str):
            pieces.append(current.value)
        stack.extend(reversed(list(current.iter_child_nodes())))
    return "".join(pieces)


__all__ = ["TemplateIssue", "analyze_template"]
