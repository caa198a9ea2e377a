"""``agreements quality``: the summary and the top records to fix, as text or JSON; bad options are messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app import db
from app.cli import cli
from tests.builders import SET_UP


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _load() -> tuple[int, int]:
    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_user
    from tests.quality.conftest import complete_organisation, complete_partnership

    with db.unit_of_work() as session:
        manager = create_user(
            session, UserCreate(email="pm@example.org", full_name="PM", roles=[Role.PROJECT_MANAGER]), actor=SET_UP
        )
        complete = complete_organisation(session, "Complete Org")
        bare = complete_organisation(session, "Bare Org", contacts=[], website=None)
        created = complete_partnership(session, manager, complete, objectives=None)
        return bare.id, created.id


def test_quality_prints_the_summary_and_the_records_to_fix(cli_database):
    bare_id, partnership_id = _load()
    result = _run("quality", "--limit", "5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "overall: score" in out and "over 3 records; 2 to fix" in out
    assert "no contact person is recorded  [contact, weight 3]" in out
    assert "Bare Org — no contact person is recorded; no contact is marked as focal point" in out
    listed = out.split("Records to fix (2), by impact:", 1)[1]
    assert listed.index("Bare Org") < listed.index("the objectives are missing")

    as_json = json.loads(_run("quality", "--format", "json", "--entity", "partnership").stdout)
    assert as_json["summary"]["overall"]["records"] == 3
    assert [item["id"] for item in as_json["records_to_fix"]["items"]] == [partnership_id]

    limited = json.loads(_run("quality", "--format", "json", "--limit", "1").stdout)
    assert [item["id"] for item in limited["records_to_fix"]["items"]] == [bare_id]
    assert limited["records_to_fix"]["total"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--entity", "agreement"], "unknown entity 'agreement'"),
        (["--format", "xml"], "unknown format 'xml'"),
        (["--limit", "0"], "greater than or equal to 1"),
    ],
)
def test_bad_options_are_messages(cli_database, args, message):
    result = CliRunner().invoke(cli, ["quality", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_rebuild_repairs_scores_lost_or_damaged(cli_database):
    from sqlalchemy import delete

    from app.quality.models import QualityScore

    _load()
    with db.unit_of_work() as session:
        session.execute(delete(QualityScore))  # as after a restore of the source tables alone
    assert json.loads(_run("quality", "--format", "json").stdout)["summary"]["overall"]["records"] == 0
    repaired = json.loads(_run("quality", "--rebuild", "--format", "json").stdout)
    assert repaired["summary"]["overall"]["records"] == 3 and repaired["records_to_fix"]["total"] == 2
