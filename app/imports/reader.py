"""Streaming readers for inventory files: CSV (encoding and delimiter detected) and XLSX (read-only mode).

Both yield ``(line_number, cells)`` one row at a time, so memory does not grow with the file. The header is
found first: the row among the first ten non-empty ones that names the most known fields (title rows and
notes above it are skipped and kept in ``Table.skipped``); ``line_number`` is the file's own line number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Any

from app.i18n import MESSAGES
from app.imports.headers import FIELDS, header_score, two_row_header
from app.uploads import UnsafeFile, check_xlsx, xlsx_limits

MAX_CELL_CHARS = 20_000
SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 30
DELIMITERS = (",", ";", "\t", "|")
HEADER_WINDOW = 10
"""The header must be among this many first non-empty rows."""
MIN_HEADER_SCORE = 2


@dataclass(frozen=True)
class BrokenLine:
    """A line the CSV parser could not split into cells; the service reports it as rejected."""

    reason: str


class UnusableFile(ValueError):
    """The file cannot be read as an inventory at all (unknown format, no header); the message says why."""


Row = tuple[int, list[Any] | BrokenLine]


class _Detach:
    """Lets go of the text layer without closing the caller's stream (the caller opened it and closes it)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text

    def close(self) -> None:
        if not self.text.closed:
            self.text.detach()


class _BlankCounter:
    """Counts the blank lines of the file, above the header and below it."""

    def __init__(self) -> None:
        self.lines: list[int] = []
        self.later = 0
        self.header_line: int | None = None

    def saw(self, line: int) -> None:
        if self.header_line is None:
            self.lines.append(line)
        else:
            self.later += 1

    def found_header(self, line: int) -> None:
        self.header_line = line
        self.later += len(self.lines)  # blank lines above the header are skipped and counted too
        self.lines = []

    def after(self, _line: int) -> int:
        return self.later


