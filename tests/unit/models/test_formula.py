"""statsmodels formulas, which unpickling a fitted formula model evaluates as Python."""

from __future__ import annotations

import pytest

from chainward.models import scan
from chainward.models.pickle.formula import formula_problem
from chainward.records import Verdict
from tests.conftest import asset


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + np.log(z) + I(x**2) + C(g, Treatment('a'))",
        "np.log1p(y) ~ x * z + x:z - 1",
        "y ~ bs(x, df=3) + center(z) + standardize(w) + scale(v)",
        "y ~ C(g, Sum) + numpy.sqrt(x) + {x + 1} + `odd name`",
        "y ~ poly(x, 2) + np.clip(z, 0, 1)",
    ],
)
def test_formulas_real_models_use_are_plain(formula: str) -> None:
    assert formula_problem(formula) is None


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("y ~ I(__import__('os').system('true'))", "__import__"),
        ("y ~ x + I(getattr(x, 'sum')())", "getattr"),
        ("y ~ I(open('/etc/hostname').read())", "open"),
        ("y ~ I((lambda: 0)())", "lambda"),
        ("y ~ I(x.__class__)", "__class__"),
        ("y ~ np.load('weights.npy')", "np.load"),
        ("y ~ os.system('true')", "os.system"),
        ("y ~ I(x.pipe(eval, 'true'))", "x.pipe"),
        ("y ~ I(x" + " + x" * 40_000 + ")", "character formula"),
        ("y ~ I(x", "cannot tokenize"),
    ],
)
def test_formulas_that_run_code(formula: str, problem: str) -> None:
    found = formula_problem(formula)
    assert found is not None and problem in found


def test_a_pickled_formula_model_is_graded_on_its_formula() -> None:
    benign = scan(asset("models", "benign", "statsmodels", "formula_ols.pickle"))
    assert benign.verdict is Verdict.SAFE, [f.message for f in benign.findings]
    path = asset("models", "malicious", "redteam", "statsmodels_formula_eval.pickle")
    malicious = scan(path)
    assert malicious.verdict is Verdict.UNSAFE
    assert [f.rule for f in malicious.findings] == ["pickle-formula-code"]
