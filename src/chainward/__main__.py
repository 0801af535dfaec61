"""``python -m chainward`` and the ``chainward`` script: -> ``chainward.cli.main``.

A plain ``chainward model scan ...`` is served by ``chainward.models.command``
without importing the command-line framework (start-up is most of the time a
one-file scan takes); everything else goes through ``chainward.cli``.
"""

from __future__ import annotations

import sys


def run() -> None:
    args = sys.argv[1:]
    if args[:4].count("model") == 1 and "scan" in args[:4]:
        from chainward.models.command import fast_main

        code = fast_main(args)
        if code is not None:
            sys.exit(code)
    from chainward.cli import run as cli_run

    cli_run()


if __name__ == "__main__":
    run()
