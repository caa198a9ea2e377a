"""``agreements import``: column mapping, summary, rejects file, conflicts and ``--update``, exit codes 0 / 1 / 2,
dry run, and re-import changing nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import db, migrate
from app.cli import cli
from app.imports.models import ImportRun
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.workflow.models import TransitionEvent
from tests.builders import SET_UP
from tests.imports.conftest import EXPECTED, SAMPLE, expected_totals
from tests.support import clear_cached_settings, scratch_database

AS = ("--as", "importer@example.org")


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
                create_user(session, UserCreate(email=email, full_name=email, roles=roles), actor=SET_UP)
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
    expected = {int(row["line"]): row for row in csv.DictReader(EXPECTED.open(encoding="utf-8"))}
    rejects = tmp_path / "rejects.csv"
    dry = _run("import", str(SAMPLE), "--dry-run", *AS, "--rejects", str(rejects))
    assert dry.exit_code == 1  # some lines would be rejected
    assert "dry run: nothing was written" in dry.stdout
    assert _counts() == (0, 0, 0)
    # The header is found under the title line, and the mapping printed before anything is read.
    assert "inventory_sample.csv: header on line 2" in dry.stdout
    assert "skipped above the header: line 1: Partnerships inventory" in dry.stdout
    assert 'column "Contact Person" → contact name' in dry.stdout
    assert 'column "Organisation Name" → organisation name' in dry.stdout
    assert "dates: the file writes dates both ways" in dry.stdout

    result = _run("import", str(SAMPLE), *AS, "--rejects", str(rejects))
    assert result.exit_code == 1
    number = {kind: sum(row["outcome"] == kind for row in expected.values()) for kind in ("rejected", "doubtful")}
    assert f"{number['doubtful']} doubtful (imported, check them)" in result.stdout
    assert f"0 in conflict, {number['rejected']} rejected" in result.stdout
    assert "skipped: 2 blank, 1 total or summary, 1 title or note line(s)" in result.stdout
    assert "were rejected" in result.stderr
    organisations, partnerships = expected_totals(expected)
    recorded = _counts()
    assert recorded[0] == organisations and recorded[2] == 1
    # A known defect (test_sample) adds a partnership for some untitled duplicate lines.
    assert recorded[1] == partnerships
    # The rejects file: the input's columns plus line and reason, the rejected lines only (no conflict in one file).
    with rejects.open(encoding="utf-8", newline="") as stream:
        lines = list(csv.reader(stream))
    with SAMPLE.open(encoding="utf-8", newline="") as stream:
        sample = list(csv.reader(stream))
    assert lines[0] == [*sample[1], "line", "reason"]
    assert [int(cells[-2]) for cells in lines[1:]] == [
        line for line, row in sorted(expected.items()) if row["outcome"] == "rejected"
    ]
    assert f"{number['rejected']} line(s) that did not go in written to {rejects}" in result.stdout

    again = _run("import", str(SAMPLE), *AS, "--rejects", str(rejects))
    assert again.exit_code == 1  # the rejected lines are still rejected
    assert "0 created, 0 updated" in again.stdout
    assert _counts() == (*recorded[:2], 2)


def test_a_clean_file_exits_0(cli_database, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("Pays;Nom;Type;Modalité;Titre\nKenya;Clean Partner;NGO;MoU;Clean partnership\n", encoding="utf-8")
    result = _run("import", str(path), *AS)
    assert result.exit_code == 0, result.output
    assert 'column "Pays" → country' in result.stdout and 'column "Modalité" → modality' in result.stdout
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
        ("Name,Region\nA,East\n", 'required column "partner type" not found'),  # header lacks country and type
        ("Name,Region\nA,East\n", 'required column "country" not found'),
        ("Something,Else\n1,2\n", "no header row found in the first 10 non-empty rows"),
        ("Nation,Nom,Type\nKenya,A,NGO\n", 'add --map "Nation=country"'),  # the closest header is offered
        ("", "empty"),
    ],
)
def test_unusable_input_exits_2_naming_what_is_missing(cli_database, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = _run("import", str(path), *AS)
    assert result.exit_code == 2
    assert message in result.stderr
    assert _counts() == (0, 0, 0)


def test_bad_arguments(cli_database, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,country,kind\nA,KE,NGO\n", encoding="utf-8")
    assert _run("import", str(tmp_path / "missing.csv"), *AS).exit_code == 2
    both = _run("import", str(path), "--day-first", "--month-first", *AS)
    assert both.exit_code == 2
    viewer = _run("import", str(path), "--as", "viewer@example.org")
    assert viewer.exit_code == 1 and "do not allow" in viewer.stderr
    no_field = _run("import", str(path), "--map", "country", *AS)
    assert no_field.exit_code == 2 and '--map takes "Header text=field"' in no_field.stderr
    unknown = _run("import", str(path), "--map", "name=nonsense", *AS)
    assert unknown.exit_code == 2 and 'unknown field "nonsense"' in unknown.stderr
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    broken = _run("import", str(path), "--mapping", str(tmp_path / "broken.json"), *AS)
    assert broken.exit_code == 2 and "broken.json" in broken.stderr
    assert _run("import", str(path), "--mapping", str(tmp_path / "none.json"), *AS).exit_code == 2
    assert _counts() == (0, 0, 0)


def test_map_save_mapping_and_mapping(cli_database, tmp_path):
    path = tmp_path / "nation.csv"
    path.write_text("Nation,Nom,Type,Comments\nKenya,Mapped Partner,NGO,first\n", encoding="utf-8")
    saved = tmp_path / "mapping.json"
    result = _run("import", str(path), "--map", "Nation=country", "--map", "Comments=ignore",
                  "--save-mapping", str(saved), *AS)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert 'column "Nation" → country' in result.stdout and 'column "Comments" ignored' in result.stdout
    assert f"column mapping saved to {saved}" in result.stdout
    assert json.loads(saved.read_text(encoding="utf-8")) == {
        "Nation": "country", "Nom": "organisation_name", "Type": "partner_type", "Comments": "ignore"
    }  # fmt: skip
    # The saved mapping reads the next file of the same layout.
    second = tmp_path / "nation2.csv"
    second.write_text("Nation,Nom,Type,Comments\nUganda,Second Partner,NGO,second\n", encoding="utf-8")
    again = _run("import", str(second), "--mapping", str(saved), *AS)
    assert again.exit_code == 0, again.output
    with db.unit_of_work(write=False) as session:
        found = {
            name: code for name, code in session.execute(select(Organisation.legal_name, Organisation.country_code))
        }
        assert found == {"Mapped Partner": "KE", "Second Partner": "UG"}
        assert session.scalar(select(Organisation.notes).where(Organisation.legal_name == "Mapped Partner")) is None


def test_totals_blank_lines_and_a_rejects_file_in_the_inputs_own_dialect(cli_database, tmp_path):
    path = tmp_path / "semicolons.csv"
    content = ("Inventaire des partenaires\n\nNom;Pays;Type;Modalité\nPremier;Kenya;ONG;informel\n\n"
               "Deuxième;Atlantide;ONG;informel\nTotal;2\n")  # fmt: skip
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    rejects = tmp_path / "rejects.csv"
    result = _run("import", str(path), *AS, "--rejects", str(rejects))
    assert result.exit_code == 1, result.output
    assert "header on line 3" in result.stdout
    assert "skipped: 2 blank, 1 total or summary, 1 title or note line(s)" in result.stdout  # above and below
    data = rejects.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the input's byte-order mark, so Excel opens it as it did the input
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["Nom", "Pays", "Type", "Modalité", "line", "reason"]
    assert rows[1][:5] == ["Deuxième", "Atlantide", "ONG", "informel", "6"]
    assert rows[1][5].startswith("Pays: ") and len(rows) == 2
    # Latin-1 (cp1252) in, cp1252 out, comma kept.
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Nom,Pays,Type\nCafé Société,Nowhere,ONG\n".encode("cp1252"))
    assert _run("import", str(latin), *AS, "--rejects", str(rejects)).exit_code == 1
    assert rejects.read_bytes().decode("cp1252").splitlines()[1].startswith("Café Société,Nowhere,ONG,2,")


def _partner_file(path: Path, modality: str, end: str, contact: str) -> Path:
    path.write_text(
        "name,country,kind,title,modality,start date,end date,contact person\n"
        f"Conflict Partner,KE,NGO,Conflict programme,{modality},2026-01-15,{end},{contact}\n",
        encoding="utf-8",
    )
    return path


def test_differences_with_the_record_are_conflicts_until_update_applies_them(cli_database, tmp_path):
    first = _partner_file(tmp_path / "first.csv", "informal", "2027-01-14", "Jane Doe")
    assert _run("import", str(first), *AS).exit_code == 0
    changed = _partner_file(tmp_path / "changed.csv", "ad hoc", "2027-06-30", "John Roe")
    rejects = tmp_path / "changed.csv.rejects.csv"  # the default

    conflict = _run("import", str(changed), *AS)
    assert conflict.exit_code == 1, conflict.output
    assert "1 in conflict" in conflict.stdout and "run again with --update to apply them" in conflict.stdout
    assert "modality: recorded informal, the file says ad hoc" in conflict.stdout
    assert "check them and import again with --update" in conflict.stderr
    (row,) = list(csv.DictReader(rejects.open(encoding="utf-8-sig")))
    assert row["line"] == "2" and "differs from PA-" in row["reason"] and set(row) >= {"name", "line", "reason"}
    with db.unit_of_work(write=False) as session:
        partnership = session.scalars(select(Partnership)).one()
        assert partnership.stage == "informal" and str(partnership.project.end_date) == "2027-01-14"

    applied = _run("import", str(changed), "--update", *AS)
    assert applied.exit_code == 0, applied.output
    assert "(applied)" in applied.stdout
    with db.unit_of_work(write=False) as session:
        partnership = session.scalars(select(Partnership)).one()
        assert partnership.stage == "ad_hoc" and str(partnership.project.end_date) == "2027-06-30"
        focal = session.get(Contact, partnership.parties[0].focal_point_id)
        assert focal is not None and focal.name == "John Roe"
        last = session.scalars(
            select(TransitionEvent)
            .where(TransitionEvent.entity_type == "partnership", TransitionEvent.entity_id == partnership.id)
            .order_by(TransitionEvent.id.desc())
        ).first()
        assert last is not None and last.trigger == "import_as_ad_hoc"  # through the engine
        assert last.comment == "imported from changed.csv line 2"

    settled = _run("import", str(changed), *AS)
    assert settled.exit_code == 0 and "1 unchanged" in settled.stdout


def test_month_first_decides_ambiguous_dates(cli_database, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("name,country,kind,title,start date,end date\nA,KE,NGO,P,03/04/2026,05/06/2027\n", encoding="utf-8")
    result = _run("import", str(path), *AS, "--month-first")
    assert result.exit_code == 0, result.output
    assert "dates: dates read month first, as asked" in result.stdout
    assert "0 doubtful" in result.stdout
    with db.unit_of_work(write=False) as session:
        partnership = session.scalars(select(Partnership)).one()
        assert str(partnership.project.start_date) == "2026-03-04"


def test_the_date_order_is_learned_from_the_unambiguous_dates(cli_database, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(
        "name,country,kind,title,start date,end date\nA,KE,NGO,P,03/04/2026,05/06/2027\nB,KE,NGO,Q,04/25/2026,\n",
        encoding="utf-8",
    )
    result = _run("import", str(path), *AS)
    assert result.exit_code == 0, result.output
    assert "dates: dates read month first: 1 date(s) can only be read so (e.g. '04/25/2026' on line 3)" in result.stdout
    assert "0 doubtful" in result.stdout
    with db.unit_of_work(write=False) as session:
        starts = {p.title: str(p.project.start_date) for p in session.scalars(select(Partnership))}
        assert starts == {"P": "2026-03-04", "Q": "2026-04-25"}  # 03/04 read month first, as the file writes
