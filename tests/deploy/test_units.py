"""The shipped systemd units and environment file: what they start exists, they stop gracefully, and the
deployment guide shows them as they are."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "agreements.env.example"
DOC = ROOT / "docs" / "deployment.md"
SHIPPED = {"agreements-api@.service": "serve", "agreements-worker.service": "worker"}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", value)
    assert match, value
    return int(match[1]) * (60 if match[2] == "min" else 1)


def test_the_units_shipped_are_the_two_the_guide_names():
    assert sorted(path.name for path in UNITS.iterdir()) == sorted(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_exec_start_runs_an_existing_command_with_options_it_accepts(name):
    service = _unit(name)["Service"]
    argv = shlex.split(service["ExecStart"].replace("%i", "8001"))
    assert argv[0].endswith("/bin/agreements") and argv[1] == SHIPPED[name]
    command = get_command(cli)
    help_text = CliRunner().invoke(cli, [argv[1], "--help"], env={"COLUMNS": "200"})
    assert help_text.exit_code == 0, help_text.output
    for option in (arg for arg in argv[2:] if arg.startswith("--")):
        assert option in help_text.output, f"{name}: {option} is not an option of 'agreements {argv[1]}'"
    # The arguments parse as the command would parse them (names, types, ranges), without running it.
    subcommand = command.commands[argv[1]]  # type: ignore[attr-defined]
    with subcommand.make_context(argv[1], argv[2:]) as context:
        parsed = context.params
    if argv[1] == "serve":
        assert parsed == {"host": "127.0.0.1", "port": 8001}  # behind the proxy, on the instance's port


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_units_stop_with_sigterm_and_wait_longer_than_the_application(name):
    service = _unit(name)["Service"]
    defaults = Settings.model_fields
    graceful = defaults["smtp_timeout_seconds"].default  # the e-mail being sent finishes
    if SHIPPED[name] == "serve":
        graceful += defaults["shutdown_grace_seconds"].default  # after the requests in flight
    assert service["KillSignal"] == "SIGTERM"
    assert _seconds(service["TimeoutStopSec"]) > graceful
    assert service["KillMode"] == "mixed"  # SIGTERM to the main process only; its render workers are its own
    assert service["EnvironmentFile"] == "/etc/agreements/env"
    assert service["Restart"] in ("on-failure", "always")
    assert service["User"] != "root"


def test_the_environment_example_names_real_settings_and_holds_no_secret():
    settings = {f"AGREEMENTS_{name.upper()}" for name in Settings.model_fields}
    lines = [line for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    values = dict(line.split("=", 1) for line in lines)
    assert set(values) <= settings, set(values) - settings
    for secret in ("AGREEMENTS_SMTP_PASSWORD", "AGREEMENTS_METRICS_TOKEN", "AGREEMENTS_PARTNER_LINK_KEY"):
        assert values[secret] == "CHANGE-ME"
    assert ":CHANGE-ME@" in values["AGREEMENTS_DATABASE_URL"]
    for name, value in values.items():  # every value is one a setting accepts
        Settings.model_validate({name.removeprefix("AGREEMENTS_").lower(): value})


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_guide_shows_each_unit_as_shipped(name):
    text = DOC.read_text(encoding="utf-8")
    start, end = f"<!-- file: deploy/systemd/{name} -->", f"<!-- end: deploy/systemd/{name} -->"
    assert text.count(start) == 1 and text.count(end) == 1
    block = text[text.index(start) + len(start) : text.index(end)].strip()
    assert block == f"```ini\n{(UNITS / name).read_text(encoding='utf-8').strip()}\n```"


def test_the_guide_shows_the_environment_example_as_shipped():
    text = DOC.read_text(encoding="utf-8")
    start, end = "<!-- file: deploy/agreements.env.example -->", "<!-- end: deploy/agreements.env.example -->"
    block = text[text.index(start) + len(start) : text.index(end)].strip()
    assert block == f"```ini\n{ENV_EXAMPLE.read_text(encoding='utf-8').strip()}\n```"


def test_systemd_analyze_verifies_the_units_when_it_is_installed(tmp_path: Path):
    """Where systemd-analyze exists (it is not required), the units verify once pointed at this checkout."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # not on this machine: the parsing checks above still ran
    executable = shutil.which("agreements") or str(Path(ROOT / ".venv" / "bin" / "agreements"))
    for name in SHIPPED:
        text = (UNITS / name).read_text(encoding="utf-8")
        text = text.replace("/srv/agreements/venv/bin/agreements", executable).replace("/srv/agreements", str(tmp_path))
        (tmp_path / name).write_text(text, encoding="utf-8")
    instance = tmp_path / "agreements-api@8001.service"
    instance.symlink_to(tmp_path / "agreements-api@.service")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(instance), str(tmp_path / "agreements-worker.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "agreements" not in result.stderr, result.stderr
