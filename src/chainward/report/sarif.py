"""SARIF 2.1.0 reporter, in the shape GitHub code scanning accepts."""

from __future__ import annotations

import json
from typing import Any

from chainward import __version__
from chainward.records import Finding, Severity
from chainward.report.interface import Report, Reporter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_INFO_URI = "https://github.com/chainward/chainward"

_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.NONE: "note",
}
# GitHub reads "security-severity" (0.0-10.0) to rank security alerts.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.NONE: "0.0",
}


def _rule_id(finding: Finding) -> str:
    return f"{finding.check}/{finding.rule}"


def _location(finding: Finding, default_uri: str) -> dict[str, Any]:
    uri = finding.location.path if finding.location else default_uri
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri.lstrip("/") or default_uri}}
    if finding.location and finding.location.line:
        physical["region"] = {"startLine": max(1, finding.location.line)}
    return {"physicalLocation": physical}


class SarifReporter(Reporter):
    def __init__(self, default_uri: str = "requirements.txt") -> None:
        self.default_uri = default_uri

    def render(self, report: Report) -> str:
        rules: dict[str, dict[str, Any]] = {}
        results: list[dict[str, Any]] = []
        for finding in report.findings:
            rule_id = _rule_id(finding)
            if rule_id not in rules:
                rule: dict[str, Any] = {
                    "id": rule_id,
                    "name": finding.rule,
                    "shortDescription": {"text": finding.message.split("\n", 1)[0][:200]},
                    "defaultConfiguration": {"level": _LEVELS[finding.severity]},
                    "properties": {
                        "security-severity": _SECURITY_SEVERITY[finding.severity],
                        "tags": ["security", finding.check],
                    },
                }
                if finding.help_uri:
                    rule["helpUri"] = finding.help_uri
                rules[rule_id] = rule
            text = finding.message
            if finding.fix:
                text += f" Fix: {finding.fix}."
            results.append(
                {
                    "ruleId": rule_id,
                    "level": _LEVELS[finding.severity],
                    "message": {"text": text},
                    "locations": [_location(finding, self.default_uri)],
                    "partialFingerprints": {
                        "chainward/v1": f"{rule_id}:{finding.subject}",
                    },
                }
            )
        document = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "chainward",
                            "version": __version__,
                            "informationUri": _INFO_URI,
                            "rules": list(rules.values()),
                        }
                    },
                    "results": results,
                }
            ],
        }
        return json.dumps(document, indent=2) + "\n"
