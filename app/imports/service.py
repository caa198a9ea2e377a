"""Import an inventory of organisations and partnerships, in batches, idempotently, through the workflow engine.

The pipeline, one step a module: read the file and find its header (``reader``), map its columns by meaning
(``headers``), learn its date order (``dates``), read each line's values (``rows`` with ``normalise``), match
existing records and find differences (``mapping``), write through the services and the engine (``writer``),
and report every line (``summary``). A rejected line writes nothing. The caller owns the transaction: it runs
``InventoryImport.batches()`` and may commit after each batch (see ``InventoryImport``); a dry run writes inside a
savepoint it rolls back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.db import savepoint
from app.errors import NotFound
from app.i18n import MESSAGES
from app.imports.dates import DATE_FIELDS, DateOrderFinding, infer_date_order
from app.imports.headers import HeaderMapping, MappingError, match_columns, missing_message
from app.imports.models import ImportRun
from app.imports.reader import BrokenLine, Table, UnusableFile, open_table
from app.imports.summary import OUTCOMES, ImportOptions, ImportSummary, RowOutcome
from app.imports.writer import BatchImporter
from app.listing import Paging, Slice, order_by, paginate
from app.users.models import User
from app.users.policy import Action, require

__all__ = [
    "OUTCOMES",
    "ImportOptions",
    "ImportSummary",
    "InventoryImport",
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


class _Preview(Exception):
    """Raised at the end of a dry run to undo what it wrote."""


class InventoryImport:
    """One import of an inventory, written batch by batch in the caller's transaction.

    The caller (a command, a job, a request) owns the transaction and runs the unit-of-work loop::

        job = InventoryImport(session, stream, file_name, actor, options)
        for lines_read in job.batches():  # each batch is written and flushed, never committed here
            if not options.dry_run:
                session.commit()  # optional: a long file committed per batch keeps memory flat
        summary = job.finish()

    After each batch the session is emptied, so memory stays flat however long the file. A dry run writes inside a
    savepoint that ``finish`` undoes: its caller must not commit between batches.
    """

    def __init__(
        self,
        session: Session,
        stream: IO[bytes],
        file_name: str,
        actor: User,
        options: ImportOptions | None = None,
        *,
        on_row: OnRow | None = None,
    ) -> None:
        """Open the file and map its columns; ``UnusableFile`` (nothing written) when it is not an inventory."""
        require(actor, Action.CREATE_PARTNERSHIP)
        self.session = session
        self.options = options = options or ImportOptions()
        self.on_row = on_row
        digest = sha256_of(stream)
        finding = _date_order(file_name, stream, options)
        self.table, mapping = open_inventory(file_name, stream, options.given_mapping, options.api)
        summary = ImportSummary(file_name, digest, self.table.format, options.dry_run, update=options.update)
        summary.header = mapping.describe()
        summary.mapping = mapping.as_saved()
        summary.ignored_columns = list(mapping.ignored)
        summary.header_line = self.table.header_line
        summary.skipped_title = [(line, text) for line, text in self.table.skipped]
        summary.date_order = finding.describe()
        self.summary = summary
        self.importer = BatchImporter(session, actor, file_name, options, summary, self.table.headers, mapping, finding)
        if not options.dry_run:
            run = ImportRun(user_id=actor.id, file_name=file_name[:255], sha256=digest, problems=[])
            session.add(run)
            session.flush()
            summary.run_id = run.id

    def batches(self) -> Iterator[int]:
        """Write the file a batch at a time; after each batch is flushed, yield the number of lines read so far."""
        if not self.options.dry_run:
            yield from self._batches()
            return
        try:
            with savepoint(self.session):  # a preview: written as for real, then undone
                yield from self._batches()
                raise _Preview
        except _Preview:
            self.session.expunge_all()

    def _batches(self) -> Iterator[int]:
        try:
            batch: list[tuple[int, list[Any] | BrokenLine]] = []
            for item in self.table.rows:
                batch.append(item)
                if len(batch) >= self.options.batch_size:
                    yield self._write(batch)
                    self.session.expunge_all()  # a batch's rows are written: let them go, so memory stays flat
                    batch = []
            if batch:
                yield self._write(batch)
                self.session.expunge_all()
        finally:
            self.summary.skipped_blank = getattr(self.table, "blank_rows", 0)
            self.table.close()

    def _write(self, batch: list[tuple[int, list[Any] | BrokenLine]]) -> int:
        self.importer.process(batch, self.on_row)
        self.session.flush()
        if self.summary.run_id is not None:
            run = self.session.get(ImportRun, self.summary.run_id)
            if run is not None:
                _record(run, self.summary, finished=False)  # what a commit now keeps, should a later batch fail
                self.session.flush()
        return self.summary.rows

    def finish(self) -> ImportSummary:
        """Record the run as finished (a dry run: undo everything it wrote) and return the summary."""
        if self.options.dry_run:
            return self.summary
        run = self.session.get(ImportRun, self.summary.run_id)
        assert run is not None
        _record(run, self.summary)
        self.session.flush()
        return self.summary


def run_import(
    session: Session,
    stream: IO[bytes],
    file_name: str,
    actor: User,
    options: ImportOptions | None = None,
    *,
    on_row: OnRow | None = None,
) -> ImportSummary:
    """Import the whole inventory in ``stream`` within the caller's transaction (flushed per batch, not committed).

    Raises ``UnusableFile`` (nothing written) when the file cannot be read as an inventory.
    """
    job = InventoryImport(session, stream, file_name, actor, options, on_row=on_row)
    for _lines_read in job.batches():
        pass
    return job.finish()


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


def list_runs(session: Session, params: Paging | None = None, *, actor: User) -> Slice:
    """One page of the import runs, newest first (for those who may import)."""
    require(actor, Action.CREATE_PARTNERSHIP)
    return paginate(session, order_by(select(ImportRun), None, {}, default=[ImportRun.id.desc()]), params or Paging())


def get_run(session: Session, run_id: int, *, actor: User) -> ImportRun:
    """The import run with this id, or ``NotFound`` (for those who may import)."""
    require(actor, Action.CREATE_PARTNERSHIP)
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(MESSAGES.gettext("import run {run_id} does not exist", run_id=run_id))
    return run
