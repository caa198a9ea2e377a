"""Acceptance: the messy sample imports line by line as expected, nothing else, and a second import changes nothing."""

from __future__ import annotations

import contextlib
import csv
import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app import clock
from app.agreements.models import Agreement
from app.cli.imports import REJECT_COLUMNS, RejectsWriter
from app.imports.headers import FIELDS, match_columns
from app.imports.service import OUTCOMES, ImportOptions, open_inventory
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.reminders.models import Reminder, ReminderStatus
from app.workflow.models import TransitionEvent
from tests.imports.conftest import (
    EXPECTED,
    ONCE_DEFECTIVE,
    SAMPLE,
    SAMPLE_NOW,
    UNTITLED_DUPLICATES,
    check_outcomes,
    counts,
    expected_totals,
    import_committing,
    load_generator,
    mismatch,
)

pytestmark = pytest.mark.usefixtures("importer")


def _sample_rows() -> tuple[list[str], dict[int, dict[str, str]], int]:
    """The sample's header, its data lines by line number (as the file numbers them) and its blank lines."""
    with SAMPLE.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)  # the title line
        headers = next(reader)
        rows, blanks = {}, 0
        for cells in reader:
            if not cells:
                blanks += 1
                continue
            rows[reader.line_num] = dict(zip(headers, cells, strict=True))
    return headers, rows, blanks


def test_the_committed_sample_is_what_the_script_writes(tmp_path):
    generator = load_generator()
    written = generator.write(generator.build(), tmp_path)
    assert written[0].read_bytes() == SAMPLE.read_bytes()
    assert written[1].read_bytes() == EXPECTED.read_bytes()
    expected = list(csv.DictReader(EXPECTED.open(encoding="utf-8")))
    assert len(expected) >= 300
    # Every kind of line is there (a conflict needs a record made before: see test_cli and test_reimport).
    assert set(OUTCOMES) - {row["outcome"] for row in expected} == {"conflict"}
    assert {row["agreement"] for row in expected} == {"", "active", "expired", "signed"}
    # The lines the known defects are about are what their description says.
    _, rows, _ = _sample_rows()
    for line in UNTITLED_DUPLICATES:
        row = rows[line]
        assert not row["Partnership Title"] and not row["Partnership Ref"] and row["Contact Person"], line
    assert all(rows[line]["End Date"] for line in ONCE_DEFECTIVE if line not in UNTITLED_DUPLICATES)


def test_the_template_names_every_field_the_importer_reads():
    template = SAMPLE.parent / "inventory_template.csv"
    headers = template.read_text(encoding="utf-8").splitlines()[0].split(",")
    mapping = match_columns(headers)
    assert headers == list(FIELDS) and not mapping.missing and not mapping.ignored
    assert mapping.as_saved() == {name: name for name in FIELDS}


def _state(session):
    organisations = session.execute(select(Organisation.id, Organisation.updated_at, Organisation.version)).all()
    partnerships = session.execute(select(Partnership.id, Partnership.updated_at, Partnership.version)).all()
    agreements = session.execute(select(Agreement.id, Agreement.status, Agreement.version)).all()
    contacts = session.execute(select(Contact.id, Contact.version, Contact.is_focal_point)).all()
    events = session.scalar(select(func.count()).select_from(TransitionEvent))
    reminders = session.scalar(select(func.count()).select_from(Reminder))
    return sorted(organisations), sorted(partnerships), sorted(agreements), sorted(contacts), events, reminders


def _events(session, entity_type, entity_id):
    return session.scalars(
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == entity_type, TransitionEvent.entity_id == entity_id)
        .order_by(TransitionEvent.id)
    ).all()


def _iso(day):
    return day.isoformat() if day else None


