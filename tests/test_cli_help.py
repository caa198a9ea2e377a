"""Every command's ``--help`` reads naturally: values named in words, flags without placeholders or double negatives."""

from __future__ import annotations

import re

import click
import pytest
import typer.main
from typer.testing import CliRunner

from app.cli import cli


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if hasattr(command, "commands"):  # Typer's groups are not click.Group
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*path, name))
    return paths


ALL_COMMANDS = _command_paths(typer.main.get_command(cli))


def test_every_command_is_checked() -> None:
    assert len(ALL_COMMANDS) > 20
    assert ("tokens", "create") in ALL_COMMANDS and ("users", "deactivate") in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(path) or "agreements")
def test_help_reads_naturally(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Usage:" in text
    assert not re.search(r"<[a-z][a-z \[\]|]*>", text), text  # no <bool>, <str>, <int range>, <list[str]>
    assert "--no-no-" not in text and "[default: no-" not in text, text
    assert not re.search(r"\{[A-Za-z_]+\}", text), text  # arguments as NAME, not {name}
    assert "[default: False]" not in text and "[default: True]" not in text, text


def test_values_are_named_in_words() -> None:
    text = CliRunner().invoke(cli, ["tokens", "create", "--help"]).stdout
    assert "--email EMAIL" in text and "--no-expiry " in text and "--no-expiry /" not in text
    text = CliRunner().invoke(cli, ["users", "deactivate", "--help"]).stdout
    assert "[OPTIONS] EMAIL" in text
    assert "-v, --verbose" in CliRunner().invoke(cli, ["--help"]).stdout
