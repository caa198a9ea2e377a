"""Streaming readers for inventory files: CSV (encoding and delimiter detected) and XLSX (read-only mode).

Both yield ``(line_number, cells)`` one row at a time, so memory does not grow with the file. The header is
read first; ``line_number`` is the spreadsheet's own line number (the header is line 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

MAX_CELL_CHARS = 20_000
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class BrokenLine:
    """A line the CSV parser could not split into cells; the service reports it as rejected."""

    reason: str


class UnusableFile(ValueError):
    """The file cannot be read as an inventory at all (unknown format, no header); the message says why."""


@dataclass
class Table:
    """An opened inventory: its header cells and an iterator over its data rows."""

    format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[tuple[int, list[Any] | BrokenLine]]
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        """Release the underlying file."""
        for closer in self._closers:
            closer.close()


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not just a character cut in half at the end of the sample
            return "cp1252" if _looks_cp1252(sample) else "latin-1"
    return "utf-8"


def _looks_cp1252(sample: bytes) -> bool:
    """Windows' Latin-1 variant: curly quotes and dashes in 0x80-0x9f, where Latin-1 has control characters."""
    return any(0x80 <= byte <= 0x9F for byte in sample)


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        return value[:MAX_CELL_CHARS]
    return value


def open_csv(stream: IO[bytes]) -> Table:
    """Open a CSV stream: UTF-8 (with or without BOM), UTF-16 or Latin-1; comma, semicolon, tab or pipe."""
    sample = stream.read(SNIFF_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnusableFile("the file is not a text (CSV) file")
    encoding = _detect_encoding(sample)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    delimiter = _sniff_delimiter(sample.decode(encoding, errors="replace").lstrip("\ufeff"))
    csv.field_size_limit(1024 * 1024)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise UnusableFile("the file is empty: it has no header line") from None
    except csv.Error as exc:
        raise UnusableFile(f"the header line cannot be read as CSV: {exc}") from None

    def rows() -> Iterator[tuple[int, list[Any] | BrokenLine]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, BrokenLine(f"the line cannot be read as CSV: {exc}")
                continue
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [_cell(cell) for cell in cells]

    return Table("csv", encoding, [_cell(h) for h in headers], rows(), [text])


def open_xlsx(source: Path | IO[bytes]) -> Table:
    """Open the first worksheet of an XLSX workbook in read-only (streaming) mode; date cells stay dates."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnusableFile(f"the file is not a readable XLSX workbook ({exc.__class__.__name__})") from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise UnusableFile("the workbook has no worksheet")
    iterator = sheet.iter_rows(values_only=True)
    line = 0
    headers: list[Any] | None = None
    for raw in iterator:
        line += 1
        if raw and any(cell not in (None, "") for cell in raw):
            headers = ["" if cell is None else str(cell) for cell in raw]
            break
    if headers is None:
        workbook.close()
        raise UnusableFile("the worksheet is empty: it has no header line")
    header_line = line

    def rows() -> Iterator[tuple[int, list[Any] | BrokenLine]]:
        number = header_line
        for raw in iterator:
            number += 1
            cells = [_cell("" if cell is None else cell) for cell in raw]
            if any(cell not in ("", None) for cell in cells):
                yield number, cells

    return Table("xlsx", None, [_cell(h) for h in headers], rows(), [workbook])


def open_table(name: str, stream: IO[bytes]) -> Table:
    """Open an inventory by its content (XLSX is a ZIP archive) or, failing that, its extension."""
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(b"PK\x03\x04"):
        return open_xlsx(stream)
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        raise UnusableFile("the file is named .xlsx but is not an XLSX workbook")
    if suffix in {".xls", ".ods", ".numbers", ".pdf", ".docx", ".doc"}:
        raise UnusableFile(f"unknown format {suffix}: save the inventory as CSV or XLSX")
    return open_csv(stream)
