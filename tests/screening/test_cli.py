"""``agreements screening load FILE``: what changed is printed; a malformed file is refused with nothing loaded."""

from __future__ import annotations

from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.screening import service
from tests.builders import SCREENING_LIST
from tests.screening.support import NEW_VERSION_OF_CRESCENT, variant


def test_screening_load_prints_changes_and_refuses_a_malformed_file(cli_database: str, tmp_path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["screening", "load", str(SCREENING_LIST)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Loaded 13 entries; 13 added, 0 removed, 0 changed" in first.stdout
    amended = tmp_path / "consolidated.xml"
    amended.write_bytes(variant(NEW_VERSION_OF_CRESCENT))
    second = runner.invoke(cli, ["screening", "load", str(amended)], catch_exceptions=False)
    assert second.exit_code == 0 and "0 added, 0 removed, 1 changed" in second.stdout
    assert "changed    6900001  NORTHERN CRESCENT RELIEF FOUNDATION" in second.stdout
    broken = tmp_path / "broken.xml"
    broken.write_bytes(variant(("</ENTITIES>", "")))
    refused = runner.invoke(cli, ["screening", "load", str(broken)], catch_exceptions=False)
    assert refused.exit_code == 2 and "broken.xml is not a Consolidated List" in refused.stderr
    assert "not well-formed" in refused.stderr
    with db.unit_of_work(write=False) as session:
        loaded = service.current_list(session)
        assert loaded is not None and loaded.file_name == "consolidated.xml" and loaded.changed == 1
    status = runner.invoke(cli, ["screening", "status"], catch_exceptions=False)
    assert status.exit_code == 0 and "13 entries" in status.stdout
    missing = runner.invoke(cli, ["screening", "load", str(tmp_path / "nowhere.xml")], catch_exceptions=False)
    assert missing.exit_code == 1 and "no file at" in missing.stderr
