"""Re-importing an inventory is correction, not silence: unchanged lines stay quiet, differences are conflicts
that ``--update`` applies through the workflow engine, guards still hold, and only those who may change a
partnership change it by import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import db
from app.agreements.models import Agreement
from app.cli import cli
from app.errors import Forbidden
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.workflow import engine
from app.workflow.models import TransitionEvent
from tests.builders import SET_UP
from tests.imports.conftest import by_ref
from tests.imports.conftest import import_file as do_import
from tests.imports.conftest import write_csv as _write_csv

HEADER = [
    "Partnership ref",
    "Organisation",
    "Country",
    "Partner type",
    "Modality",
    "Start date",
    "End date",
    "Focal point",
    "Focal point email",
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    """A plain UTF-8, comma-separated inventory with this module's header unless another is given."""
    return _write_csv(path, rows, header or HEADER)


# P-1 informal without dates; P-2 formal with an MOU in force; P-3 informal with project dates; P-4 a focal point.
FIRST = [
    ["P-1", "Alpha Relief", "Kenya", "NGO", "informal", "", "", "", ""],
    ["P-2", "Beta Health", "Kenya", "NGO", "formal", "2024-01-01", "2030-12-31", "", ""],
    ["P-3", "Gamma Schools", "Kenya", "NGO", "informal", "2024-01-01", "2025-06-30", "", ""],
    ["P-4", "Delta Rights", "Kenya", "NGO", "informal", "", "", "Carl Delta", "carl@delta.org"],
]
SECOND = [
    ["P-1", "Alpha Relief", "Kenya", "NGO", "formal", "", "", "", ""],
    ["P-2", "Beta Health", "Kenya", "NGO", "formal", "2024-01-01", "2031-06-30", "", ""],
    ["P-3", "Gamma Schools", "Kenya", "NGO", "informal", "2024-02-01", "2025-12-31", "", ""],
    ["P-4", "Delta Rights", "Kenya", "NGO", "informal", "", "", "Cora Delta", "cora@delta.org"],
]


def snapshot(session: Session) -> dict[str, Any]:
    """What a re-import must not touch: versions and update times, stages, terms, focal points, events."""
    session.expire_all()
    return {
        "partnerships": sorted(
            session.execute(
                select(Partnership.id, Partnership.stage, Partnership.version, Partnership.updated_at)
            ).all()
        ),
        "agreements": sorted(
            session.execute(
                select(Agreement.id, Agreement.status, Agreement.effective_date, Agreement.end_date, Agreement.version)
            ).all()
        ),
        "focal": sorted(
            (p.reference, [(x.organisation_id, x.focal_point_id) for x in p.parties])
            for p in session.scalars(select(Partnership))
        ),
        "projects": sorted(
            (p.reference, p.project.start_date if p.project else None, p.project.end_date if p.project else None)
            for p in session.scalars(select(Partnership))
        ),
        "organisations": sorted(session.execute(select(Organisation.id, Organisation.updated_at))),
        "events": session.scalar(select(func.count()).select_from(TransitionEvent)),
        "contacts": session.scalar(select(func.count()).select_from(Contact)),
    }


@pytest.fixture
def manager(make_user) -> User:
    """The importing project manager, who owns what the first file creates."""
    return make_user(Role.PROJECT_MANAGER, name="Mina Manager")


@pytest.fixture
def imported(session: Session, manager: User, tmp_path: Path) -> Path:
    """The first file, imported by the manager; returns the second file (not imported yet)."""
    summary, outcomes = do_import(session, write_csv(tmp_path / "first.csv", FIRST), manager)
    assert {o.outcome for o in outcomes.values()} == {"created"}, outcomes
    assert summary.agreements_recorded == 1
    return write_csv(tmp_path / "second.csv", SECOND)


def test_the_same_file_twice_changes_nothing(session, manager, imported, tmp_path):
    before = snapshot(session)
    summary, outcomes = do_import(session, tmp_path / "first.csv", manager)
    assert {line: o.outcome for line, o in outcomes.items()} == dict.fromkeys(range(2, 6), "unchanged")
    assert summary.conflicts == [] and summary.counts["unchanged"] == 4
    assert (summary.agreements_recorded, summary.partnerships_created, summary.organisations_created) == (0, 0, 0)
    assert summary.partnerships_updated == set()
    assert snapshot(session) == before


