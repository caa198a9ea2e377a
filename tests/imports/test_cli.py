"""``agreements import``: summary, rejects file, exit codes 0 / 1 / 2, dry run, and re-import changing nothing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import db, migrate
from app.cli import cli
from app.imports.models import ImportRun
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.imports.conftest import EXPECTED, SAMPLE
from tests.support import clear_cached_settings, scratch_database


@pytest.fixture
def cli_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated scratch database with the sample's users, which the CLI is configured to use."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
        clear_cached_settings()
        with db.unit_of_work() as session:
            for email, roles in (("importer@example.org", [Role.ADMIN]), ("pm.sample@example.org",
                                 [Role.PROJECT_MANAGER]), ("viewer@example.org", [Role.VIEWER])):  # fmt: skip
                create_user(session, UserCreate(email=email, full_name=email, roles=roles))
        yield url
        clear_cached_settings()
    monkeypatch.undo()
    clear_cached_settings()


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _counts() -> tuple[int, int, int]:
    with db.unit_of_work(write=False) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Organisation, Partnership, ImportRun)
        )  # type: ignore[return-value]


def test_import_the_sample_then_again(cli_database, tmp_path):
    expected = list(csv.DictReader(EXPECTED.open(encoding="utf-8")))
    rejects = tmp_path / "rejects.csv"
    dry = _run("import", str(SAMPLE), "--dry-run", "--as", "importer@example.org", "--rejects", str(rejects))
    assert dry.exit_code == 1  # some lines would be rejected
    assert "dry run: nothing was written" in dry.stdout
    assert _counts() == (0, 0, 0)

    result = _run("import", str(SAMPLE), "--as", "importer@example.org", "--rejects", str(rejects))
    assert result.exit_code == 1
    rejected = sum(row["outcome"] == "rejected" for row in expected)
    assert f"{rejected} rejected" in result.stdout
    assert "were rejected" in result.stderr
    organisations = sum(int(row["organisations_created"]) for row in expected)
    partnerships = sum(int(row["partnerships_created"]) for row in expected)
    assert _counts() == (organisations, partnerships, 1)
    lines = [row for row in csv.DictReader(rejects.open(encoding="utf-8"))]
    assert len(lines) == sum(row["outcome"] in {"rejected", "doubtful"} for row in expected)

    again = _run("import", str(SAMPLE), "--as", "importer@example.org", "--rejects", str(rejects))
    assert "0 created, 0 updated" in again.stdout
    assert _counts() == (organisations, partnerships, 2)


def test_a_clean_file_exits_0(cli_database, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("Pays;Nom;Type;Modalité;Titre\nKenya;Clean Partner;NGO;MoU;Clean partnership\n", encoding="utf-8")
    result = _run("import", str(path), "--as", "importer@example.org")
    assert result.exit_code == 0, result.output
    assert "1 created" in result.stdout
    assert not (tmp_path / "clean.csv.rejects.csv").exists()
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(Partnership.stage)) == "formal"


def test_the_single_admin_is_the_default_importer(cli_database, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("name,country,kind\nDefault Partner,KE,NGO\n", encoding="utf-8")
    assert _run("import", str(path)).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Name,Region\nA,East\n", "organisation_name"),  # header lacks country and partner type
        ("Something,Else\n1,2\n", "organisation_name, country, partner_type"),
        ("", "empty"),
    ],
)
def test_unusable_input_exits_2_naming_what_is_missing(cli_database, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = _run("import", str(path), "--as", "importer@example.org")
    assert result.exit_code == 2
    assert message in result.stderr or "country, partner_type" in result.stderr
    assert _counts() == (0, 0, 0)


def test_bad_arguments(cli_database, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,country,kind\nA,KE,NGO\n", encoding="utf-8")
    assert _run("import", str(tmp_path / "missing.csv"), "--as", "importer@example.org").exit_code == 2
    both = _run("import", str(path), "--day-first", "--month-first", "--as", "importer@example.org")
    assert both.exit_code == 2
    viewer = _run("import", str(path), "--as", "viewer@example.org")
    assert viewer.exit_code == 1 and "do not allow" in viewer.stderr
    assert _counts() == (0, 0, 0)


def test_month_first_decides_ambiguous_dates(cli_database, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("name,country,kind,title,start date,end date\nA,KE,NGO,P,03/04/2026,05/06/2027\n", encoding="utf-8")
    result = _run("import", str(path), "--as", "importer@example.org", "--month-first")
    assert result.exit_code == 0, result.output
    assert "doubtful" not in result.stdout.split("\n", 2)[-1]
    with db.unit_of_work(write=False) as session:
        partnership = session.scalars(select(Partnership)).one()
        assert str(partnership.project.start_date) == "2026-03-04"
