"""Fixtures for the import tests: the importing user, the sample's owner, the sample and its expectations."""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.imports.service import ImportOptions, ImportSummary, InventoryImport, RowOutcome
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "inventory_sample.csv"
EXPECTED = ROOT / "samples" / "inventory_sample_expected.csv"
GENERATOR = ROOT / "samples" / "make_inventory_sample.py"


def load_generator() -> Any:
    """``samples/make_inventory_sample.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_inventory_sample", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE_NOW = datetime.combine(load_generator().TODAY, time(9), tzinfo=UTC)
"""The morning of the day the sample's expectations are stated for (agreements in force or expired by then)."""


def _end_date_doubts() -> list[int]:
    with EXPECTED.open(encoding="utf-8") as stream:
        return [int(row["line"]) for row in csv.DictReader(stream)
                if row["column"] == "End Date" and "month first" in row["reason"]]  # fmt: skip


UNTITLED_DUPLICATES = (232, 235, 238, 241)
"""Lines repeating an organisation and its focal point without a partnership title (a legal suffix, or new areas)."""
ONCE_DEFECTIVE: tuple[int, ...] = (*_end_date_doubts(), *UNTITLED_DUPLICATES)
"""Sample lines the importer once got wrong (a date doubt filed under the start date when the end date was at fault;
an untitled duplicate line opening a second partnership): each is checked on its own too."""


@pytest.fixture
def importer(session: Session) -> User:
    """The importing user (a project manager), and the project manager the sample names as an owner."""
    create_user(session, UserCreate(email="pm.sample@example.org", full_name="Sample Owner",
                                    roles=[Role.PROJECT_MANAGER]), actor=SET_UP)  # fmt: skip
    user = create_user(session, UserCreate(email="importer@example.org", full_name="Importer",
                                           roles=[Role.PROJECT_MANAGER]), actor=SET_UP)  # fmt: skip
    session.commit()
    return user


@pytest.fixture
def expected() -> dict[int, dict[str, str]]:
    """The sample's expectations by line."""
    with EXPECTED.open(encoding="utf-8") as stream:
        return {int(row["line"]): row for row in csv.DictReader(stream)}


def import_committing(
    session: Session,
    stream: Any,
    name: str,
    actor: User,
    options: ImportOptions,
    on_row: Callable[[RowOutcome, list[Any]], None] | None = None,
) -> ImportSummary:
    """Import as the command does: the caller's loop commits after each batch of a real run."""
    job = InventoryImport(session, stream, name, actor, options, on_row=on_row)
    for _lines_read in job.batches():
        if not options.dry_run:
            session.commit()
    return job.finish()


Import = Callable[..., tuple[ImportSummary, dict[int, RowOutcome], list[list[Any]]]]


@pytest.fixture
def do_import(session: Session, importer: User) -> Import:
    """Import a file through the service (committing per batch), collecting every line's outcome.

    Each import runs on the sample's day, a minute after the previous one, so a record written again shows a
    later ``updated_at``.
    """
    runs = iter(range(1, 1000))

    def _import(path: Path, **options: Any) -> tuple[ImportSummary, dict[int, RowOutcome], list[list[Any]]]:
        outcomes: dict[int, RowOutcome] = {}
        cells: list[list[Any]] = []

        def on_row(outcome: RowOutcome, raw: list[Any]) -> None:
            outcomes[outcome.line] = outcome
            cells.append(raw)

        with path.open("rb") as stream, clock.frozen_at(SAMPLE_NOW + timedelta(minutes=next(runs))):
            summary = import_committing(session, stream, path.name, importer, ImportOptions(**options), on_row)
        session.commit()
        return summary, outcomes, cells

    return _import


def counts(session: Session) -> tuple[int, int]:
    """How many organisations and partnerships there are."""
    return (
        session.scalar(select(func.count()).select_from(Organisation)) or 0,
        session.scalar(select(func.count()).select_from(Partnership)) or 0,
    )


def expected_totals(expected: dict[int, dict[str, str]]) -> tuple[int, int]:
    """How many organisations and partnerships the sample's lines create, by their expectations."""
    return (
        sum(int(row["organisations_created"]) for row in expected.values()),
        sum(int(row["partnerships_created"]) for row in expected.values()),
    )


def mismatch(got: RowOutcome, wanted: dict[str, str]) -> str | None:
    """How a line's outcome differs from its expectation (outcome, column, reason fragment), or ``None``."""
    if (
        got.outcome != wanted["outcome"]
        or (wanted["column"] and got.column != wanted["column"])
        or (wanted["reason"] and wanted["reason"] not in (got.reason or ""))
    ):
        return f"line {wanted['line']}: expected {wanted['outcome']} {wanted['column']} {wanted['reason']!r}, got {got}"
    return None


def check_outcomes(outcomes: dict[int, RowOutcome], expected: dict[int, dict[str, str]]) -> None:
    """Every line has exactly the expected outcome, column and reason."""
    assert set(outcomes) == set(expected)
    wrong = [problem for line, wanted in expected.items() if (problem := mismatch(outcomes[line], wanted))]
    assert not wrong, "\n".join(wrong)


def write_csv(path: Path, rows: list[list[str]], header: list[str]) -> Path:
    """A plain UTF-8, comma-separated inventory."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_file(
    session: Session, path: Path, actor: User, **options: Any
) -> tuple[ImportSummary, dict[int, RowOutcome]]:
    """Import through the service, committing per batch, collecting each line's outcome."""
    outcomes: dict[int, RowOutcome] = {}

    def on_row(outcome: RowOutcome, _raw: list[Any]) -> None:
        outcomes[outcome.line] = outcome

    with path.open("rb") as stream:
        summary = import_committing(session, stream, path.name, actor, ImportOptions(**options), on_row)
    session.commit()
    return summary, outcomes


def by_ref(session: Session, ref: str) -> Partnership:
    """The partnership the file calls ``ref``."""
    session.expire_all()
    return session.scalars(select(Partnership).where(Partnership.external_ref == ref)).one()
