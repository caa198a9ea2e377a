"""Import an inventory of organisations and partnerships, in batches, idempotently, through the workflow engine.

The pipeline, one step a module: read the file and find its header (``reader``), map its columns by meaning
(``headers``), learn its date order (``dates``), read each line's values (``rows`` with ``normalise``), match
existing records and find differences (``mapping``), write through the services and the engine (``writer``),
and report every line (``summary``). A rejected line writes nothing. After each batch the caller's ``commit``
runs and the session is emptied, so memory stays flat however long the file; a dry run does the same inside a
savepoint it rolls back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.errors import NotFound
from app.imports.dates import DATE_FIELDS, DateOrderFinding, infer_date_order
from app.imports.headers import HeaderMapping, MappingError, match_columns, missing_message
from app.imports.models import ImportRun
from app.imports.reader import BrokenLine, Table, UnusableFile, open_table
from app.imports.summary import OUTCOMES, ImportOptions, ImportSummary, RowOutcome
from app.imports.writer import BatchImporter
from app.users.models import User

__all__ = [
    "OUTCOMES",
    "ImportOptions",
    "ImportSummary",
    "RowOutcome",
    "get_run",
    "list_runs",
    "open_inventory",
    "run_import",
    "sha256_of",
]

OnRow = Callable[[RowOutcome, list[Any]], None]


def sha256_of(stream: IO[bytes]) -> str:
    """The SHA-256 of a seekable stream, read in chunks; the stream is rewound."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def open_inventory(
    file_name: str, stream: IO[bytes], given: dict[str, str] | None = None, api: bool = False
) -> tuple[Table, HeaderMapping]:
    """Open the file, find its header and map its columns; ``UnusableFile`` says what is missing and how to fix it."""
    table = open_table(file_name, stream, given=given)
    try:
        mapping = match_columns([str(h or "") for h in table.headers], given)
    except MappingError as exc:
        table.close()
        raise UnusableFile(str(exc)) from None
    if mapping.missing:
        table.close()
        raise UnusableFile(missing_message(mapping, [str(h or "") for h in table.headers], api))
    return table, mapping


def _date_order(file_name: str, stream: IO[bytes], options: ImportOptions) -> DateOrderFinding:
    """The file's date order: as asked, or learned from a first pass over its date columns."""
    if options.date_order != "auto":
        return DateOrderFinding(order=options.date_order, given=True)
    table, mapping = open_inventory(file_name, stream, options.given_mapping, options.api)
    columns = {index: name for index, name in mapping.by_index().items() if name in DATE_FIELDS}
    try:
        cells = (
            (line, {name: raw[index] for index, name in columns.items() if index < len(raw)})
            for line, raw in table.rows
            if not isinstance(raw, BrokenLine)
        )
        return infer_date_order(cells)
    finally:
        table.close()
        stream.seek(0)


def run_import(
    session: Session,
    stream: IO[bytes],
    file_name: str,
    actor: User,
    options: ImportOptions | None = None,
    *,
    commit: Callable[[], None] | None = None,
    on_row: OnRow | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the inventory in ``stream``; ``commit`` is called after each batch of a real run.

    Raises ``UnusableFile`` (nothing written) when the file cannot be read as an inventory.
    """
    options = options or ImportOptions()
    digest = sha256_of(stream)
    finding = _date_order(file_name, stream, options)
    table, mapping = open_inventory(file_name, stream, options.given_mapping, options.api)
    summary = ImportSummary(file_name, digest, table.format, options.dry_run, update=options.update)
    summary.header = mapping.describe()
    summary.mapping = mapping.as_saved()
    summary.ignored_columns = list(mapping.ignored)
    summary.header_line = table.header_line
    summary.skipped_title = [(line, text) for line, text in table.skipped]
    summary.date_order = finding.describe()
    importer = BatchImporter(session, actor, file_name, options, summary, table.headers, mapping, finding)
    savepoint = session.begin_nested() if options.dry_run else None
    if not options.dry_run:
        run = ImportRun(user_id=actor.id, file_name=file_name[:255], sha256=digest, problems=[])
        session.add(run)
        session.flush()
        summary.run_id = run.id
    try:
        batch: list[tuple[int, list[Any] | BrokenLine]] = []
        for item in table.rows:
            batch.append(item)
            if len(batch) >= options.batch_size:
                importer.process(batch, on_row)
                _finish_batch(session, commit, options, progress, summary)
                batch = []
        if batch:
            importer.process(batch, on_row)
            _finish_batch(session, commit, options, progress, summary)
    finally:
        summary.skipped_blank = getattr(table, "blank_rows", 0)
        table.close()
    if savepoint is not None:
        savepoint.rollback()
        session.expunge_all()
        return summary
    run = session.get(ImportRun, summary.run_id)
    assert run is not None
    _record(run, summary)
    session.flush()
    return summary


def _finish_batch(
    session: Session,
    commit: Callable[[], None] | None,
    options: ImportOptions,
    progress: Callable[[int], None] | None,
    summary: ImportSummary,
) -> None:
    session.flush()
    if commit is not None and not options.dry_run:
        if summary.run_id is not None:
            run = session.get(ImportRun, summary.run_id)
            if run is not None:
                _record(run, summary, finished=False)
                session.flush()
        commit()
    session.expunge_all()  # a batch's rows are written: let them go, so memory stays flat
    if progress is not None:
        progress(summary.rows)


def _record(run: ImportRun, summary: ImportSummary, finished: bool = True) -> None:
    run.rows = summary.rows
    for outcome in ("created", "updated", "unchanged", "rejected", "doubtful"):
        setattr(run, outcome, summary.counts[outcome])
    run.organisations_created = summary.organisations_created
    run.partnerships_created = summary.partnerships_created
    run.problems = [
        {"line": p.line, "outcome": p.outcome, "column": p.column, "reason": p.reason} for p in summary.problems
    ]
    run.report = summary.report_data()
    if finished:
        run.status = "finished"
        run.finished_at = clock.now()


def list_runs(session: Session, limit: int = 50) -> list[ImportRun]:
    """The most recent import runs, newest first."""
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def get_run(session: Session, run_id: int) -> ImportRun:
    """The import run with this id, or ``NotFound``."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"import run {run_id} does not exist")
    return run
