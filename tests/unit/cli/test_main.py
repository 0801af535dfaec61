from __future__ import annotations

from chainward.cli import COMMANDS, cli


def test_version(cli_runner=None) -> None:
    from tests.conftest import run_cli

    result = run_cli("--version")
    assert result.code == 0
    assert "chainward" in result.stdout


def test_unknown_command_is_usage_error(cli) -> None:
    result = cli("no-such-command")
    assert result.code == 2
    assert "no-such-command" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_is_registered() -> None:
    assert set(COMMANDS) == set(cli.list_commands(None))  # type: ignore[arg-type]
