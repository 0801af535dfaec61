"""A joblib object array (a pickle nested in the joblib stream) that runs out of budget.

Found in this project's review (2026-11-27): the nested run's budget stop became a
"malformed stream" for the outer one, "a loader stops here", so whatever followed the
array was never read and a payload after a large enough object array gave `safe`.
joblib reads on; now the budget stop is the file's, and the rest is walked and searched.
"""

from __future__ import annotations

import pytest

from chainward.models import scan
from chainward.models.interface import ScanOptions
from chainward.records import Verdict
from tests.conftest import asset

SMALL = ScanOptions(max_pickle_ops=2000)  # the 3,000-string array needs more


def test_real_files_scan_as_labelled_with_the_default_budget() -> None:
    assert scan(asset("joblib_budget", "object_array.joblib")).verdict is Verdict.SAFE
    payload = scan(asset("joblib_budget", "object_array_then_payload.joblib"))
    assert payload.verdict is Verdict.UNSAFE


def test_a_payload_after_an_object_array_past_the_budget_is_found() -> None:
    result = scan(asset("joblib_budget", "object_array_then_payload.joblib"), SMALL)
    assert result.verdict is Verdict.UNSAFE, [f.message for f in result.findings]
    rules = {f.rule for f in result.findings}
    assert "pickle-op-budget" in rules and "pickle-malformed" not in rules
    assert any("posix.system" in f.message for f in result.findings)


@pytest.mark.parametrize("name", ["object_array.joblib", "object_array_then_payload.joblib"])
def test_the_budget_stop_is_never_safe_when_code_follows(name: str) -> None:
    # past the budget the rest of a joblib file holds its wrappers' BUILDs: not analysed
    result = scan(asset("joblib_budget", name), SMALL)
    assert result.verdict is not Verdict.SAFE
    assert "more than 2000 opcodes" in " ".join(f.message for f in result.findings)
