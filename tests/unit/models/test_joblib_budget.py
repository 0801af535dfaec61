"""A joblib object array (a pickle nested in the joblib stream) that runs out of budget.

Found in this project's review (2026-11-27): the nested run's budget stop became a
"malformed stream" for the outer one, "a loader stops here", so whatever followed the
array was never read and a payload after a large enough object array gave `safe`.
joblib reads on; now the budget stop is the file's, and the rest is walked and searched.
"""

from __future__ import annotations

from pathlib import Path

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


def test_an_object_array_past_the_budget_is_walked_and_the_file_goes_on() -> None:
    # numpy pickles an object array as _reconstruct, its items, one BUILD and STOP: the
    # rest of the items is walked (data only) and the joblib file is read on after it
    result = scan(asset("joblib_budget", "object_array.joblib"), SMALL)
    assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]
    messages = " ".join(f.message for f in result.findings)
    assert "object array's pickle ran past" in messages and "data only" in messages


def test_code_in_the_walked_rest_of_an_object_array_is_not_passed(tmp_path: Path) -> None:
    data = asset("joblib_budget", "object_array.joblib").read_bytes()
    build = data.rindex(b"b.")  # the array's BUILD, then its STOP
    reduced = data[:build] + b"R" + data[build + 1 :]  # a call where the BUILD was
    path = tmp_path / "reduced.joblib"
    path.write_bytes(reduced)
    assert scan(path, SMALL).verdict is not Verdict.SAFE
