"""Acceptance: inventories written the way country offices write them import as a careful reader expects.

``tests/imports/corpus/`` holds one file per office habit (French, Spanish and English headers, title rows, ``;``
with a BOM, cp1252, XLSX with merged titles, serial dates, day-first/month-first/mixed dates, totals rows, natural
modality phrases, spelling variants of one organisation, bad lines) and, for each, ``NAME.expected.json``: the
outcome of its lines written from the meaning of the data, not from running the importer. Keys:

- ``totals``: a subset of ``summary.totals()``; a value is a number, or ``[low, high]`` where a line may as
  rightly be refused as read (a near-miss modality);
- ``lines``: every line whose outcome is not plain ``created`` (any line not listed must be ``created``), with
  ``outcome`` (a word, or the list of acceptable ones), ``reason_contains``, ``column``, and for the partnership it
  wrote ``stage``/``stage_not``, ``agreement`` (active, expired, none) or ``partnership: false`` (none written);
- ``countries`` (line → ISO code of its organisation), ``dates`` (line → the term read, on the agreement or the
  project), ``same_organisation``/``different_organisations``/``same_partnership`` (groups of lines),
  ``non_exact_contains`` (wordings the report must list as read through a phrase or synonym) and ``mapping``
  (header text → field).

Importing a file a second time must change nothing. Duplicate detection and rejections are also scored as
precision and recall per file; print the table with::

    pytest tests/imports/test_corpus.py -s -k precision
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.imports.service import ImportOptions, ImportSummary, RowOutcome
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.imports.conftest import import_committing

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(path for path in CORPUS.iterdir() if path.suffix in (".csv", ".xlsx"))
IMPORTED = ("created", "updated", "unchanged", "doubtful")
# Thresholds over the whole corpus; per file, merges must be exact (precision 1.0) and no bad line may slip in.
MIN_MERGE_RECALL = 0.9
MIN_REJECTION_PRECISION = 0.9


def expected_of(path: Path) -> dict[str, Any]:
    """The expectations written next to a corpus file."""
    return json.loads((path.parent / f"{path.stem}.expected.json").read_text(encoding="utf-8"))


def import_file(session: Session, user: User, path: Path) -> tuple[ImportSummary, dict[int, RowOutcome]]:
    """Import one corpus file through the service, committing per batch; every line's outcome by line."""
    outcomes: dict[int, RowOutcome] = {}

    def on_row(outcome: RowOutcome, _raw: list[Any]) -> None:
        outcomes[outcome.line] = outcome

    with path.open("rb") as stream:
        summary = import_committing(session, stream, path.name, user, ImportOptions(), on_row)
    session.commit()
    return summary, outcomes


def record_counts(session: Session) -> tuple[int, int, int]:
    """How many organisations, partnerships and agreements there are."""
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0 for model in (Organisation, Partnership, Agreement)
    )


def _acceptable(wanted: dict[str, Any]) -> list[str]:
    outcome = wanted.get("outcome", "created")
    return outcome if isinstance(outcome, list) else [outcome]


def _within(value: int, wanted: int | list[int]) -> bool:
    return wanted[0] <= value <= wanted[1] if isinstance(wanted, list) else value == wanted


def _latest_agreement(partnership: Partnership) -> Agreement | None:
    live = [a for a in partnership.agreements if a.status != "cancelled"]
    return max(live, key=lambda a: a.id) if live else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def check_partnership(session: Session, line: int, got: RowOutcome, wanted: dict[str, Any]) -> list[str]:
    """The stage, agreement and term of the partnership a line wrote, against what it should be."""
    wrong: list[str] = []
    keys = {"stage", "stage_not", "agreement", "dates"} & set(wanted)
    if wanted.get("partnership") is False and got.partnership_id is not None:
        wrong.append(f"line {line}: expected no partnership, got partnership {got.partnership_id}")
    if not keys or got.outcome not in IMPORTED:
        return wrong
    if got.partnership_id is None:
        return [*wrong, f"line {line}: expected a partnership ({', '.join(sorted(keys))}), got none"]
    partnership = session.get(Partnership, got.partnership_id)
    assert partnership is not None
    session.refresh(partnership)
    if "stage" in wanted and partnership.stage != wanted["stage"]:
        wrong.append(f"line {line}: expected stage {wanted['stage']}, got {partnership.stage}")
    if "stage_not" in wanted and partnership.stage == wanted["stage_not"]:
        wrong.append(f"line {line}: read as {partnership.stage}, the opposite of what it says")
    agreement = _latest_agreement(partnership)
    if "agreement" in wanted:
        status = agreement.status if agreement else "none"
        if status != wanted["agreement"]:
            wrong.append(f"line {line}: expected agreement {wanted['agreement']}, got {status}")
    if "dates" in wanted:
        terms = []
        if agreement is not None:
            terms.append([_iso(agreement.effective_date), _iso(agreement.end_date)])
        if partnership.project is not None:
            terms.append([_iso(partnership.project.start_date), _iso(partnership.project.end_date)])
        if wanted["dates"] not in terms:
            wrong.append(f"line {line}: expected the term {wanted['dates']}, got {terms or 'no dates'}")
    return wrong