@dataclass
class Table:
    """An opened inventory: its header cells, where they were found, and an iterator over its data rows."""

    format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[Row]
    delimiter: str | None = None
    bom: bool = False
    """The input started with a UTF-8 or UTF-16 byte order mark."""
    header_line: int = 1
    """The 1-based line (CSV) or row (XLSX) number of the header."""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """The non-empty rows above the header (title rows, notes): line number and text."""
    _closers: list[Any] = field(default_factory=list)
    _blanks: _BlankCounter | None = None

    @property
    def blank_rows(self) -> int:
        """How many blank lines were read so far (they are skipped, not yielded)."""
        return self._blanks.after(self.header_line) if self._blanks is not None else 0

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
    """The delimiter that splits the most of the first lines into the same number (at least 2) of fields.

    Lines are split as CSV (a quoted "a;b" is one field), so a title line without delimiters, a note or a
    quoted cell holding another delimiter does not decide; ties go to the larger field count, then the
    order of ``DELIMITERS``. A text no delimiter splits is read as comma-separated.
    """

    def agreement(delimiter: str) -> tuple[int, int]:
        widths: Counter[int] = Counter()
        records = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            for _ in range(SNIFF_LINES):
                cells = next(records)
                if len(cells) >= 2:
                    widths[len(cells)] += 1
        except (StopIteration, csv.Error):
            pass
        if not widths:
            return 0, 0
        width, lines = max(widths.items(), key=lambda item: (item[1], item[0]))
        return lines, width

    scores = {delimiter: agreement(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: scores[delimiter])  # max() keeps the first of equals
    return best if scores[best][0] else ","


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        return value[:MAX_CELL_CHARS]
    return value


def _row_text(cells: list[Any] | BrokenLine) -> str:
    if isinstance(cells, BrokenLine):
        return f"(unreadable line: {cells.reason})"
    return " ".join(str(cell).strip() for cell in cells if cell not in (None, "") and str(cell).strip())


def _find_header(
    rows: Iterator[Row], what: str, given: dict[str, str] | None
) -> tuple[int, list[str], list[tuple[int, str]], Iterator[Row]]:
    """Pick the header among the first non-empty ``rows``: ``(line, headers, skipped rows, data rows)``.

    The header is the row naming the most known fields (ties: the earliest); it must name at least two.
    Headers named in ``given`` (``--map``) count as known.
    """
    window: list[Row] = []
    for row in rows:
        window.append(row)
        if len(window) == HEADER_WINDOW:
            break
    if not window:
        raise UnusableFile(MESSAGES.gettext("the {what} is empty: it has no header line", what=what))
    scores = [0 if isinstance(cells, BrokenLine) else header_score(cells, given) for _line, cells in window]
    best = max(range(len(window)), key=lambda position: (scores[position], -position))
    if scores[best] < MIN_HEADER_SCORE:
        first = _row_text(window[0][1])
        shown = first if len(first) <= 100 else first[:99] + "…"
        required = ", ".join(spec.name for spec in FIELDS.values() if spec.required)
        raise UnusableFile(
            MESSAGES.gettext(
                "no header row found in the first {HEADER_WINDOW} non-empty rows: none names at "
                'least two known columns (the required ones are {required}); the first row reads "{shown}"',
                HEADER_WINDOW=HEADER_WINDOW,
                required=required,
                shown=shown,
            )
        )
    line, cells = window[best]
    assert not isinstance(cells, BrokenLine)
    headers = ["" if cell is None else str(_cell(cell)) for cell in cells]
    above = best
    if best and window[best - 1][0] == line - 1 and not isinstance(window[best - 1][1], BrokenLine):
        groups = [_cell(cell) for cell in window[best - 1][1]]  # type: ignore[union-attr]
        joined = two_row_header(groups, list(headers), given)
        if joined is not None:
            headers, above = joined, best - 1
    skipped = [(number, _row_text(row)) for number, row in window[:above]]
    return line, headers, skipped, chain(window[best + 1 :], rows)


def open_csv(stream: IO[bytes], *, given: dict[str, str] | None = None) -> Table:
    """Open a CSV stream: UTF-8 (with or without BOM), UTF-16 or Latin-1; comma, semicolon, tab or pipe."""
    sample = stream.read(SNIFF_BYTES)
    bom = sample.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnusableFile(MESSAGES.gettext("the file is not a text (CSV) file"))
    encoding = _detect_encoding(sample)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    sample_text = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    if len(sample) == SNIFF_BYTES:  # the last line of the sample may be cut short
        sample_text = sample_text[: sample_text.rfind("\n") + 1] or sample_text
    delimiter = _sniff_delimiter(sample_text)
    csv.field_size_limit(1024 * 1024)
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[Row]:
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
            else:
                blanks.saw(reader.line_num)

    blanks = _BlankCounter()
    header_line, headers, skipped, data = _find_header(rows(), "file", given)
    blanks.found_header(header_line)
    return Table("csv", encoding, headers, data, delimiter, bom, header_line, skipped, [_Detach(text)], blanks)


def open_xlsx(source: Path | IO[bytes], *, given: dict[str, str] | None = None) -> Table:
    """Open the first worksheet of an XLSX workbook in read-only (streaming) mode; date cells stay dates.

    The archive is checked first (``app.uploads.check_xlsx``: its unpacked size, its XML, the rows, columns and
    strings it declares), so openpyxl never opens a ZIP bomb nor trusts a lying dimension.
    """
    import openpyxl

    limits = xlsx_limits()
    try:
        if isinstance(source, Path):
            with source.open("rb") as stream:
                check_xlsx(stream, limits)
        else:
            check_xlsx(source, limits)
    except UnsafeFile as exc:
        raise UnusableFile(str(exc)) from None
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook can fail anywhere inside openpyxl (zip, XML, its own checks)
        raise UnusableFile(
            MESSAGES.gettext("the file is not a readable XLSX workbook ({name})", name=exc.__class__.__name__)
        ) from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise UnusableFile(MESSAGES.gettext("the workbook has no worksheet"))

    def rows() -> Iterator[Row]:
        # A title merged over A1:H1 comes as its value and Nones in read-only mode.
        number = 0
        raw_rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                raw = next(raw_rows)
            except StopIteration:
                return
            except Exception as exc:  # checked before, so only a file openpyxl reads differently gets here
                reason = MESSAGES.gettext(
                    "the worksheet cannot be read after row {number:,} ({name})", number=number, name=type(exc).__name__
                )
                raise UnusableFile(reason) from None
            number += 1
            if number > limits.rows or len(raw) > limits.columns:  # type: ignore[operator]
                raise UnusableFile(
                    MESSAGES.gettext(
                        "the worksheet has more than {rows:,} rows or {columns:,} columns; "
                        "split it or raise the limits (AGREEMENTS_MAX_XLSX_ROWS, AGREEMENTS_MAX_XLSX_COLUMNS)",
                        rows=limits.rows,
                        columns=limits.columns,
                    )
                )
            cells = [_cell("" if cell is None else cell) for cell in raw]
            if any(cell not in ("", None) for cell in cells):
                yield number, cells
            else:
                blanks.saw(number)

    blanks = _BlankCounter()
    try:
        header_line, headers, skipped, data = _find_header(rows(), "worksheet", given)
    except UnusableFile:
        workbook.close()
        raise
    blanks.found_header(header_line)
    return Table("xlsx", None, headers, data, None, False, header_line, skipped, [workbook], blanks)


def open_table(name: str, stream: IO[bytes], *, given: dict[str, str] | None = None) -> Table:
    """Open an inventory by its content (XLSX is a ZIP archive) or, failing that, its extension.

    ``given`` is the user's column mapping (``--map``): its headers help find the header row.
    """
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(b"PK\x03\x04"):
        return open_xlsx(stream, given=given)
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        raise UnusableFile(MESSAGES.gettext("the file is named .xlsx but is not an XLSX workbook"))
    if suffix in {".xls", ".ods", ".numbers", ".pdf", ".docx", ".doc"}:
        raise UnusableFile(
            MESSAGES.gettext("unknown format {suffix}: save the inventory as CSV or XLSX", suffix=suffix)
        )
    return open_csv(stream, given=given)
