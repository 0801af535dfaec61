"""Model formulas that unpickling evaluates as Python: statsmodels' ``ModelData``.

A statsmodels model fitted from a formula (``smf.ols("y ~ np.log(x)", df).fit()``)
pickles its data object with the formula and a ``restore_model_spec`` key
(``restore_design_info`` before statsmodels 0.15). ``ModelData.__setstate__`` then
builds the design matrices again, and patsy or formulaic evaluate every term of the
formula as a Python expression in the loading program's frames. So
``I(__import__('os').system(...))`` in a formula runs when the pickle is loaded,
though the pickle itself calls nothing but allowed classes.

The formula is read as Python tokens, never evaluated: a term may call the
formula languages' own transforms and numpy's numeric functions; any other call,
a dunder name or a ``lambda`` is code.
"""

from __future__ import annotations

import io
import tokenize

from chainward.models.pickle.profiles import NUMPY_UFUNCS

# patsy and formulaic transforms and contrasts (what their own docs list)
FORMULA_CALLS = frozenset(
    {
        "I",
        "C",
        "Q",
        "bs",
        "cr",
        "cc",
        "te",
        "center",
        "scale",
        "standardize",
        "poly",
        "lag",
        "hashed",
        "Treatment",
        "Sum",
        "Diff",
        "Poly",
        "Helmert",
        "Reference",
        "T",
        "contr.treatment",
        "contr.sum",
        "contr.helmert",
        "contr.poly",
        "contr.diff",
        "log",
        "exp",
        "sqrt",
        "abs",
    }
)
_NUMPY_PREFIXES = ("np.", "numpy.")
MAX_FORMULA = 1 << 16


def formula_problem(formula: str) -> str | None:
    """Why evaluating ``formula`` would run code (None for a plain formula)."""
    if len(formula) > MAX_FORMULA:
        return f"a {len(formula)}-character formula"
    tokens = _tokens(formula)
    if tokens is None:
        return "a formula Python cannot tokenize"
    for index, (kind, text) in enumerate(tokens):
        if kind != tokenize.NAME:
            continue
        if text.startswith("__") or text == "lambda":
            return f"the name {text!r}"
        if index and tokens[index - 1] == (tokenize.OP, "."):
            continue  # read as part of the dotted name that starts before it
        dotted, after = _dotted(tokens, index)
        if after < len(tokens) and tokens[after] == (tokenize.OP, "(") and not _allowed(dotted):
            return f"a call of {dotted}"
    return None


def _tokens(formula: str) -> list[tuple[int, str]] | None:
    try:
        return [
            (token.type, token.string)
            for token in tokenize.generate_tokens(io.StringIO(formula).readline)
            if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, SyntaxError):
        return None


def _dotted(tokens: list[tuple[int, str]], index: int) -> tuple[str, int]:
    """The dotted name starting at ``tokens[index]`` and the index after it."""
    parts = [tokens[index][1]]
    index += 1
    while (
        index + 1 < len(tokens)
        and tokens[index] == (tokenize.OP, ".")
        and tokens[index + 1][0] == tokenize.NAME
    ):
        parts.append(tokens[index + 1][1])
        index += 2
    return ".".join(parts), index


def _allowed(dotted: str) -> bool:
    if dotted in FORMULA_CALLS:
        return True
    for prefix in _NUMPY_PREFIXES:
        if dotted.startswith(prefix) and dotted[len(prefix) :] in NUMPY_UFUNCS:
            return True
    return False


__all__ = ["FORMULA_CALLS", "formula_problem"]