def check_file(
    session: Session, expected: dict[str, Any], summary: ImportSummary, outcomes: dict[int, RowOutcome]
) -> list[str]:
    """Everything the expectations say about one import, as a list of differences (empty: as expected)."""
    wrong: list[str] = []
    if summary.header_line != expected["header_line"]:
        wrong.append(f"header line: expected {expected['header_line']}, got {summary.header_line}")
    totals = summary.totals()
    for name, wanted in expected["totals"].items():
        if not _within(totals[name], wanted):
            wrong.append(f"totals[{name}]: expected {wanted}, got {totals[name]}")
    lines = {int(line): wanted for line, wanted in expected["lines"].items()}
    for line in sorted(set(lines) | set(outcomes)):
        wanted = lines.get(line, {"outcome": "created"})
        got = outcomes.get(line)
        if got is None:
            wrong.append(f"line {line}: expected {wanted.get('outcome')}, got no outcome")
            continue
        said = f"{got.outcome} [{got.column}] {got.reason!r}"
        if got.outcome not in _acceptable(wanted):
            wrong.append(f"line {line}: expected {wanted.get('outcome', 'created')}, got {said}")
            continue
        if got.outcome in ("rejected", "doubtful", "conflict"):
            reason = (got.reason or "").casefold()
            missing = [part for part in wanted.get("reason_contains", []) if part.casefold() not in reason]
            if missing:
                wrong.append(f"line {line}: the reason should mention {missing}, got {said}")
        if "column" in wanted and got.outcome == "rejected" and got.column != wanted["column"]:
            wrong.append(f"line {line}: expected column {wanted['column']!r}, got {said}")
        wrong += check_partnership(session, line, got, wanted)
    organisation_of = {line: got.organisation_id for line, got in outcomes.items()}
    for line, code in expected.get("countries", {}).items():
        organisation = session.get(Organisation, organisation_of.get(int(line)) or 0)
        found = organisation.country_code if organisation else None
        if found != code:
            wrong.append(f"line {line}: expected an organisation in {code}, got {found}")
    for group in expected.get("same_organisation", []):
        ids = {line: organisation_of.get(line) for line in group}
        if None in ids.values() or len(set(ids.values())) != 1:
            wrong.append(f"lines {group} name one organisation, got organisation ids {ids}")
    for group in expected.get("different_organisations", []):
        ids = {line: organisation_of.get(line) for line in group}
        if None in ids.values() or len(set(ids.values())) != len(group):
            wrong.append(f"lines {group} name different organisations, got organisation ids {ids}")
    for group in expected.get("same_partnership", []):
        ids = {line: outcomes[line].partnership_id if line in outcomes else None for line in group}
        if None in ids.values() or len(set(ids.values())) != 1:
            wrong.append(f"lines {group} are one partnership, got partnership ids {ids}")
    listed = [text.casefold() for text in summary.non_exact_lines()]
    for wording in expected.get("non_exact_contains", []):
        if not any(wording.casefold() in text for text in listed):
            wrong.append(f"the report should list {wording!r} as read through another wording; it lists {listed}")
    for header, field in expected["mapping"].items():
        if summary.mapping.get(header) != field:
            wrong.append(f"header {header!r}: expected {field}, got {summary.mapping.get(header)}")
    return wrong


@pytest.fixture
def corpus_user(session: Session) -> User:
    """The importing project manager."""
    user = create_user(
        session,
        UserCreate(email="corpus@example.org", full_name="Corpus Importer", roles=[Role.PROJECT_MANAGER]),
        actor=SET_UP,
    )
    session.commit()
    return user


def test_the_committed_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(CORPUS))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS))
    written = make_corpus.write(tmp_path)
    assert sorted(path.name for path in written) == [path.name for path in FILES]
    for path in written:
        assert path.read_bytes() == (CORPUS / path.name).read_bytes(), path.name