def _check_partnership(session, line, row, sample_row, partnership, importer, notes):
    """The partnership a line created: title, stage (through the engine), focal point and recorded agreement."""
    evidence = f"imported from {SAMPLE.name} line {line}"
    assert partnership.title == row["partnership_title"], line
    if row["partnership_ref"]:
        assert partnership.external_ref == row["partnership_ref"], line
    if not sample_row["Partnership Title"]:
        assert f"line {line}: no title given; the partnership is called {row['partnership_title']!r}" in notes
    assert partnership.stage == row["stage"], line
    events = _events(session, "partnership", partnership.id)
    assert events[0].trigger == "create"
    steps = [(e.trigger, e.to_state, e.actor_id) for e in events[1:]]
    if row["stage"] == "ad_hoc":
        assert steps == [], line
    elif row["stage"] == "ended":  # placed formal by the import, ended by its expired agreement
        assert steps == [("import_as_formal", "formal", importer.id), ("last_agreement_ended", "ended", None)], line
        assert events[1].comment == evidence
    else:
        assert steps == [(f"import_as_{row['stage']}", row["stage"], importer.id)], line
        assert events[1].comment == evidence
    if sample_row["Contact Person"] or sample_row["Contact Email"]:
        (party,) = partnership.parties
        focal = session.get(Contact, party.focal_point_id)
        assert focal is not None and focal.is_focal_point, line
        assert focal.organisation_id == party.organisation_id
        assert (focal.name, focal.email) == (
            sample_row["Contact Person"] or sample_row["Contact Email"],
            sample_row["Contact Email"] or None,
        ), line
    term = (row["start_date"] or None, row["end_date"] or None)  # every way of writing a date, read as meant
    project = partnership.project
    read = (None, None) if project is None else (_iso(project.start_date), _iso(project.end_date))
    assert read == term, line
    agreements = session.scalars(select(Agreement).where(Agreement.partnership_id == partnership.id)).all()
    if not row["agreement"]:
        assert agreements == [], line
        return
    (agreement,) = agreements
    assert agreement.status == row["agreement"], line
    assert partnership.project is not None
    assert (agreement.effective_date, agreement.end_date) == (partnership.project.start_date,
                                                               partnership.project.end_date)  # fmt: skip
    triggers = [(e.trigger, e.actor_id) for e in _events(session, "agreement", agreement.id)]
    due = {"signed": [], "active": [("activate", None)], "expired": [("activate", None), ("expire", None)]}
    assert triggers[1:] == [("record_existing", importer.id), *due[row["agreement"]]], line
    planned = session.scalar(
        select(func.count()).where(
            Reminder.subject_type == "agreement",
            Reminder.subject_id == agreement.id,
            Reminder.status == ReminderStatus.PLANNED,
        )
    )
    assert (planned > 0) == (row["agreement"] == "active"), line


def test_every_line_of_the_sample_is_imported_or_reported_as_expected(session, do_import, expected, importer):
    before = counts(session)
    summary, outcomes, _cells = do_import(SAMPLE, batch_size=50)
    check_outcomes(outcomes, expected)
    # Nothing else was created (but what the known-defect lines create, which their own tests refuse).
    organisations, partnerships = expected_totals(expected)
    assert counts(session) == (before[0] + organisations, before[1] + partnerships)
    assert (summary.organisations_created, summary.partnerships_created) == (
        organisations,
        partnerships,
    )
    # The report: header under the title line, dates read mostly day first, figures that add up.
    _, rows, blanks = _sample_rows()
    assert summary.header_line == 2 and len(summary.skipped_title) == 1
    assert 'column "Contact Person" → contact name' in summary.header
    assert summary.date_order.startswith("the file writes dates both ways")
    totals = summary.totals()
    assert totals["rows_read"] == len(expected) == summary.rows
    assert {outcome: totals[outcome] for outcome in OUTCOMES} == {
        outcome: sum(o.outcome == outcome for o in outcomes.values()) for outcome in OUTCOMES
    }
    assert (totals["skipped_blank"], totals["skipped_total"], totals["skipped_title"]) == (blanks, 1, 1)
    assert totals["agreements_recorded"] == sum(bool(row["agreement"]) for row in expected.values())
    derived = [line for line, row in expected.items() if row["partnerships_created"] == "1"
               and not rows[line]["Partnership Title"]]  # fmt: skip
    assert totals["titles_derived"] == len(derived)
    reminders = session.scalar(
        select(func.count()).where(Reminder.subject_type == "agreement", Reminder.status == ReminderStatus.PLANNED)
    )
    assert totals["reminders_planned"] == reminders > 0
    assert totals["conflicts"] == 0 and summary.exit_code == 1
    assert {p.line for p in summary.problems} == {
        line for line, row in expected.items() if row["outcome"] in {"rejected", "doubtful"}
    }
    # Each partnership: its title, its stage set through the workflow engine by the importing user with the file
    # and line as evidence, its focal point, and the MoU a formal line with a term records.
    for line, row in expected.items():
        if row["partnerships_created"] != "1":
            continue
        partnership = session.get(Partnership, outcomes[line].partnership_id)
        assert partnership is not None, line
        _check_partnership(session, line, row, rows[line], partnership, importer, summary.notes)
    # Every written line names the records it touched.
    generator = load_generator()
    for line, outcome in outcomes.items():
        if outcome.outcome in {"created", "updated", "unchanged", "doubtful"}:
            assert outcome.organisation_id is not None, line
            assert (outcome.partnership_id is not None) == generator.is_partnership(rows[line]), line
        else:
            assert outcome.organisation_id is None and outcome.partnership_id is None, line


