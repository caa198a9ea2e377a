"""Acceptance: the messy sample imports line by line as expected, nothing else, and a second import changes nothing."""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.imports.cli import RejectsWriter
from app.imports.service import ImportOptions, run_import
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.workflow.models import TransitionEvent
from tests.imports.conftest import EXPECTED, SAMPLE, check_outcomes, counts

pytestmark = pytest.mark.usefixtures("importer")


def test_the_committed_sample_is_what_the_script_writes(tmp_path):
    script = Path(SAMPLE).parent / "make_inventory_sample.py"
    sys.path.insert(0, str(script.parent))
    try:
        import make_inventory_sample
    finally:
        sys.path.remove(str(script.parent))
    written = make_inventory_sample.write(make_inventory_sample.build(), tmp_path)
    assert written[0].read_bytes() == SAMPLE.read_bytes()
    assert written[1].read_bytes() == EXPECTED.read_bytes()
    assert len(EXPECTED.read_text().splitlines()) - 1 >= 300


def _state(session):
    organisations = session.execute(select(Organisation.id, Organisation.updated_at, Organisation.version)).all()
    partnerships = session.execute(select(Partnership.id, Partnership.updated_at, Partnership.version)).all()
    events = session.scalar(select(func.count()).select_from(TransitionEvent))
    return sorted(organisations), sorted(partnerships), events


def test_every_line_of_the_sample_is_imported_or_reported_as_expected(session, do_import, expected, importer):
    before = counts(session)
    summary, outcomes, _cells = do_import(SAMPLE, batch_size=50)
    check_outcomes(outcomes, expected)
    # Nothing else was created.
    organisations = sum(int(row["organisations_created"]) for row in expected.values())
    partnerships = sum(int(row["partnerships_created"]) for row in expected.values())
    assert counts(session) == (before[0] + organisations, before[1] + partnerships)
    assert (summary.organisations_created, summary.partnerships_created) == (organisations, partnerships)
    # Stages were set through the workflow engine, by the importing user, with the file and line.
    for line, row in expected.items():
        if row["partnerships_created"] != "1":
            continue
        ref = row["partnership_ref"] or None
        query = select(Partnership).where(Partnership.title == row["partnership_title"])
        if ref:
            query = select(Partnership).where(Partnership.external_ref == ref)
        partnership = session.scalars(query).one()
        assert partnership.stage == row["stage"], line
        events = session.scalars(
            select(TransitionEvent)
            .where(TransitionEvent.entity_type == "partnership", TransitionEvent.entity_id == partnership.id)
            .order_by(TransitionEvent.id)
        ).all()
        assert events[0].trigger == "create"
        if row["stage"] == "ad_hoc":
            assert len(events) == 1
        else:
            assert [(e.trigger, e.to_state, e.actor_id) for e in events[1:]] == [
                (f"import_as_{row['stage']}", row["stage"], importer.id)
            ]
            assert events[1].comment == f"imported from {SAMPLE.name} line {line}"


def test_importing_the_same_file_again_changes_nothing(session, do_import, expected):
    do_import(SAMPLE, batch_size=40)
    before, state = counts(session), _state(session)
    summary, outcomes, _ = do_import(SAMPLE, batch_size=40)
    assert counts(session) == before
    assert _state(session) == state
    rejected = {line for line, row in expected.items() if row["outcome"] == "rejected"}
    assert {line for line, o in outcomes.items() if o.outcome == "rejected"} == rejected
    assert all(o.outcome == "unchanged" for line, o in outcomes.items() if line not in rejected)
    assert summary.organisations_created == summary.partnerships_created == 0


def test_a_dry_run_reports_the_same_and_writes_nothing(session, do_import, expected):
    before, state = counts(session), _state(session)
    summary, outcomes, _ = do_import(SAMPLE, dry_run=True, batch_size=30)
    check_outcomes(outcomes, expected)
    assert summary.run_id is None
    assert counts(session) == before
    assert _state(session) == state


def test_an_interrupted_import_completes_on_a_second_run_without_doubles(session, importer, do_import, expected):
    class Crash(Exception):
        pass

    seen = []
    before = counts(session)

    def on_row(outcome, raw):
        seen.append(outcome.line)
        if len(seen) == 130:  # in the middle of the third batch of 50
            raise Crash

    with SAMPLE.open("rb") as stream, pytest.raises(Crash):
        run_import(session, stream, SAMPLE.name, importer, ImportOptions(batch_size=50), commit=session.commit,
                   on_row=on_row)  # fmt: skip
    session.rollback()  # what the CLI's unit of work does: the unfinished batch is lost, the first two are kept
    kept = counts(session)
    assert before[0] < kept[0] < before[0] + 200
    do_import(SAMPLE, batch_size=50)
    organisations = sum(int(row["organisations_created"]) for row in expected.values())
    partnerships = sum(int(row["partnerships_created"]) for row in expected.values())
    assert counts(session) == (before[0] + organisations, before[1] + partnerships)
    names = session.execute(
        select(Organisation.name_key, Organisation.country_code, func.count()).group_by(
            Organisation.name_key, Organisation.country_code
        )
    ).all()
    assert all(count == 1 for _, _, count in names)


