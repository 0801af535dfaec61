"""Argument parsers that unpickling a scipy.stats distribution runs with ``exec``.

``rv_generic.__setstate__`` calls ``_attach_argparser_methods``, which runs
``exec(self._parse_arg_template, ns)`` (scipy/stats/_distn_infrastructure.py), and
the template is part of the pickled ``__dict__``. So a distribution whose state holds
``_parse_arg_template = "import os; os.system(...)"`` runs it on load, though the
pickle only rebuilds an allowed class.

scipy fills a fixed template (``parse_arg_template % dct``): ``_parse_args``,
``_parse_args_rvs`` and ``_parse_args_stats``, each returning its own arguments
(``_parse_args_rvs`` through ``self._argcheck_rvs``). The template is parsed, never
run, and must have exactly that shape.
"""

from __future__ import annotations

import ast

TEMPLATE_KEY = "_parse_arg_template"

_FUNCTIONS = frozenset({"_parse_args", "_parse_args_rvs", "_parse_args_stats"})
_ARGCHECK = "_argcheck_rvs"
_MAX_TEMPLATE = 16 << 10  # scipy's are under 1 KiB; bounds the parse of a hostile one
_NODES = (
    ast.Module,
    ast.FunctionDef,
    ast.arguments,
    ast.arg,
    ast.Return,
    ast.Tuple,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.Attribute,
    ast.keyword,
)


def template_problem(template: object) -> str | None:
    """What is wrong with ``template`` (a pickled ``_parse_arg_template``), or None when
    it has the shape scipy generates."""
    if isinstance(template, bytes):
        template = template.decode("latin-1")  # Python 2 pickles
    if not isinstance(template, str):
        return "a template computed while loading"
    if len(template) > _MAX_TEMPLATE:
        return "a template too long to be scipy's"
    try:
        tree = ast.parse(template)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "a template that is not Python scipy generates"
    for node in ast.walk(tree):
        problem = _node_problem(node)
        if problem is not None:
            return problem
    return None


def _node_problem(node: ast.AST) -> str | None:
    if not isinstance(node, _NODES):
        return f"a {type(node).__name__} statement or expression"
    if isinstance(node, ast.Module):
        if not all(isinstance(item, ast.FunctionDef) for item in node.body):
            return "code outside the parser functions"
    elif isinstance(node, ast.FunctionDef):
        if node.name not in _FUNCTIONS or node.decorator_list or node.returns:
            return f"a function {node.name!r} that scipy does not generate"
        if len(node.body) != 1 or not isinstance(node.body[0], ast.Return):
            return f"{node.name} doing more than returning its arguments"
    elif isinstance(node, ast.arguments):
        if node.posonlyargs or node.vararg or node.kwonlyargs or node.kwarg:
            return "parser arguments scipy does not generate"
        if not all(isinstance(default, ast.Constant) for default in node.defaults):
            return "a computed default argument"
    elif isinstance(node, ast.arg) and node.annotation is not None:
        return "an annotated argument"
    elif isinstance(node, ast.Call):
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == _ARGCHECK
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
        ):
            return "a call other than self._argcheck_rvs"
    elif isinstance(node, ast.Attribute) and node.attr != _ARGCHECK:
        return f"an attribute lookup ({node.attr!r})"
    elif isinstance(node, ast.Name) and node.id.startswith("__"):
        return f"a dunder name ({node.id!r})"
    return None


__all__ = ["TEMPLATE_KEY", "template_problem"]
