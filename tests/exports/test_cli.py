"""``agreements export``: the list to a file, the API's filters, and a clear refusal of a filter it does not know."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import clock, db
from app.cli import cli
from app.config import get_settings
from app.organisations.models import OrganisationKind
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, organisation, partnership
from tests.exports.conftest import EVIL_NAME, read_csv, read_xlsx
from tests.support import clear_cached_settings, migrated_scratch_database


@pytest.fixture
def inventory(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A scratch database the CLI uses, holding three organisations and two partnerships."""
    with migrated_scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
        clear_cached_settings()
        with db.unit_of_work() as session:
            manager = create_user(
                session,
                UserCreate(email="pm@example.org", full_name="Pat Manager", roles=[Role.PROJECT_MANAGER]),
                actor=SET_UP,
            )
            kenyan = organisation(session, "Kituo Cha Sheria", area_codes=["migrant_health"])
            evil = organisation(session, EVIL_NAME, country_code="FR", kind=OrganisationKind.THINK_TANK)
            organisation(session, "Université de Dakar", country_code="SN", kind=OrganisationKind.ACADEMIC)
            health = partnership(session, manager, kenyan, title="Health desks", area_codes=["migrant_health"])
            talks = partnership(session, manager, evil, title="Policy talks")
            refs = {"health": health.reference, "talks": talks.reference}
        yield refs
        clear_cached_settings()
    monkeypatch.undo()
    clear_cached_settings()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_export_writes_the_filtered_list_to_the_file_named(run, inventory, tmp_path):
    target = tmp_path / "health.csv"
    result = run("export", "partnerships", "--filter", "area=migrant_health", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "wrote 1 partnerships to" in result.output
    rows = read_csv(target.read_bytes())
    assert [row["reference"] for row in rows] == [inventory["health"]]
    assert rows[0]["partners"] == "Kituo Cha Sheria (lead partner)"


def test_export_defaults_to_a_dated_file_in_the_current_folder(run, inventory, tmp_path):
    result = run("export", "organisations", "--filter", "sort=-legal_name", "--filter", "kind=think_tank")
    assert result.exit_code == 0, result.output
    written = tmp_path / f"organisations-{clock.today(get_settings().zone).isoformat()}.csv"
    rows = read_csv(written.read_bytes())
    assert [row["organisation_name"] for row in rows] == ["'" + EVIL_NAME]
    assert not list(tmp_path.glob(".organisations-*"))  # no temporary file left behind


def test_export_to_excel(run, inventory, tmp_path):
    result = run("export", "organisations", "--format", "xlsx", "-o", str(tmp_path / "all.xlsx"))
    assert result.exit_code == 0, result.output
    header, rows, _ = read_xlsx((tmp_path / "all.xlsx").read_bytes())
    assert header[:2] == ["organisation_ref", "organisation_name"]
    assert [row["organisation_name"] for row in rows] == sorted([EVIL_NAME, "Kituo Cha Sheria", "Université de Dakar"])


def test_export_to_standard_output(run, inventory):
    result = run("export", "partnerships", "--filter", "q=talks", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfreference,title")
    assert inventory["talks"] in result.stdout and inventory["health"] not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "partnerships", "--filter", "colour=red"), "unknown filter 'colour' for partnerships"),
        (("export", "partnerships", "--filter", "stage"), "must be written NAME=VALUE"),
        (("export", "partnerships", "--filter", "stage=signed"), "unknown stage 'signed'"),
        (("export", "organisations", "--filter", "country_code=XX"), "country_code"),
        (("export", "organisations", "--format", "pdf"), "format"),
        (("export", "contacts"), "there is no export of 'contacts'"),
        (("export", "organisations", "-o", "/no/such/folder/x.csv"), "does not exist"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_and_exit_2(run, inventory, tmp_path, args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not [path for path in tmp_path.iterdir() if path.suffix in {".csv", ".xlsx"}]
