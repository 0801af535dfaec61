"""``python -m chainward`` and the ``chainward`` script: -> ``chainward.cli.main``.

Plain ``chainward model scan ...`` and ``chainward audit ...`` invocations are served
by ``chainward.models.command`` and ``chainward.audit.command`` without importing the
command-line framework (start-up is a good part of their time); everything else, and
anything those fast paths are unsure of, goes through ``chainward.cli``.
"""

from __future__ import annotations

import gc
import sys

from chainward._internal.deferred import defer

defer()


def run() -> None:
    args = sys.argv[1:]
    command = [a for a in args[:4] if a not in ("-q", "--quiet", "--debug")][:2]
    code = None
    if command == ["model", "scan"]:
        from chainward.models.command import fast_main

        code = fast_main(args)
    elif command[:1] == ["audit"]:
        from chainward.audit.command import fast_main as audit_main

        code = audit_main(args)
    if code is not None:
        # The interpreter's last garbage collection walks every object still alive (tens
        # of thousands after an audit or a folder scan) to free nothing the exit would not
        # (these paths hold no open file or connection by now); frozen objects are skipped.
        gc.freeze()
        sys.exit(code)
    from chainward.cli import run as cli_run

    cli_run()


if __name__ == "__main__":
    run()