def test_differences_are_conflicts_and_change_nothing(session, manager, imported):
    before = snapshot(session)
    summary, outcomes = do_import(session, imported, manager)
    assert {line: o.outcome for line, o in outcomes.items()} == dict.fromkeys(range(2, 6), "conflict")
    described = {c.line: c.description for c in summary.conflicts}
    assert not any(c.applied for c in summary.conflicts)
    assert "recorded informal" in described[2] and "formal" in described[2].split("the file says")[1]
    assert "2030-12-31" in described[3] and "2031-06-30" in described[3]
    assert "2024-01-01 to 2025-06-30" in described[4] and "2024-02-01 to 2025-12-31" in described[4]
    assert "carl@delta.org" in described[5] and "cora@delta.org" in described[5]
    assert all("--update" in (o.reason or "") for o in outcomes.values())
    assert summary.exit_code == 1
    after = snapshot(session)
    assert after == before


def test_a_conflicting_focal_point_adds_no_contact(session, manager, imported):
    before = snapshot(session)
    do_import(session, imported, manager)
    after = snapshot(session)
    assert (after["contacts"], after["organisations"]) == (before["contacts"], before["organisations"])


def test_update_applies_each_difference_through_the_engine(session, manager, imported):
    summary, outcomes = do_import(session, imported, manager, update=True)
    assert {line: o.outcome for line, o in outcomes.items()} == dict.fromkeys(range(2, 6), "updated"), outcomes
    assert summary.conflicts and all(c.applied for c in summary.conflicts)
    assert summary.exit_code == 0

    # The stage change is an import transition by the importing user, with the file and line.
    alpha = by_ref(session, "P-1")
    assert alpha.stage == "formal"
    last = engine.history(session, "partnership", alpha.id)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor_id) == (
        "import_as_formal",
        "informal",
        "formal",
        manager.id,
    )
    assert last.comment == "imported from second.csv line 2"

    # The MOU's end date is corrected through correct_recorded_term, then activate; reminders follow the new date.
    beta = by_ref(session, "P-2")
    agreement = session.scalars(select(Agreement).where(Agreement.partnership_id == beta.id)).one()
    assert (agreement.status, agreement.effective_date, agreement.end_date) == (
        "active",
        date(2024, 1, 1),
        date(2031, 6, 30),
    )
    triggers = [e.trigger for e in engine.history(session, "agreement", agreement.id)]
    assert triggers[-2:] == ["correct_recorded_term", "activate"]
    correction = engine.history(session, "agreement", agreement.id)[-2]
    assert correction.comment == "imported from second.csv line 3"
    planned_end = session.scalars(
        select(Reminder.due_on).where(
            Reminder.subject_type == "agreement",
            Reminder.subject_id == agreement.id,
            Reminder.kind == ReminderKind.END_DATE,
            Reminder.status == ReminderStatus.PLANNED,
        )
    ).all()
    assert planned_end and set(planned_end) == {date(2031, 6, 30)}

    gamma = by_ref(session, "P-3")
    assert (gamma.project.start_date, gamma.project.end_date) == (date(2024, 2, 1), date(2025, 12, 31))

    delta = by_ref(session, "P-4")
    focal = session.get(Contact, delta.parties[0].focal_point_id)
    assert focal is not None and focal.email == "cora@delta.org" and focal.is_focal_point

    # A third import of the second file: nothing left to do.
    before = snapshot(session)
    third, outcomes = do_import(session, imported, manager, update=True)
    assert {o.outcome for o in outcomes.values()} == {"unchanged"}, outcomes
    assert third.conflicts == []
    assert snapshot(session) == before


def test_a_guard_keeps_a_stage_change_in_conflict_even_with_update(session, manager, imported, tmp_path):
    path = write_csv(
        tmp_path / "informal.csv",
        [["P-2", "Beta Health", "Kenya", "NGO", "informal", "2024-01-01", "2030-12-31"]],
        header=HEADER[:7],
    )
    before = snapshot(session)
    summary, outcomes = do_import(session, path, manager, update=True)
    assert outcomes[2].outcome == "conflict"
    [conflict] = summary.conflicts
    assert not conflict.applied and conflict.refused
    # no_agreement_in_force says why: the MOU is active and must be terminated first
    assert "is active" in conflict.refused and "terminate it first" in conflict.refused
    assert conflict.refused in (outcomes[2].reason or "")
    assert by_ref(session, "P-2").stage == "formal"
    assert snapshot(session) == before
    assert summary.exit_code == 1