def test_the_corpus_has_eight_shapes_each_with_its_expectation() -> None:
    assert len(FILES) >= 8
    for path in FILES:
        expected = expected_of(path)
        assert expected["description"] and expected["mapping"] and expected["lines"], path.name


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_file_imports_as_its_expectation_says(session: Session, corpus_user: User, path: Path) -> None:
    expected = expected_of(path)
    summary, outcomes = import_file(session, corpus_user, path)
    wrong = check_file(session, expected, summary, outcomes)
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_a_second_import_of_the_file_changes_nothing(session: Session, corpus_user: User, path: Path) -> None:
    _summary, first = import_file(session, corpus_user, path)
    before = record_counts(session)
    summary, second = import_file(session, corpus_user, path)
    assert record_counts(session) == before
    assert set(second) == set(first)
    wrong = []
    for line, got in sorted(second.items()):
        wanted = "unchanged" if first[line].outcome in IMPORTED else first[line].outcome
        if got.outcome != wanted:
            wrong.append(f"line {line}: first {first[line].outcome}, then {got.outcome} [{got.column}] {got.reason!r}")
        if wanted == "unchanged" and got.organisation_id != first[line].organisation_id:
            wrong.append(f"line {line}: organisation {first[line].organisation_id}, then {got.organisation_id}")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)
    totals = summary.totals()
    assert (totals["organisations_created"], totals["partnerships_created"], totals["agreements_recorded"]) == (
        0,
        0,
        0,
    )


@dataclass
class Score:
    """Precision and recall of one file's merges (pairs of lines) and rejections (lines)."""

    name: str
    merged_right: int
    merged: int
    to_merge: int
    rejected_right: int
    rejected: int
    to_reject: int

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        """``part / whole``, 1.0 when there is nothing to count."""
        return part / whole if whole else 1.0

    @property
    def merge_precision(self) -> float:
        return self.ratio(self.merged_right, self.merged)

    @property
    def merge_recall(self) -> float:
        return self.ratio(self.merged_right, self.to_merge)

    @property
    def rejection_precision(self) -> float:
        return self.ratio(self.rejected_right, self.rejected)

    @property
    def rejection_recall(self) -> float:
        return self.ratio(self.rejected_right, self.to_reject)

    def row(self) -> str:
        """One line of the printed table."""
        return (
            f"{self.name:<26} {self.merge_precision:>6.2f} {self.merge_recall:>6.2f} "
            f"({self.merged_right}/{self.merged} merged, {self.to_merge} to merge)   "
            f"{self.rejection_precision:>6.2f} {self.rejection_recall:>6.2f} "
            f"({self.rejected_right}/{self.rejected} rejected, {self.to_reject} to reject)"
        )


def score(name: str, expected: dict[str, Any], outcomes: dict[int, RowOutcome]) -> Score:
    """Compare the pairs of lines that landed on one organisation, and the rejected lines, with the expectations.

    Pairs: every pair of lines in one ``same_organisation`` group should be merged, and no other pair (the groups
    list every organisation named on several lines). Rejections: lines whose only acceptable outcome is
    ``rejected``; a line that may rightly be either refused or read is left out of both counts.
    """
    wanted_pairs = {pair for group in expected["same_organisation"] for pair in combinations(sorted(group), 2)}
    by_organisation: dict[int, list[int]] = {}
    for line, got in outcomes.items():
        if got.organisation_id is not None and got.outcome in IMPORTED:
            by_organisation.setdefault(got.organisation_id, []).append(line)
    merged = {pair for lines in by_organisation.values() for pair in combinations(sorted(lines), 2)}
    lines = {int(line): wanted for line, wanted in expected["lines"].items()}
    either = {
        line for line, wanted in lines.items() if "rejected" in _acceptable(wanted) and len(_acceptable(wanted)) > 1
    }
    to_reject = {line for line, wanted in lines.items() if _acceptable(wanted) == ["rejected"]}
    rejected = {line for line, got in outcomes.items() if got.outcome == "rejected"} - either
    return Score(
        name,
        len(merged & wanted_pairs),
        len(merged),
        len(wanted_pairs),
        len(rejected & to_reject),
        len(rejected),
        len(to_reject),
    )


def test_precision_and_recall_of_merges_and_rejections(engine: Engine) -> None:
    """Each file in its own rolled-back transaction; the table is printed (``-s``)."""
    scores = []
    for path in FILES:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
                    user = create_user(
                        s,
                        UserCreate(email="score@example.org", full_name="Scorer", roles=[Role.PROJECT_MANAGER]),
                        actor=SET_UP,
                    )
                    s.commit()
                    _summary, outcomes = import_file(s, user, path)
                    scores.append(score(path.name, expected_of(path), outcomes))
            finally:
                transaction.rollback()
    total = Score("all files", *(sum(getattr(s, f) for s in scores) for f in list(Score.__dataclass_fields__)[1:]))
    print()
    print(f"{'file':<26} {'merges: precision recall':<48} {'rejections: precision recall'}")
    for item in [*scores, total]:
        print(item.row())
    assert all(item.merge_precision == 1.0 for item in scores), "different organisations were merged"
    assert all(item.rejection_recall == 1.0 for item in scores), "a bad line slipped in"
    assert total.merge_recall >= MIN_MERGE_RECALL
    assert total.rejection_precision >= MIN_REJECTION_PRECISION
