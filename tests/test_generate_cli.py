"""``agreements generate``: writes what it reports, refuses a database holding other data, rejects bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app import db, migrate
from app.cli import cli
from app.models import Organisation, Partnership, Reminder, TransitionEvent
from tests.support import clear_cached_settings, scratch_database


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database (not migrated) that the CLI is configured to use."""
    with scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
        clear_cached_settings()
        yield url
        clear_cached_settings()
    monkeypatch.undo()
    clear_cached_settings()


@pytest.fixture
def migrated(empty_database: str) -> str:
    migrate.upgrade(empty_database)
    return empty_database


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _count(model: type) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _reported(output: str) -> dict[str, int]:
    return {m[1]: int(m[2].replace(",", "")) for m in re.finditer(r"^  (\w+)\s+([\d,]+)$", output, re.MULTILINE)}


def test_generate_writes_what_it_reports(migrated: str) -> None:
    result = _run("generate", "--organisations", "15", "--partnerships", "120", "--seed", "7")
    assert result.exit_code == 0, result.output
    reported = _reported(result.stdout)
    assert reported["organisations"] == 15
    assert reported["partnerships"] == 120
    assert "rows/s" in result.stdout
    with db.unit_of_work() as session:
        for table, rows in reported.items():
            assert session.scalar(text(f'SELECT count(*) FROM "{table}"')) == rows, table
    assert _count(Organisation) == 15 and _count(Partnership) == 120
    assert _count(TransitionEvent) > 120 and _count(Reminder) > 0
    with db.unit_of_work() as session:
        stages = set(session.scalars(select(Partnership.stage).distinct()))
    assert {"ad_hoc", "formal"} <= stages


def test_refuses_a_non_empty_database_unless_append(migrated: str) -> None:
    assert _run("generate", "--organisations", "8", "--partnerships", "30").exit_code == 0
    refused = _run("generate", "--organisations", "8", "--partnerships", "30")
    assert refused.exit_code == 2
    assert "not empty" in refused.stderr and "--append" in refused.stderr
    assert _count(Partnership) == 30 and _count(Organisation) == 8

    appended = _run("generate", "--organisations", "8", "--partnerships", "30", "--append")
    assert appended.exit_code == 0, appended.output
    assert _count(Partnership) == 60 and _count(Organisation) == 16
    with db.unit_of_work() as session:
        references = session.scalars(select(Partnership.reference)).all()
    assert len(set(references)) == 60  # the counters moved on: no reference reused


def test_refuses_real_partnerships_even_with_append(
    migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the demo saves its credentials on PostgreSQL
    assert _run("demo").exit_code == 0
    before = _count(Partnership)
    assert before > 0
    for extra in ([], ["--append"]):
        refused = _run("generate", "--organisations", "8", "--partnerships", "30", *extra)
        assert refused.exit_code == 2
        assert f"holds {before} partnerships that were not generated" in refused.stderr
    assert _count(Partnership) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--organisations", "3", "--partnerships", "10"], "--organisations must be at least 4"),
        (["--organisations", "10", "--partnerships", "-1"], "--partnerships must not be negative"),
        (["--organisations", "ten", "--partnerships", "10"], "Invalid value"),
        (["--partnerships", "10"], "Missing option '--organisations'"),
    ],
)
def test_bad_numbers_exit_non_zero(migrated: str, args: list[str], message: str) -> None:
    result = _run("generate", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert _count(Organisation) == 0 and _count(Partnership) == 0


def test_schema_handling_follows_the_backend(empty_database: str) -> None:
    result = _run("generate", "--organisations", "6", "--partnerships", "5")
    if empty_database.startswith("sqlite"):  # the embedded database is migrated first, as by every command
        assert result.exit_code == 0, result.output
        assert _count(Partnership) == 5
    else:  # PostgreSQL: someone must run 'agreements init', as for 'serve'
        assert result.exit_code == 1
        assert "run 'agreements init' first" in result.stderr
        assert migrate.current_revision(empty_database) is None
