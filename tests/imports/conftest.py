"""Fixtures for the import tests: the importing user, the sample's owner, the sample and its expectations."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.imports.service import ImportOptions, ImportSummary, RowOutcome, run_import
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "inventory_sample.csv"
EXPECTED = ROOT / "samples" / "inventory_sample_expected.csv"


@pytest.fixture
def importer(session: Session) -> User:
    """The importing user (a project manager), and the project manager the sample names as an owner."""
    create_user(session, UserCreate(email="pm.sample@example.org", full_name="Sample Owner",
                                    roles=[Role.PROJECT_MANAGER]))  # fmt: skip
    user = create_user(session, UserCreate(email="importer@example.org", full_name="Importer",
                                           roles=[Role.PROJECT_MANAGER]))  # fmt: skip
    session.commit()
    return user


@pytest.fixture
def expected() -> dict[int, dict[str, str]]:
    """The sample's expectations by line."""
    with EXPECTED.open(encoding="utf-8") as stream:
        return {int(row["line"]): row for row in csv.DictReader(stream)}


Import = Callable[..., tuple[ImportSummary, dict[int, RowOutcome], list[list[Any]]]]


@pytest.fixture
def do_import(session: Session, importer: User) -> Import:
    """Import a file through the service (committing per batch), collecting every line's outcome."""

    def _import(path: Path, **options: Any) -> tuple[ImportSummary, dict[int, RowOutcome], list[list[Any]]]:
        outcomes: dict[int, RowOutcome] = {}
        cells: list[list[Any]] = []

        def on_row(outcome: RowOutcome, raw: list[Any]) -> None:
            outcomes[outcome.line] = outcome
            cells.append(raw)

        with path.open("rb") as stream:
            summary = run_import(
                session, stream, path.name, importer, ImportOptions(**options), commit=session.commit, on_row=on_row
            )
        session.commit()
        return summary, outcomes, cells

    return _import


def counts(session: Session) -> tuple[int, int]:
    """How many organisations and partnerships there are."""
    return (
        session.scalar(select(func.count()).select_from(Organisation)) or 0,
        session.scalar(select(func.count()).select_from(Partnership)) or 0,
    )


def check_outcomes(outcomes: dict[int, RowOutcome], expected: dict[int, dict[str, str]]) -> None:
    """Every line has exactly the expected outcome, column and reason."""
    assert set(outcomes) == set(expected)
    wrong = []
    for line, wanted in expected.items():
        got = outcomes[line]
        if (
            got.outcome != wanted["outcome"]
            or (wanted["column"] and got.column != wanted["column"])
            or (wanted["reason"] and wanted["reason"] not in (got.reason or ""))
        ):
            wrong.append(
                f"line {line}: expected {wanted['outcome']} {wanted['column']} {wanted['reason']!r}, got {got}"
            )
    assert not wrong, "\n".join(wrong)
