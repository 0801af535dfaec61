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
    folder = _Folder(tree)

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
        elif (
            isinstance(node, nodes.Getitem)
            and not isinstance(node.arg, nodes.Const)
            and (name := _private_name(folder.strings(node.arg)))
        ):
            add(
                "template-dunder-access",
                Severity.HIGH,
                f"accesses item {name!r}, a name built from pieces or variables",
                node,
            )
        elif isinstance(node, nodes.Filter) and (
            name := _private_name(folder.strings(_attribute_argument(node)))
        ):
            add(
                "template-dunder-access",
                Severity.HIGH,
                f"reaches attribute {name!r} through the {node.name} filter",
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
        elif (match := _built_dunder(node, folder)) is not None:
            add(
                "template-dunder-string",
                Severity.HIGH,
                f"joins string pieces into the dunder name {match.group(0)!r}",
                node,
            )
        elif isinstance(node, nodes.Keyword) and (match := DUNDER.search(node.key)) is not None:
            add(
                "template-dunder-string",
                Severity.HIGH,
                f"names a keyword argument {match.group(0)!r} (dict(__class__=1)|join spells "
                "a dunder name without a string)",
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


# filters that read an attribute named by an argument (environment.getattr/getitem, where
# the unsandboxed Environment of older loaders allows any name)
_ATTRIBUTE_FILTERS = frozenset(
    {"map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max"}
)
_WIDE_FIELD = re.compile(r"%[-+ #0]*(?:\d{3,}|\*|\.\d{3,}|\.\*)")
_FOLD_LIMIT = 16  # strings one expression may fold to
_MAX_FOLDED = 256
_FOLD_DEPTH = 24
_MAX_REPEAT = 64


def _attribute_argument(node: nodes.Filter) -> nodes.Node | None:
    """The attribute name argument of a filter that looks attributes up, if any."""
    from jinja2 import nodes

    if node.name not in _ATTRIBUTE_FILTERS:
        return None
    found: nodes.Node | None = None
    for keyword in node.kwargs:
        if keyword.key == "attribute":
            found = keyword.value
    if found is None and node.name in ("selectattr", "rejectattr", "groupby") and node.args:
        found = node.args[0]
    # a literal name is checked as a string constant; only computed names are looked at here
    return None if isinstance(found, nodes.Const) else found


def _private_name(values: frozenset[str]) -> str | None:
    return next((v for v in sorted(values) if v.startswith("_") and len(v) > 1), None)


def _built_dunder(node: nodes.Node, folder: _Folder) -> re.Match[str] | None:
    """A dunder name that an expression builds from string pieces."""
    from jinja2 import nodes

    if isinstance(node, nodes.Concat | nodes.Add) or (
        isinstance(node, nodes.Filter) and node.name == "join"
    ):
        match = DUNDER.search(_joined_constants(node))
        if match is not None:
            return match
    if isinstance(
        node, nodes.Concat | nodes.Add | nodes.Mul | nodes.Mod | nodes.Filter | nodes.Call
    ):
        return _dunder_in(folder.strings(node))
    return None


def _bounded(values: set[str] | frozenset[str]) -> frozenset[str]:
    """At most ``_FOLD_LIMIT`` strings of at most ``_MAX_FOLDED`` characters (names are short;
    a doubling chain of variables must not grow without end)."""
    short = sorted(v for v in values if len(v) <= _MAX_FOLDED)
    return frozenset(short[:_FOLD_LIMIT])


def _dunder_in(values: frozenset[str]) -> re.Match[str] | None:
    for value in sorted(values):
        match = DUNDER.search(value)
        if match is not None:
            return match
    return None


class _Folder:
    """The strings an expression can evaluate to, where that follows from its constants
    and ``{% set %}`` variables alone: ``'_' * 2 ~ 'class' ~ u``, ``['_', '_']|join``,
    ``'ssalc'|reverse``, ``dict(_=1)|first``. Anything else folds to nothing.

    Variables are evaluated in document order, twice (a value built up in a loop gets
    one more round), each keeping at most ``_FOLD_LIMIT`` short strings: the work is
    linear in the template, however many assignments chain or repeat."""

    def __init__(self, tree: nodes.Template) -> None:
        from jinja2 import nodes

        assignments: list[tuple[str, nodes.Node]] = []
        for node in tree.find_all((nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                assignments.append((node.target.name, node.node))
            elif isinstance(node, nodes.AssignBlock) and isinstance(node.target, nodes.Name):
                assignments.append((node.target.name, nodes.Output(node.body)))
        self.values: dict[str, frozenset[str]] = {}
        for _round in range(2):
            for name, value in assignments:
                found = self.values.get(name, frozenset()) | self._fold(value, 0)
                self.values[name] = _bounded(found)
        self._cache: dict[int, frozenset[str]] = {}

    def strings(self, node: nodes.Node | None) -> frozenset[str]:
        if node is None:
            return frozenset()
        key = id(node)
        if key not in self._cache:
            self._cache[key] = _bounded(self._fold(node, 0))
        return self._cache[key]

    def _sub(self, node: nodes.Node | None, depth: int) -> frozenset[str]:
        if node is None or depth > _FOLD_DEPTH:
            return frozenset()
        return _bounded(self._fold(node, depth + 1))

    def _fold(self, node: nodes.Node, depth: int) -> set[str]:
        from jinja2 import nodes

        fold = self._sub
        if isinstance(node, nodes.Const):
            return {node.value} if isinstance(node.value, str) else set()
        if isinstance(node, nodes.TemplateData):
            return {node.data}
        if isinstance(node, nodes.Name):
            return set(self.values.get(node.name, ()))
        if isinstance(node, nodes.Concat | nodes.Output):
            parts = node.nodes
            return self._join([fold(part, depth) for part in parts])
        if isinstance(node, nodes.Add):
            return self._join([fold(node.left, depth), fold(node.right, depth)])
        if isinstance(node, nodes.Mul):
            return self._repeat(node, depth)
        if isinstance(node, nodes.Mod):
            args = node.right.items if isinstance(node.right, nodes.Tuple) else [node.right]
            return self._percent(node.left, args, depth)
        if isinstance(node, nodes.CondExpr):
            return set(fold(node.expr1, depth) | fold(node.expr2, depth))
        if isinstance(node, nodes.Filter):
            return self._filter(node, depth)
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name == "dict"
            and node.kwargs
        ):
            return {"".join(k.key for k in node.kwargs)}
        return set()

    def _join(self, pieces: list[frozenset[str]]) -> set[str]:
        results = {""}
        for piece in pieces:
            if not piece:
                return set()
            results = {a + b for a in results for b in piece}
            if len(results) > _FOLD_LIMIT:
                results = set(sorted(results)[:_FOLD_LIMIT])
        return results

    def _repeat(self, node: nodes.Mul, depth: int) -> set[str]:
        from jinja2 import nodes

        for text, count in ((node.left, node.right), (node.right, node.left)):
            if isinstance(count, nodes.Const) and isinstance(count.value, int):
                times = min(max(count.value, 0), _MAX_REPEAT)
                return {value * times for value in self._sub(text, depth)}
        return set()

    def _percent(self, template: nodes.Node | None, args: list[nodes.Expr], depth: int) -> set[str]:
        """``'%c%c' % (95, 95)`` or ``'%c%c'|format(95, 95)``, with constant arguments."""
        from jinja2 import nodes

        values: list[str | int] = []
        for arg in args:
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str | int)):
                return set()
            values.append(arg.value)
        found: set[str] = set()
        for text in self._sub(template, depth):
            if _WIDE_FIELD.search(text) or "%(" in text:
                continue  # a huge width would allocate; mappings need a dict
            try:
                found.add(text % tuple(values))
            except (TypeError, ValueError, OverflowError):
                continue
        return found

    def _filter(self, node: nodes.Filter, depth: int) -> set[str]:
        from jinja2 import nodes

        inner = node.node
        if node.name == "join":
            if isinstance(inner, nodes.List | nodes.Tuple):
                return self._join([self._sub(item, depth) for item in inner.items])
            if isinstance(inner, nodes.Call):
                return set(self._sub(inner, depth))
            return set()
        values = self._sub(inner, depth)
        if node.name in ("first", "last") and isinstance(inner, nodes.Call):
            return set(values)  # dict(a=1)|first is its key; one key folds exactly
        if node.name == "reverse":
            return {v[::-1] for v in values}
        if node.name in ("lower", "upper", "trim", "string", "e", "escape"):
            if node.name == "lower":
                return {v.lower() for v in values}
            if node.name == "upper":
                return {v.upper() for v in values}
            return {v.strip() for v in values} if node.name == "trim" else set(values)
        if node.name == "format":
            return self._percent(inner, node.args, depth)
        if node.name == "replace" and len(node.args) >= 2:
            olds, news = (
                self._sub(node.args[0], depth),
                self._sub(node.args[1], depth),
            )
            return {v.replace(o, n) for v in values for o in olds for n in news}
        return set()


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
