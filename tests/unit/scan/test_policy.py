from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chainward.errors import ConfigError
from chainward.records import Finding, Severity
from chainward.scan.policy import Policy, load_policy


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    policy = load_policy(tmp_path)
    assert policy == Policy()
    assert policy.threshold("audit") is Severity.LOW


def test_chainward_toml_thresholds_models_and_ignores(tmp_path: Path) -> None:
    _write(
        tmp_path / "chainward.toml",
        """
fail-on = "high"
[audit]
fail-on = "medium"
[models]
forbid-formats = ["pickle"]
require-lock = true
[[ignore]]
id = "PYSEC-2023-74"
package = "Requests"
reason = "proxy auth unused"
expires = 2027-01-31
""",
    )
    policy = load_policy(tmp_path)
    assert policy.threshold("audit") is Severity.MEDIUM
    assert policy.threshold("models") is Severity.HIGH
    assert not policy.models.format_allowed("pickle")
    assert policy.models.format_allowed("safetensors")
    assert policy.models.require_lock
    (ignore,) = policy.ignores
    assert ignore.package == "requests"
    assert ignore.expires == dt.date(2027, 1, 31)
    finding = Finding("audit", "PYSEC-2023-74", Severity.MEDIUM, "m", subject="requests")
    assert ignore.matches(finding)
    assert ignore.matches(
        Finding("audit", "GHSA-x", Severity.LOW, "m", subject="requests"),
        aliases=("PYSEC-2023-74",),
    )
    assert not ignore.matches(Finding("audit", "PYSEC-2023-74", Severity.LOW, "m", subject="flask"))
    assert ignore.expired(dt.date(2027, 2, 1))
    assert not ignore.expired(dt.date(2027, 1, 31))


def test_pyproject_tool_table(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        '[project]\nname="x"\n[tool.chainward.models]\nallow-formats=["safetensors"]\n',
    )
    policy = load_policy(tmp_path)
    assert not policy.models.format_allowed("pickle")
    assert policy.models.format_allowed("safetensors")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on = "severe"', "unknown severity"),
        ("fail-on = 3", "severity name"),
        ("colour = 1", "unknown key"),
        ("[models]\nforbid-formats = 'pickle'", "list of strings"),
        ("[models]\nrequire-signature = true", "trusted-keys"),
        ("[[ignore]]\nid = 'X'\nexpires = 2027-01-01", "needs 'reason'"),
        ("[[ignore]]\nid = 'X'\nreason = 'r'", "needs 'expires'"),
        ("[[ignore]]\nid = 'X'\nreason = 'r'\nexpires = 'soon'", "date like"),
        ("fail-on = ", "invalid TOML"),
    ],
)
def test_invalid_policies_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path / "chainward.toml", text)
    with pytest.raises(ConfigError, match=message) as info:
        load_policy(tmp_path)
    assert "\n" not in info.value.diagnostics()


def test_explicit_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_policy(tmp_path, tmp_path / "nope.toml")
