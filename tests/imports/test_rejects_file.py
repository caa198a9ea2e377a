"""The rejects file and the summary of ``agreements import`` are for clerks: the rejects file is written as the
input was (delimiter, encoding, byte-order mark), holds the input's columns plus ``line`` and ``reason`` in plain
words, and imports as it is once fixed; the summary gives every figure of the run."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP

IMPORTER = "clerk@example.org"
HEADER = ["Nom", "Pays", "Type de partenaire", "Modalité", "Rôle"]
GOOD = ["Société Générale d'Études", "Sénégal", "ONG", "informel", ""]
BAD_COUNTRY = ["Coopérative Éléphant", "Narnia", "ONG", "informel", ""]
BAD_KIND = ["Fondation Kéré", "Burkina Faso", "Vaisseau spatial", "", ""]
BAD_ROLE = ["Réseau Aïda", "Mali", "ONG", "informel", "patron"]
ENUM_NAMES = ("national_cso", "international_cso", "lead_partner", "co_partner", "implementing_partner", "ad_hoc",
              "un_agency", "OrganisationKind.", "PartyRole.", "<", "Decimal(", "datetime.")  # fmt: skip


@pytest.fixture
def clerk(cli_database: str) -> Iterator[str]:
    """The CLI's database with an importing project manager; yields their e-mail."""
    with db.unit_of_work() as session:
        create_user(session, UserCreate(email=IMPORTER, full_name="Clerk", roles=[Role.PROJECT_MANAGER]), actor=SET_UP)
    yield IMPORTER


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _import(path: Path, *args: str):
    return _run("import", str(path), "--as", IMPORTER, *args)


def _counts() -> tuple[int, int]:
    with db.unit_of_work(write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Organisation)) or 0,
            session.scalar(select(func.count()).select_from(Partnership)) or 0,
        )


def _names() -> set[str]:
    with db.unit_of_work(write=False) as session:
        return set(session.scalars(select(Organisation.legal_name)))


def _write(path: Path, rows: list[list[str]], delimiter: str, encoding: str, title: str | None = None) -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        if title is not None:
            stream.write(title + "\r\n")
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _rejects(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom"),
    [(";", "utf-8-sig", True), (",", "utf-8", False), (";", "cp1252", False)],
    ids=["semicolon-utf8-bom", "comma-utf8", "cp1252"],
)
def test_the_rejects_file_is_written_as_the_input_was(clerk, tmp_path, delimiter, encoding, bom):
    source = _write(
        tmp_path / "inventaire.csv",
        [GOOD, BAD_COUNTRY, BAD_KIND],
        delimiter,
        encoding,
        title=f"Inventaire des partenaires 2026{delimiter}{delimiter}",
    )
    result = _import(source)
    assert result.exit_code == 1, result.output
    data = _rejects(source).read_bytes()
    assert data.startswith(codecs.BOM_UTF8) == bom
    if encoding == "cp1252":
        assert "Éléphant".encode("cp1252") in data
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    text = data.decode(encoding)
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    assert rows[0] == [*HEADER, "line", "reason"]  # the header, not the title row above it
    assert [row[:5] for row in rows[1:]] == [BAD_COUNTRY, BAD_KIND]  # accents preserved
    assert [row[5] for row in rows[1:]] == ["4", "5"]
    assert all("Inventaire des partenaires" not in line for line in text.splitlines())


def test_an_xlsx_input_gives_a_utf8_csv_with_a_mark(clerk, tmp_path):
    source = tmp_path / "inventaire.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Inventaire des partenaires 2026"])
    sheet.append(HEADER)
    for row in (GOOD, BAD_COUNTRY):
        sheet.append(row)
    book.save(source)
    result = _import(source)
    assert result.exit_code == 1, result.output
    data = _rejects(source).read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == [*HEADER, "line", "reason"]
    assert rows[1][:5] == BAD_COUNTRY and rows[1][5] == "4"


