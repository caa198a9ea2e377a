"""Rows of cells into files: CSV (UTF-8 with a BOM, formulas neutralised, in chunks) and XLSX (openpyxl write-only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.errors import invalid
from app.exports.columns import Cell, Column
from app.i18n import MESSAGES

BOM = "\ufeff"
"""Makes Excel read the CSV as UTF-8 rather than the system code page."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet may run a cell starting with one of these as a formula (OWASP 'CSV injection')."""
CHUNK = 64 * 1024
XLSX_MAX_CELL = 32_767
XLSX_MAX_ROWS = 1_048_576


def neutralised(text: str) -> str:
    """``text`` made inert in a spreadsheet: a leading ``= + - @`` (or tab, CR) gets a ``'`` in front."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def timestamp(value: datetime) -> datetime:
    """A stored timestamp in UTC without its zone, as spreadsheets hold them (headers say UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0) if value.tzinfo else value.replace(microsecond=0)


def csv_text(value: Cell) -> str:
    """One cell as CSV text: ISO dates, ISO UTC timestamps (``Z``), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timestamp(value).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralised(value)
    return str(value)


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The CSV document in UTF-8 pieces of about 64 KiB, the BOM first; memory stays flat however many rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write the CSV document to ``target``; returns the number of data rows."""
    counted = _Counter(rows)
    for chunk in csv_chunks(headers, counted):
        target.write(chunk)
    return counted.count


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CELL]
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "s"  # always text, never a formula, whatever it starts with
        return cell
    return value


def write_xlsx(target: IO[bytes], title: str, columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> int:
    """Write an XLSX workbook with one sheet: bold frozen header, column widths, real date cells.

    openpyxl's write-only mode keeps rows on disk, not in memory. Returns the number of data rows; refuses
    (``ValidationFailed`` on ``format``) beyond the 1,048,575 data rows an Excel sheet holds.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        count += 1
        if count >= XLSX_MAX_ROWS:
            raise invalid(
                "format",
                MESSAGES.gettext(
                    "more than {value:,} rows do not fit in an Excel sheet; use csv", value=XLSX_MAX_ROWS - 1
                ),
            )
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(target)
    return count


class _Counter:
    """Counts the rows that go through it."""

    def __init__(self, rows: Iterable[Sequence[Cell]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Cell]]:
        for row in self.rows:
            self.count += 1
            yield row