_OUTCOMES_BY_DATABASE: dict[str, dict] = {}


@pytest.fixture
def sample_outcomes(do_import, database_url):
    """Every line's outcome in a dry run of the sample (once per test session: it writes nothing)."""
    if database_url not in _OUTCOMES_BY_DATABASE:
        _OUTCOMES_BY_DATABASE[database_url] = do_import(SAMPLE, dry_run=True)[1]
    return _OUTCOMES_BY_DATABASE[database_url]


@pytest.mark.parametrize("line", [pytest.param(line, id=f"line-{line}") for line in sorted(ONCE_DEFECTIVE)])
def test_once_defective_lines_are_read_as_they_mean(sample_outcomes, expected, line):
    got = sample_outcomes[line]
    assert mismatch(got, expected[line]) is None
    if line in UNTITLED_DUPLICATES:  # and no second partnership: the one its organisation's first line made
        assert got.partnership_id in {sample_outcomes[other].partnership_id for other, row in expected.items()
                                      if row["partnerships_created"] == "1"}  # fmt: skip


def test_importing_the_same_file_again_changes_nothing(session, do_import, expected):
    do_import(SAMPLE, batch_size=40)
    before, state = counts(session), _state(session)
    summary, outcomes, _ = do_import(SAMPLE, batch_size=40)
    assert counts(session) == before
    assert _state(session) == state  # no updated_at, version, status, event or reminder changed
    by_outcome = {kind: {line for line, row in expected.items() if row["outcome"] == kind} for kind in OUTCOMES}
    assert {line for line, o in outcomes.items() if o.outcome == "rejected"} == by_outcome["rejected"]
    assert {line for line, o in outcomes.items() if o.outcome == "skipped"} == by_outcome["skipped"]
    others = {line: o for line, o in outcomes.items() if line not in by_outcome["rejected"] | by_outcome["skipped"]}
    assert [o for o in others.values() if o.outcome != "unchanged"] == []
    assert summary.organisations_created == summary.partnerships_created == summary.agreements_recorded == 0
    assert summary.totals()["reminders_planned"] == 0
    assert summary.totals()["conflicts"] == 0


def _contradicting_lines(expected):
    """Lines saying another modality than an earlier line of the same partnership (the earlier one is kept)."""
    return {line for line, row in expected.items() if "the earlier one is kept" in row["reason"]}


def test_a_line_contradicting_an_earlier_one_is_unchanged_on_a_second_import(session, do_import, expected):
    contradicting = _contradicting_lines(expected)
    assert contradicting
    do_import(SAMPLE, batch_size=40)
    summary, outcomes, _ = do_import(SAMPLE, batch_size=40)
    assert summary.totals()["conflicts"] == 0
    assert {line: outcomes[line].outcome for line in contradicting} == dict.fromkeys(contradicting, "unchanged")


def test_a_dry_run_reports_the_same_and_writes_nothing(session, do_import, expected):
    before, state = counts(session), _state(session)
    summary, outcomes, _ = do_import(SAMPLE, dry_run=True, batch_size=30)
    check_outcomes(outcomes, expected)
    assert summary.run_id is None
    assert summary.organisations_created == expected_totals(expected)[0]
    assert summary.agreements_recorded == sum(bool(row["agreement"]) for row in expected.values())
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

    with SAMPLE.open("rb") as stream, clock.frozen_at(SAMPLE_NOW), pytest.raises(Crash):
        import_committing(session, stream, SAMPLE.name, importer, ImportOptions(batch_size=50), on_row)
    session.rollback()  # what the CLI's unit of work does: the unfinished batch is lost, the first two are kept
    kept = counts(session)
    assert before[0] < kept[0] < before[0] + 200
    _summary, outcomes, _ = do_import(SAMPLE, batch_size=50)
    assert all(outcomes[line].outcome == "unchanged" for line in sorted(outcomes)[:100])  # the two kept batches
    organisations, partnerships = expected_totals(expected)
    assert counts(session) == (before[0] + organisations, before[1] + partnerships)
    names = session.execute(
        select(Organisation.name_key, Organisation.country_code, func.count()).group_by(
            Organisation.name_key, Organisation.country_code
        )
    ).all()
    assert all(count == 1 for _, _, count in names)
    refs = session.execute(select(Partnership.external_ref, func.count()).group_by(Partnership.external_ref)).all()
    assert all(count == 1 for _, count in refs)
    agreements = session.execute(select(Agreement.partnership_id, func.count()).group_by(Agreement.partnership_id))
    assert all(count == 1 for _, count in agreements)
    assert sum(1 for _ in session.scalars(select(Agreement.id))) == sum(
        bool(row["agreement"]) for row in expected.values()
    )