def test_reasons_are_plain_words(clerk, tmp_path):
    source = tmp_path / "plain.csv"
    source.write_text(
        "Nom,Pays,Type de partenaire,Modalité,Rôle,Date de début,Date de fin,Responsable\n"
        "Coopérative Éléphant,Narnia,ONG,informel,,,,\n"  # unknown country
        "Observateur Un,Mali,ONG,informel,observateur,,,\n"  # an observer cannot open a partnership
        "Dates Inversées,Mali,ONG,informel,,2025-01-01,2024-01-01,\n"  # end before start
        "Sans Gestionnaire,Mali,ONG,informel,,,,personne@example.org\n"  # unknown owner
        "Accord Flou,Mali,ONG,frmal,,,,\n",  # formal or informal? cannot tell
        encoding="utf-8",
    )
    result = _import(source)
    assert result.exit_code == 1
    rows = list(csv.DictReader(_rejects(source).open(encoding="utf-8-sig")))
    assert [row["line"] for row in rows] == ["2", "3", "4", "5", "6"], rows
    assert all(row["reason"] for row in rows)
    assert "Narnia" in rows[0]["reason"] and rows[0]["reason"].startswith("Pays: ")
    leaks = [(row["line"], name) for row in rows for name in ENUM_NAMES if name in row["reason"]]
    assert not leaks, [row["reason"] for row in rows]


def test_reasons_for_unknown_vocabulary_are_plain_words(clerk, tmp_path):
    source = _write(tmp_path / "plain.csv", [BAD_COUNTRY, BAD_KIND, BAD_ROLE], ",", "utf-8")
    result = _import(source)
    assert result.exit_code == 1
    text = _rejects(source).read_text(encoding="utf-8-sig") + result.stdout
    leaks = [name for name in ENUM_NAMES if name in text]
    assert not leaks, text


def test_a_fixed_rejects_file_imports_as_it_is(clerk, tmp_path):
    source = _write(tmp_path / "fix.csv", [GOOD, BAD_COUNTRY, BAD_KIND], ";", "utf-8-sig")
    assert _import(source).exit_code == 1
    assert _counts() == (1, 1)
    rejects = _rejects(source)
    text = rejects.read_text(encoding="utf-8-sig")
    text = text.replace(";Narnia;", ";Bénin;").replace(";Vaisseau spatial;", ";Université;")
    rejects.write_text(text, encoding="utf-8-sig")
    fixed = _import(rejects, "--rejects", str(tmp_path / "again.csv"))
    assert fixed.exit_code == 0, fixed.output
    assert 'column "line"' in fixed.stdout and 'column "reason"' in fixed.stdout  # shown, and ignored
    assert re.search(r'column "line" ignored', fixed.stdout) and re.search(r'column "reason" ignored', fixed.stdout)
    assert "2 created" in fixed.stdout
    assert {"Coopérative Éléphant", "Fondation Kéré"} <= _names()
    assert not (tmp_path / "again.csv").exists()


def test_the_summary_gives_every_figure(clerk, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(
        "Partnership ref,Name,Country,Partner type,Modality,Start date,End date\n"
        "R-1,Known Partner,Kenya,NGO,informal,,\n",
        encoding="utf-8",
    )
    assert _import(first).exit_code == 0
    second = tmp_path / "second.csv"
    second.write_text(
        "Partner inventory 2026,,,,,,\n"
        ",,,,,,\n"
        "Partnership ref,Name,Country,Partner type,Modality,Start date,End date\n"
        "R-1,Known Partner,Kenya,NGO,formal,,\n"  # merged with the known organisation, in conflict (stage)
        "R-2,Known Partner,Kenya,NGO,compromiso verbal,,\n"  # merged; a new partnership; a phrase
        "R-3,New MOU Partner,Uganda,NGO,formal,2024-01-01,2030-12-31\n"  # an agreement, reminders
        ",,,,,,\n"
        "R-4,Lost Partner,Narnia,NGO,informal,,\n"  # rejected
        "TOTAL,3,,,,,\n",
        encoding="utf-8",
    )
    result = _import(second)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "5 line(s) read" in out  # the total line is read, and skipped
    assert "1 in conflict, 1 rejected" in out
    # the blank line among the data and the one between the title and the header are both counted
    assert "skipped: 2 blank, 1 total or summary, 1 title or note line(s)" in out
    assert "organisations: 1 created, 1 merged" in out
    assert "partnerships: 2 created, 0 updated" in out
    assert "agreements recorded: 1" in out
    found = re.search(r"reminders planned: (\d+)", out)
    assert found and int(found[1]) > 0
    assert re.search(r"values read through another wording \(\d+\)", out)
    assert '"compromiso verbal" → informal (line 5)' in out
    assert "conflicts with the record (1)" in out
