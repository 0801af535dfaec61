from __future__ import annotations

import json

import jsonschema
import pytest

from chainward.records import Finding, Location, Severity
from chainward.report.interface import Report, Section
from chainward.report.registry import OutputFormat, reporter_for
from tests.conftest import asset


def _report() -> Report:
    findings = [
        Finding(
            check="audit",
            rule="PYSEC-2023-74",
            severity=Severity.MEDIUM,
            message="requests 2.25.0 is affected by PYSEC-2023-74 | proxy auth leak",
            subject="requests",
            location=Location("requirements.txt", 3),
            fix="upgrade to 2.31.0",
        ),
        Finding(
            check="models",
            rule="pickle-exec",
            severity=Severity.CRITICAL,
            message="pickle calls os.system",
            subject="models/evil.pkl",
            location=Location("/abs/models/evil.pkl", None, "opcode 12"),
        ),
        Finding(check="packages", rule="typosquat", severity=Severity.LOW, message="x"),
    ]
    return Report(
        kind="audit",
        document={"dependencies": [{"name": "requests"}], "summary": {"vulnerable": 1}},
        findings=findings,
        sections=[
            Section("Vulnerabilities", ("package", "id"), [("requests", "PYSEC-2023-74")]),
            Section("Skipped", ("entry", "reason"), [], empty="nothing skipped"),
        ],
        summary_lines=("1 vulnerability in 1 package",),
    )


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders(fmt: OutputFormat) -> None:
    text = reporter_for(fmt).render(_report())
    assert text.endswith("\n")
    assert text.strip()


def test_json_is_exactly_the_document() -> None:
    text = reporter_for(OutputFormat.JSON).render(_report())
    assert json.loads(text) == {
        "dependencies": [{"name": "requests"}],
        "summary": {"vulnerable": 1},
    }


def test_table_shows_rows_and_empty_sections() -> None:
    text = reporter_for(OutputFormat.TABLE).render(_report())
    assert "PYSEC-2023-74" in text
    assert "Skipped: nothing skipped" in text
    assert "1 vulnerability in 1 package" in text


def test_markdown_escapes_pipes() -> None:
    report = Report("audit", {}, sections=[Section("T", ("a",), [("x|y",)])])
    text = reporter_for(OutputFormat.MARKDOWN).render(report)
    assert "x\\|y" in text
    assert "| a |" in text


def test_sarif_validates_against_the_official_schema() -> None:
    schema = json.loads(asset("schemas", "sarif-2.1.0-rtm.5.json").read_text())
    document = json.loads(reporter_for(OutputFormat.SARIF).render(_report()))
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    assert len(run["results"]) == 3
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {
        "audit/PYSEC-2023-74",
        "models/pickle-exec",
        "packages/typosquat",
    }
    levels = [r["level"] for r in run["results"]]
    assert levels == ["warning", "error", "note"]
    # absolute paths are made repository-relative for code scanning
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert uris[1] == "abs/models/evil.pkl"


def test_sarif_schema_rejects_a_broken_document() -> None:
    schema = json.loads(asset("schemas", "sarif-2.1.0-rtm.5.json").read_text())
    document = json.loads(reporter_for(OutputFormat.SARIF).render(_report()))
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(document)
