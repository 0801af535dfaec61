from __future__ import annotations

import pytest

from chainward.records import Severity
from chainward.vulndb.severity import record_severity


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                ]
            },
            Severity.CRITICAL,
        ),
        (
            {
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}
                ]
            },
            Severity.LOW,
        ),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V4",
                        "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    }
                ]
            },
            Severity.CRITICAL,
        ),
        (
            {
                "severity": [{"type": "CVSS_V3", "score": "garbage"}],
                "database_specific": {"severity": "MODERATE"},
            },
            Severity.MEDIUM,
        ),
        ({"affected": [{"ecosystem_specific": {"severity": "HIGH"}}]}, Severity.HIGH),
        ({"id": "MAL-2024-1"}, Severity.CRITICAL),
        ({"id": "PYSEC-2020-1"}, None),
    ],
)
def test_record_severity(record: dict, expected: Severity | None) -> None:
    assert record_severity(record) is expected