def _to_xlsx(source: Path, target: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Inventory")
    with source.open(encoding="utf-8") as stream:
        reader = csv.reader(stream)
        headers = next(reader)
        sheet.append(headers)
        dates = {headers.index("Start Date"), headers.index("End Date")}
        for cells in reader:
            row: list[object] = list(cells)
            for index in dates:
                with contextlib.suppress(ValueError, IndexError):  # ISO dates become real date cells
                    row[index] = datetime.combine(date.fromisoformat(cells[index]), datetime.min.time())
            sheet.append(row if cells else [])
    workbook.save(target)


def test_the_sample_as_xlsx_with_real_date_cells(session, do_import, expected, tmp_path):
    target = tmp_path / "inventory_sample.xlsx"
    _to_xlsx(SAMPLE, target)
    check = openpyxl.load_workbook(target, read_only=True)
    assert any(isinstance(cell, datetime) for row in check.worksheets[0].iter_rows(values_only=True) for cell in row)
    check.close()
    before = counts(session)
    summary, outcomes, _ = do_import(target, batch_size=100)
    assert summary.format == "xlsx"
    check_outcomes(outcomes, expected)
    organisations = sum(int(row["organisations_created"]) for row in expected.values())
    assert counts(session)[0] == before[0] + organisations


def test_the_rejects_file_can_be_fixed_and_imported_as_it_is(session, importer, do_import, expected, tmp_path):
    rejects = tmp_path / "rejects.csv"
    with SAMPLE.open(encoding="utf-8") as stream:
        headers = next(csv.reader(stream))
    writer = RejectsWriter(rejects, headers)
    with SAMPLE.open("rb") as stream:
        run_import(session, stream, SAMPLE.name, importer, ImportOptions(), commit=session.commit, on_row=writer)
    writer.close()
    session.commit()
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert {int(r["line"]) for r in rows} == {
        line for line, row in expected.items() if row["outcome"] in {"rejected", "doubtful"}
    }
    for row in rows:
        assert row["reason"] and row["outcome"] in {"rejected", "doubtful"}
    # Fix every rejected line the way a person would, from the column and reason given.
    fixes = {
        "name is missing": {"Organisation Name": "Named At Last"},
        "unknown country": {"Country": "Kenya"},
        "country is missing": {"Country": "KE"},
        "partner type is missing": {"Type": "NGO"},
        "unknown partner type": {"Type": "NGO"},
        "not a date": {"Start Date": "2026-01-15", "End Date": "2027-01-15"},
        "before the start date": {"End Date": "2030-12-31"},
        "unknown modality": {"Modality": "MoU"},
        "no active user": {"Owner Email": ""},
        "not an email address": {"Owner Email": ""},
        "has no title": {"Partnership Title": "Titled at last"},
        "must be a partner": {"Role": "lead"},
        "unknown role": {"Role": "co-partner"},
        "longer than 300": {"Organisation Name": "Shortened Name"},
    }
    fixed = io.StringIO()
    out = csv.writer(fixed)
    out.writerow([*headers, "line", "outcome", "column", "reason"])
    rejected_count = 0
    for row in rows:
        if row["outcome"] == "rejected":
            rejected_count += 1
            fix = next(values for fragment, values in fixes.items() if fragment in row["reason"])
            if row["Organisation Name"].strip() == "" or len(row["Organisation Name"]) > 300:
                fix = {**fix, "Organisation Name": f"Fixed line {row['line']}"}
            row.update(fix)
        out.writerow([row[column] for column in [*headers, "line", "outcome", "column", "reason"]])
    fixed_path = tmp_path / "rejects-fixed.csv"
    fixed_path.write_text(fixed.getvalue(), encoding="utf-8")
    summary, _outcomes, _ = do_import(fixed_path)
    assert summary.counts["rejected"] == 0, summary.problems
    assert summary.ignored_columns == ["line", "outcome", "column", "reason"]
    assert summary.organisations_created == rejected_count
    # The doubtful lines were imported the first time: now they are unchanged.
    assert summary.counts["unchanged"] == len(rows) - rejected_count
