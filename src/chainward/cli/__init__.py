"""Command line: ``main(argv) -> int`` is the only place errors become exit codes.

Command groups live in one module each and are imported only when invoked, so
that ``chainward audit`` does not pay for the monitoring server's imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from chainward import __version__
from chainward._internal.fastcli import run_guarded
from chainward.errors import ChainwardError
from chainward.exitcodes import EXIT_ERROR, EXIT_OK

# command name -> "module:attribute" (a click.Command)
COMMANDS: dict[str, tuple[str, str]] = {
    "inventory": ("chainward.cli.inventory:inventory", "list what a project depends on"),
    "audit": ("chainward.cli.audit:audit", "find known vulnerabilities in dependencies"),
    "db": ("chainward.cli.db:db", "manage the advisory database"),
    "pkg": ("chainward.cli.pkg:pkg", "check packages for malware and impostor names"),
    "model": ("chainward.cli.model:model", "scan, hash, sign, verify and lock model files"),
    "sbom": ("chainward.cli.sbom:sbom", "write a CycloneDX or SPDX SBOM"),
    "sandbox": ("chainward.cli.sandbox:sandbox", "run untrusted code in isolation"),
    "serve": ("chainward.cli.monitor:serve", "start the monitoring server"),
    "monitor": ("chainward.cli.monitor:monitor", "talk to a monitoring server"),
    "scan": ("chainward.cli.scan:scan", "run every static check on a project"),
    "guard": ("chainward.cli.guard:guard", "check what pip would install before installing it"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use from ``lazy``.

    ``lazy`` maps a command name to ("module:attribute", one-line help).
    """

    def __init__(
        self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy if lazy is not None else COMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self.lazy.get(cmd_name)
        if entry is None:
            return None
        module_name, _, attribute = entry[0].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return _unavailable(cmd_name)
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name][1]))
            else:
                rows.append((name, self.commands[name].get_short_help_str()))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str) -> click.Command:
    def callback() -> None:
        raise ChainwardError(f"the '{name}' command is not available in this build")

    return click.Command(name, callback=callback, help="(not available in this build)")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chainward")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but the report.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """chainward vets every link of a Python application's supply chain."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug or ctx.obj.get("debug", False)
    ctx.obj["quiet"] = quiet or ctx.obj.get("quiet", False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting."""
    args = list(sys.argv[1:] if argv is None else argv)

    def invoke() -> int:
        try:
            result = cli.main(args=args, prog_name="chainward", standalone_mode=False, obj={})
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("chainward: aborted", err=True)
            return EXIT_ERROR
        except click.ClickException as exc:
            click.echo(f"chainward: error: {exc.format_message()}", err=True)
            return EXIT_ERROR
        return result if isinstance(result, int) else EXIT_OK

    return run_guarded(invoke, debug="--debug" in args)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


__all__ = ["cli", "main", "run"]
