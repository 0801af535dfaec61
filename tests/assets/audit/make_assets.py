"""Generate the audit test assets (run from the repository root; outputs are committed).

    python tests/assets/audit/make_assets.py

* cyclonedx-vex.json: a CycloneDX 1.5 VEX document written by cyclonedx-python-lib, saying
  jinja2 2.10 is not affected by CVE-2020-28493 and exploitable for CVE-2019-10906.
* openvex.json: an OpenVEX 0.2.0 document (no Python library writes OpenVEX; written by
  hand to the specification at https://github.com/openvex/spec) with the same statements
  for pyyaml 5.3 / CVE-2020-1747 (not_affected) and CVE-2020-14343 (under_investigation).
"""

from __future__ import annotations

import json
from pathlib import Path

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.vulnerability import (
    BomTarget,
    ImpactAnalysisJustification,
    ImpactAnalysisState,
    Vulnerability,
    VulnerabilityAnalysis,
)
from cyclonedx.output.json import JsonV1Dot5
from packageurl import PackageURL

HERE = Path(__file__).resolve().parent


def cyclonedx_vex() -> str:
    bom = Bom()
    jinja = Component(
        name="jinja2",
        version="2.10",
        type=ComponentType.LIBRARY,
        purl=PackageURL("pypi", name="jinja2", version="2.10"),
        bom_ref="component-jinja2",  # a plain bom-ref: resolved through components[]
    )
    bom.components.add(jinja)
    bom.vulnerabilities.add(
        Vulnerability(
            bom_ref="vex-1",
            id="CVE-2020-28493",
            analysis=VulnerabilityAnalysis(
                state=ImpactAnalysisState.NOT_AFFECTED,
                justification=ImpactAnalysisJustification.CODE_NOT_REACHABLE,
                detail="urlize is never called",
            ),
            affects=[BomTarget(ref=jinja.bom_ref.value)],
        )
    )
    bom.vulnerabilities.add(
        Vulnerability(
            bom_ref="vex-2",
            id="CVE-2019-10906",
            analysis=VulnerabilityAnalysis(state=ImpactAnalysisState.EXPLOITABLE),
            affects=[BomTarget(ref=jinja.bom_ref.value)],
        )
    )
    return JsonV1Dot5(bom).output_as_string(indent=2)


def openvex() -> str:
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/chainward-test-1",
        "author": "chainward tests",
        "timestamp": "2024-10-01T00:00:00Z",
        "version": 1,
        "statements": [
            {
                "vulnerability": {"name": "CVE-2020-1747"},
                "products": [{"@id": "pkg:pypi/pyyaml@5.3"}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path",
            },
            {
                "vulnerability": {"name": "CVE-2020-14343"},
                "products": [{"@id": "pkg:pypi/PyYAML@5.3"}],
                "status": "under_investigation",
            },
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def main() -> None:
    (HERE / "cyclonedx-vex.json").write_text(cyclonedx_vex(), encoding="utf-8")
    (HERE / "openvex.json").write_text(openvex(), encoding="utf-8")


if __name__ == "__main__":
    main()
