"""JSON reporter: exactly the contract document, nothing else.

Compact separators on purpose: ``indent`` makes the standard library fall back to its
pure-Python encoder, which costs more than the whole audit on a large project.
Pipe through ``jq`` or ``python -m json.tool`` to read it.
"""

from __future__ import annotations

import json

from chainward.report.interface import Report, Reporter


class JsonReporter(Reporter):
    def render(self, report: Report) -> str:
        return json.dumps(report.document, separators=(",", ":"), default=str) + "\n"
