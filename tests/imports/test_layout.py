"""Header and vocabulary end to end: files written the way offices write them (French, Spanish, English headers,
title and blank rows, totals, day-first or month-first dates, natural phrases) import, and the report says how
each column and each non-exact value was read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import db
from app.agreements.models import Agreement
from app.cli import cli
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.imports.conftest import import_file as do_import

IMPORTER = "bureau@example.org"

FRENCH = (
    "Inventaire des partenariats — Bureau de Dakar;;;;;;;\r\n"
    ";;;;;;;\r\n"
    "Raison sociale;Type de partenaire;Pays;Point focal;Courriel du point focal;Modalité;Date de début;Date de fin\r\n"
    "Association Sénégalaise pour l'Enfance;ONG nationale;Sénégal;Awa Diop;awa.diop@ase.sn;accord verbal;"
    "15/01/2024;31/12/2025\r\n"
    "Université Cheikh Anta Diop;université;Sénégal;Moussa Fall;m.fall@ucad.sn;protocole d'accord signé;"
    "01/03/2024;28/02/2030\r\n"
)
SPANISH = (
    "Razón social,Tipo de socio,País,Punto focal,Correo del contacto,Modalidad,Fecha de inicio,Fecha de fin\n"
    "Fundación Esperanza,ONG nacional,Colombia,Lucía Gómez,lucia@esperanza.org.co,compromiso verbal,,\n"
    "Universidad de los Andes,universidad,Colombia,Carlos Ruiz,cruiz@uniandes.edu.co,convenio firmado,"
    "01/02/2024,31/01/2029\n"
)
ENGLISH = (
    "Organisation name,Type of organisation,Country,Contact person,Focal point email,Type of agreement,Start,End,"
    "Office colour\n"
    "Hope Foundation,national NGO,Kenya,Jane Wanjiru,jane@hope.or.ke,verbal agreement,,,blue\n"
    "Nairobi University,university,Kenya,Peter Otieno,potieno@uon.ac.ke,signed memorandum,2024-01-15,2029-01-14,red\n"
)
LAYOUTS = {
    "french": ("dakar.csv", FRENCH, "utf-8-sig", ['column "Raison sociale" → organisation name',
               'column "Pays" → country', 'column "Courriel du point focal" → contact e-mail',
               'column "Modalité" → modality', 'column "Date de fin" → end date'], None),
    "spanish": ("bogota.csv", SPANISH, "utf-8", ['column "Razón social" → organisation name',
                'column "País" → country', 'column "Modalidad" → modality'], None),
    "english": ("nairobi.csv", ENGLISH, "utf-8", ['column "Organisation name" → organisation name',
                'column "Type of agreement" → modality', 'column "Focal point email" → contact e-mail'],
                'column "Office colour" ignored'),
}  # fmt: skip


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _import(path: Path, *args: str):
    return _run("import", str(path), "--as", IMPORTER, *args)


def _counts() -> tuple[int, int, int]:
    with db.unit_of_work(write=False) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Organisation, Partnership, Agreement)
        )  # type: ignore[return-value]


@pytest.fixture
def office(cli_database: str) -> Iterator[str]:
    """The CLI's database with an importing project manager."""
    with db.unit_of_work() as session:
        create_user(session, UserCreate(email=IMPORTER, full_name="Bureau", roles=[Role.PROJECT_MANAGER]), actor=SET_UP)
    yield IMPORTER