# ownership ---------------------------------------------------------------------------------------------------

CHANGED_P1 = [["P-1", "Alpha Relief", "Kenya", "NGO", "formal", "", "", "", ""]]


@pytest.fixture
def others(make_user, session, imported) -> dict[str, User]:
    """Another manager, the partnership's legal officer (assigned to P-1) and an admin."""
    people = {
        "other manager": make_user(Role.PROJECT_MANAGER, name="Otto Other"),
        "legal officer": make_user(Role.LEGAL_OFFICER, name="Lea Legal"),
        "admin": make_user(Role.ADMIN, name="Ada Admin"),
    }
    alpha = by_ref(session, "P-1")
    alpha.legal_officer_id = people["legal officer"].id
    session.commit()
    return people


def test_another_manager_cannot_change_a_partnership_by_import(session, manager, others, tmp_path):
    path = write_csv(tmp_path / "other.csv", CHANGED_P1)
    alpha = by_ref(session, "P-1")
    before = snapshot(session)
    for update in (False, True):
        summary, outcomes = do_import(session, path, others["other manager"], update=update)
        assert outcomes[2].outcome == "rejected", outcomes
        reason = outcomes[2].reason or ""
        assert alpha.reference in reason
        assert "owner" in reason and "legal officer" in reason and "admin" in reason
        assert summary.conflicts == [] or not any(c.applied for c in summary.conflicts)
        assert snapshot(session) == before  # nothing changed, no transition fired

    same = write_csv(tmp_path / "same.csv", FIRST[:1])
    _summary, outcomes = do_import(session, same, others["other manager"])
    assert outcomes[2].outcome == "unchanged", outcomes
    assert snapshot(session) == before


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_those_who_may_change_it_can(session, manager, others, tmp_path, who):
    actor = manager if who == "owner" else others[who]
    path = write_csv(tmp_path / "change.csv", CHANGED_P1)
    _summary, outcomes = do_import(session, path, actor, update=True)
    assert outcomes[2].outcome == "updated", outcomes
    alpha = by_ref(session, "P-1")
    assert alpha.stage == "formal"
    last = engine.history(session, "partnership", alpha.id)[-1]
    assert (last.trigger, last.actor_id) == ("import_as_formal", actor.id)


def test_a_legal_officer_may_not_import_even_to_update_what_they_look_after(session, others, tmp_path):
    # Importing opens partnerships: the import itself refuses, as the API and the command line do.
    path = write_csv(tmp_path / "change.csv", CHANGED_P1)
    before = snapshot(session)
    with pytest.raises(Forbidden):
        do_import(session, path, others["legal officer"], update=True)
    session.rollback()
    assert snapshot(session) == before


# through the command line --------------------------------------------------------------------------------------


@pytest.fixture
def cli_users(cli_database: str) -> Iterator[str]:
    """The CLI's database with an importing project manager; yields their e-mail."""
    with db.unit_of_work() as session:
        create_user(
            session, UserCreate(email="pm@example.org", full_name="PM", roles=[Role.PROJECT_MANAGER]), actor=SET_UP
        )
    yield "pm@example.org"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_exit_codes_for_conflicts_and_update(cli_users, tmp_path):
    first = write_csv(tmp_path / "first.csv", FIRST)
    second = write_csv(tmp_path / "second.csv", SECOND)
    assert _run("import", str(first), "--as", cli_users).exit_code == 0

    def state() -> list[tuple[Any, ...]]:
        with db.unit_of_work(write=False) as session:
            return sorted(session.execute(select(Partnership.external_ref, Partnership.stage, Partnership.version)))

    before = state()
    conflicted = _run("import", str(second), "--as", cli_users)
    assert conflicted.exit_code == 1, conflicted.output
    assert "4 in conflict" in conflicted.stdout
    assert "--update" in conflicted.output
    assert state() == before
    rejects = tmp_path / "second.csv.rejects.csv"
    assert rejects.exists()  # conflicting lines are listed for the clerk

    applied = _run("import", str(second), "--as", cli_users, "--update")
    assert applied.exit_code == 0, applied.output
    assert dict((ref, stage) for ref, stage, _ in state())["P-1"] == "formal"
    again = _run("import", str(second), "--as", cli_users)
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 4 unchanged" in again.stdout
