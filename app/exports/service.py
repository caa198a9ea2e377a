"""Exports of the lists (organisations, partnerships, agreements, obligations) to CSV and XLSX files.

An export is prepared in the caller's session — the filters are checked and the list's query is built, so a bad
filter is refused before anything is sent — and its rows are then read in batches with a server-side cursor
(``yield_per``), so memory stays flat however long the list. A streamed CSV reads its rows in a read-only
session of its own, because the request's transaction has ended by the time the body is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.errors import FieldProblem, NotFound, ValidationFailed, invalid
from app.exports import writers
from app.exports.columns import Cell, Table
from app.exports.schemas import MEDIA_TYPES, QUERIES, ExportFormat, ExportOptions
from app.exports.tables import TABLES
from app.i18n import MESSAGES
from app.partnerships.service import involving

log = logging.getLogger(__name__)
BATCH_SIZE = 500
"""Rows fetched from the cursor at a time; related facts are loaded once per batch."""
ENTITIES = tuple(TABLES)


@dataclass(frozen=True)
class Export:
    """A checked export request: which table, the query that picks its rows, and the file to produce."""

    table: Table
    statement: Select[Any]
    format: ExportFormat
    filename: str

    @property
    def media_type(self) -> str:
        """The Content-Type of the file."""
        return MEDIA_TYPES[self.format]


def table_for(entity: str) -> Table:
    """The exportable list called ``entity``, or ``NotFound`` naming the ones there are."""
    table = TABLES.get(entity)
    if table is None:
        raise NotFound(
            MESSAGES.gettext(
                "there is no export of {value}; choose one of: {values}",
                value=repr(entity[:60]),
                values=", ".join(ENTITIES),
            )
        )
    return table


def filter_names(entity: str) -> list[str]:
    """The query parameters an export takes: the list's filters, ``sort`` and ``format``."""
    table_for(entity)
    return list(QUERIES[entity].model_fields)


def parse_query(entity: str, values: Mapping[str, Any]) -> ExportOptions:
    """``values`` (strings from a page or the command line) checked as the export's query; each bad one named."""
    table_for(entity)
    model = QUERIES[entity]
    unknown = [name for name in values if name not in model.model_fields]
    if unknown:
        known = ", ".join(model.model_fields)
        raise ValidationFailed(
            [
                FieldProblem(name, MESSAGES.gettext("is not a known filter; known: {known}", known=known))
                for name in unknown
            ]
        )
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error.get("loc", ())) or "query"
            problems.append(FieldProblem(field, str(error.get("msg", "is invalid")).removeprefix("Value error, ")))
        raise ValidationFailed(problems) from None


def file_name(entity: str, file_format: ExportFormat) -> str:
    """``partnerships-2026-11-29.csv``: the list, today's date where the organisation is, the format."""
    return f"{entity}-{clock.today(get_settings().zone).isoformat()}.{file_format.value}"


def prepare(session: Session, entity: str, query: ExportOptions, *, involving_user_id: int | None = None) -> Export:
    """Check ``query`` against the list's rules (unknown stage, area, sort… refused) and build the export's query.

    ``involving_user_id`` narrows partnerships to those the user owns, co-owns or advises on (the pipeline's "mine").
    """
    table = table_for(entity)
    if not isinstance(query, QUERIES[entity]):
        raise invalid("query", MESSAGES.gettext("the filters given are not those of the {entity} list", entity=entity))
    statement = table.select(session, query, query.sort)
    if involving_user_id is not None:
        if entity != "partnerships":
            raise invalid("mine", MESSAGES.gettext("only partnerships can be narrowed to mine"))
        statement = statement.where(involving(involving_user_id))
    return Export(table, statement, query.format, file_name(entity, query.format))


def rows(session: Session, export: Export) -> Iterator[tuple[Cell, ...]]:
    """The export's rows as cells, read from a server-side cursor ``BATCH_SIZE`` at a time."""
    # Plain rows of the model's columns (same filters, same order), not ORM objects: nothing accumulates in the
    # session, and related facts come in one query per batch.
    statement = export.statement.with_only_columns(*export.table.model.__table__.columns)
    for batch in session.execute(statement.execution_options(yield_per=BATCH_SIZE)).partitions():
        yield from export.table.cells(session, batch)


def write(session: Session, export: Export, target: IO[bytes]) -> int:
    """Write the whole file to ``target`` (CSV or XLSX); returns the number of rows written."""
    cells = rows(session, export)
    if export.format is ExportFormat.XLSX:
        return writers.write_xlsx(target, export.table.entity, export.table.columns, cells)
    return writers.write_csv(target, export.table.headers, cells)


def stream_csv(session: Session, export: Export) -> Iterator[bytes]:
    """The CSV file in pieces, read in the transaction the caller gives (for a streamed response)."""
    try:
        yield from writers.csv_chunks(export.table.headers, rows(session, export))
    except Exception:
        # The status line has gone already: all that is left is to stop the body and say why in the log.
        log.exception("export of %s stopped part-way", export.table.entity)
        raise