def _to_xlsx(source: Path, target: Path) -> None:
    """The sample as a workbook: its title line, header and lines, ISO dates as real date cells."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Inventory")
    with source.open(encoding="utf-8") as stream:
        reader = csv.reader(stream)
        sheet.append(next(reader))
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
    assert summary.format == "xlsx" and summary.header_line == 2
    check_outcomes(outcomes, expected)
    organisations, partnerships = expected_totals(expected)
    assert counts(session) == (before[0] + organisations, before[1] + partnerships)
    assert summary.agreements_recorded == sum(bool(row["agreement"]) for row in expected.values())


def test_the_rejects_file_can_be_fixed_and_imported_as_it_is(session, importer, do_import, expected, tmp_path):
    rejects = tmp_path / "rejects.csv"
    with SAMPLE.open("rb") as stream:
        table, _mapping = open_inventory(SAMPLE.name, stream)
        table.close()
    writer = RejectsWriter.like(rejects, table)
    with SAMPLE.open("rb") as stream, clock.frozen_at(SAMPLE_NOW):
        summary = import_committing(session, stream, SAMPLE.name, importer, ImportOptions(), writer)
    writer.close()
    session.commit()
    headers, sample_rows, _ = _sample_rows()
    assert rejects.read_bytes()[:3] != b"\xef\xbb\xbf"  # the sample has no byte-order mark: neither has this
    with rejects.open(encoding="utf-8", newline="") as stream:
        assert next(csv.reader(stream)) == [*headers, *REJECT_COLUMNS]
    rows = list(csv.DictReader(rejects.open(encoding="utf-8", newline="")))
    # Only the rejected lines (no conflict in one file): the doubtful ones were imported and are in the report.
    assert {int(r["line"]) for r in rows} == {line for line, row in expected.items() if row["outcome"] == "rejected"}
    doubtful = {line for line, row in expected.items() if row["outcome"] == "doubtful"}
    assert doubtful <= {p.line for p in summary.problems if p.outcome == "doubtful"}
    for row in rows:
        line = int(row["line"])
        assert {h: row[h] for h in headers} == {h: v.strip() for h, v in sample_rows[line].items()}, (
            line
        )  # as written, trimmed
        assert row["reason"].startswith(f"{expected[line]['column']}: "), row["reason"]
        assert expected[line]["reason"] in row["reason"]
    # Fix every rejected line the way a person would, from the column and reason given.
    fixes = {
        "name is missing": {"Organisation Name": "Named At Last"},
        "is not a country": {"Country": "Kenya"},
        "did you mean": {"Country": "Nigeria"},
        "country is missing": {"Country": "KE"},
        "partner type is missing": {"Type": "NGO"},
        "unknown partner type": {"Type": "NGO"},
        "not a date": {"Start Date": "2026-01-15", "End Date": "2027-01-15"},
        "before the start date": {"End Date": "2030-12-31"},
        "unknown modality": {"Modality": "MoU"},
        "no active user": {"Owner Email": ""},
        "not an email address": {"Owner Email": ""},
        "must be a partner": {"Role": "lead"},
        "unknown role": {"Role": "co-partner"},
        "longer than 300": {"Organisation Name": "Shortened Name"},
    }
    fixed = io.StringIO()
    out = csv.writer(fixed)
    out.writerow([*headers, *REJECT_COLUMNS])
    for row in rows:
        fix = next(values for fragment, values in fixes.items() if fragment in row["reason"])
        if row["Organisation Name"].strip() == "" or len(row["Organisation Name"]) > 300:
            fix = {**fix, "Organisation Name": f"Fixed line {row['line']}"}
        row.update(fix)
        out.writerow([row[column] for column in [*headers, *REJECT_COLUMNS]])
    fixed_path = tmp_path / "rejects-fixed.csv"
    fixed_path.write_text(fixed.getvalue(), encoding="utf-8")
    summary, outcomes, _ = do_import(fixed_path)
    assert summary.counts["rejected"] == summary.counts["conflict"] == 0, summary.problems
    assert summary.ignored_columns == REJECT_COLUMNS
    assert summary.organisations_created == len(rows)
    assert Counter(o.outcome for o in outcomes.values()) == {"created": len(rows)}
    assert summary.exit_code == 0
