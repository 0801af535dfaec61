"""JSON reporter: exactly the contract document, nothing else."""

from __future__ import annotations

import json

from chainward.report.interface import Report, Reporter


class JsonReporter(Reporter):
    def render(self, report: Report) -> str:
        return json.dumps(report.document, indent=2, sort_keys=False, default=str) + "\n"