# through the command line --------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_files_in_natural_words_import(office, tmp_path, layout):
    name, content, encoding, mapped, ignored = LAYOUTS[layout]
    path = tmp_path / name
    path.write_text(content, encoding=encoding)

    dry = _import(path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    for line in mapped:
        assert line in dry.stdout, dry.stdout
    if ignored:
        assert ignored in dry.stdout
    assert "nothing was written" in dry.stdout
    assert _counts() == (0, 0, 0)

    result = _import(path)
    assert result.exit_code == 0, result.output
    for line in mapped:
        assert line in result.stdout
    if ignored:
        assert ignored in result.stdout
    assert "2 created" in result.stdout
    assert _counts() == (2, 2, 1)
    with db.unit_of_work(write=False) as session:
        stages = sorted(session.scalars(select(Partnership.stage)))
        assert stages == ["formal", "informal"]
        contacts = session.scalars(select(Contact)).all()
        assert len(contacts) == 2 and all(c.is_focal_point and c.email for c in contacts)
        assert session.scalar(select(Agreement.status)) == "active"


def test_the_french_title_and_blank_rows_are_skipped_and_reported(office, tmp_path):
    path = tmp_path / "dakar.csv"
    path.write_text(FRENCH, encoding="utf-8-sig")
    result = _import(path)
    assert result.exit_code == 0, result.output
    assert "header on line 3" in result.stdout
    assert "skipped above the header: line 1: Inventaire des partenariats" in result.stdout
    assert "dates read day first" in result.stdout
    with db.unit_of_work(write=False) as session:
        agreement = session.scalars(select(Agreement)).one()
        assert (agreement.effective_date, agreement.end_date) == (date(2024, 3, 1), date(2030, 2, 28))


MISSING = "Raison sociale;Type de partenaire;Nation;Modalité\r\nCoopérative du Fleuve;ONG;Mali;informel\r\n"


def test_a_missing_required_column_exits_2_with_the_fix(office, tmp_path):
    path = tmp_path / "nation.csv"
    path.write_text(MISSING, encoding="utf-8")
    result = _import(path)
    assert result.exit_code == 2, result.output
    assert 'required column "country" not found' in result.stderr
    assert '"Nation"' in result.stderr  # the closest header is offered
    assert '--map "Nation=country"' in result.stderr
    assert _counts() == (0, 0, 0)

    mapping = tmp_path / "mapping.json"
    fixed = _import(path, "--map", "Nation=country", "--save-mapping", str(mapping))
    assert fixed.exit_code == 0, fixed.output
    assert 'column "Nation" → country' in fixed.stdout
    assert json.loads(mapping.read_text(encoding="utf-8"))["Nation"] == "country"
    assert _counts() == (1, 1, 0)

    other = tmp_path / "nation2.csv"
    other.write_text(MISSING.replace("Coopérative du Fleuve", "Coopérative du Delta"), encoding="utf-8")
    reused = _import(other, "--mapping", str(mapping))
    assert reused.exit_code == 0, reused.output
    assert _counts() == (2, 2, 0)
    with db.unit_of_work(write=False) as session:
        assert set(session.scalars(select(Organisation.country_code))) == {"ML"}


# through the service -----------------------------------------------------------------------------------------


@pytest.fixture
def manager(make_user) -> User:
    """The importing project manager."""
    return make_user(Role.PROJECT_MANAGER)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _start(session: Session, name: str) -> date | None:
    partnership = session.scalars(
        select(Partnership).join(Partnership.parties).join(Organisation).where(Organisation.legal_name == name)
    ).one()
    return partnership.project.start_date if partnership.project else None


def test_a_total_row_is_skipped_and_blank_rows_counted(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "totals.csv",
        "Name,Country,Partner type,Amount\nFirst Partner,Kenya,NGO,10\n,,,\nSecond Partner,Kenya,NGO,20\n,,,\n"
        "TOTAL,,,30\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert outcomes[6].outcome == "skipped"
    assert summary.counts["rejected"] == 0
    assert (summary.skipped_total, summary.skipped_blank) == (1, 2)
    assert summary.counts["created"] == 2
    assert session.scalar(select(func.count()).select_from(Organisation)) == 2


DATES_HEADER = "Name,Country,Partner type,Title,Start date,End date\n"


def test_a_day_first_file_reads_ambiguous_dates_day_first(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "dayfirst.csv",
        DATES_HEADER + "Ambiguous Day,Kenya,NGO,Project A,03/04/2024,05/06/2025\n"
        "Clear Day,Kenya,NGO,Project B,25/03/2024,30/06/2025\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert {o.outcome for o in outcomes.values()} == {"created"}, outcomes
    assert _start(session, "Ambiguous Day") == date(2024, 4, 3)
    assert summary.date_order.startswith("dates read day first")


def test_a_month_first_file_reads_ambiguous_dates_month_first(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "monthfirst.csv",
        DATES_HEADER + "Ambiguous Month,Kenya,NGO,Project A,03/04/2024,05/06/2025\n"
        "Clear Month,Kenya,NGO,Project B,03/25/2024,06/30/2025\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert {o.outcome for o in outcomes.values()} == {"created"}, outcomes
    assert _start(session, "Ambiguous Month") == date(2024, 3, 4)
    assert summary.date_order.startswith("dates read month first")


def test_a_mixed_file_flags_the_minority_lines(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "mixed.csv",
        DATES_HEADER + "Day One,Kenya,NGO,P1,25/03/2024,30/06/2025\n"
        "Day Two,Kenya,NGO,P2,20/01/2024,31/12/2025\nMonth One,Kenya,NGO,P3,03/25/2024,\n"
        "Day Three,Kenya,NGO,P4,14/02/2024,\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert outcomes[4].outcome == "doubtful", outcomes
    assert "month first" in (outcomes[4].reason or "") and "03/25/2024" in (outcomes[4].reason or "")
    assert {outcomes[line].outcome for line in (2, 3, 5)} == {"created"}
    assert "both ways" in summary.date_order


def test_a_row_without_title_gets_a_derived_one_and_its_contact_is_the_focal_point(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "contacts.csv",
        "Name,Country,Partner type,Modality,Contact person,Contact email,Phone\n"
        "Lake Fishers Cooperative,Uganda,CBO,informal,Grace Akello,grace@lakefishers.ug,+256 700 123456\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert outcomes[2].outcome == "created", outcomes
    partnership = session.scalars(select(Partnership)).one()
    assert partnership.stage == "informal"
    assert any(partnership.title in note and "no title given" in note and "line 2" in note for note in summary.notes)
    [party] = partnership.parties
    contact = session.get(Contact, party.focal_point_id)
    assert contact is not None
    assert (contact.name, contact.email, contact.is_focal_point) == ("Grace Akello", "grace@lakefishers.ug", True)
    assert contact.phone and "700" in contact.phone


def test_natural_phrases_are_read_and_near_misses_rejected(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "phrases.csv",
        "Name,Country,Partner type,Modality\n"
        "Socio Verbal,Colombia,NGO,compromiso verbal\n"
        "Signed Partner,Kenya,NGO,signed memorandum\n"
        "Typo Partner,Kenya,NGO,iformal\n"
        "Other Typo,Kenya,NGO,nformal\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert outcomes[2].outcome == "created" and outcomes[3].outcome == "created", outcomes
    assert 'Modality: "compromiso verbal" → informal (line 2)' in summary.non_exact_lines()
    assert 'Modality: "signed memorandum" → formal (line 3)' in summary.non_exact_lines()
    query = select(Organisation.legal_name, Partnership.stage).join(Partnership.parties).join(Organisation)
    stages = {name: stage for name, stage in session.execute(query)}
    assert stages == {"Socio Verbal": "informal", "Signed Partner": "formal"}
    for line in (4, 5):
        assert outcomes[line].outcome == "rejected"
        assert outcomes[line].column == "Modality"
        assert "write formal or informal" in (outcomes[line].reason or "")
    assert not session.scalars(
        select(Organisation).where(Organisation.legal_name.in_(["Typo Partner", "Other Typo"]))
    ).all()


def test_cells_that_say_nothing_notes_and_worded_periods(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "office.csv",
        "Name,Acronym,Country,Partner type,Registration No,Modality,Start date,End date,Notice\n"
        "Namib Dunes Trust,N/A,NA,NGO,-,signed MoU,15/02/2022,déc. 2027,three months\n"
        "Andes Rural Network,ARN,Peru,NGO,TBD,signed MoU,2021-05-01,2030,N/A\n"
        "Nile Youth Forum,NA,Egypt,CBO,à préciser,oral commitment,,,\n"
        "Note: the dates are those of the signed copies held by the regional office.\n"
        "* Figures as of June\n",
    )
    summary, outcomes = do_import(session, path, manager)
    # An end written as a month or a year is imported as its last day, and doubtful: a clerk checks it.
    assert [outcomes[line].outcome for line in (2, 3, 4)] == ["doubtful", "doubtful", "created"], outcomes
    assert "2030" in (outcomes[3].reason or "")
    assert [outcomes[line].outcome for line in (5, 6)] == ["skipped", "skipped"]
    assert (summary.skipped_note, summary.counts["rejected"]) == (2, 0)
    assert "2 title or note line(s)" in "\n".join(summary.lines())
    namib = session.scalars(select(Organisation).where(Organisation.legal_name == "Namib Dunes Trust")).one()
    assert (namib.country_code, namib.short_name, namib.registration_number) == ("NA", None, None)
    nile = session.scalars(select(Organisation).where(Organisation.legal_name == "Nile Youth Forum")).one()
    assert (nile.short_name, nile.registration_number) == ("NA", None)  # an acronym in capitals is kept
    agreements = {a.partnership.parties[0].organisation.legal_name: a for a in session.scalars(select(Agreement))}
    assert (agreements["Namib Dunes Trust"].end_date, agreements["Namib Dunes Trust"].notice_period_days) == (
        date(2027, 12, 31),
        90,
    )
    assert agreements["Andes Rural Network"].end_date == date(2030, 12, 31)  # a year ends on its last day


def test_an_email_in_the_phone_column_is_the_contacts_email(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "phones.csv",
        "Name,Country,Partner type,Modality,Focal point,Phone\n"
        "Lake Fishers Cooperative,Uganda,CBO,informal,Grace Akello,Tel: +256 700 123456 / grace@lakefishers.ug\n",
    )
    _summary, outcomes = do_import(session, path, manager)
    assert outcomes[2].outcome == "doubtful" and "taken as the contact's e-mail" in (outcomes[2].reason or "")
    contact = session.scalars(select(Contact)).one()
    assert (contact.email, contact.phone) == ("grace@lakefishers.ug", "+256 700 123456")


def test_a_two_row_header_maps_the_focal_points_name_and_email(session, manager, tmp_path):
    path = _file(
        tmp_path,
        "grouped.csv",
        "Organisation,,,Focal point,,Agreement,,\nName,Country,Type,Name,Email,Modality,Start,End\n"
        "Lake Fishers,Uganda,CBO,Grace Akello,grace@lakefishers.ug,signed MoU,2024-01-01,2030-12-31\n",
    )
    summary, outcomes = do_import(session, path, manager)
    assert outcomes[3].outcome == "created", outcomes
    contact_columns = (summary.mapping["Focal point Name"], summary.mapping["Focal point Email"])
    assert contact_columns == ("contact_name", "contact_email")
    organisation = session.scalars(select(Organisation)).one()
    assert (organisation.legal_name, organisation.email) == ("Lake Fishers", None)
    contact = session.scalars(select(Contact)).one()
    assert (contact.name, contact.email, contact.is_focal_point) == ("Grace Akello", "grace@lakefishers.ug", True)
    assert session.scalars(select(Agreement)).one().end_date == date(2030, 12, 31)
