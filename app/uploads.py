"""What an uploaded file may be: how large, and, for Word documents and workbooks, what is inside.

DOCX and XLSX files are ZIP archives of XML parts. python-docx reads every part into memory and openpyxl trusts what
a workbook declares, so a small upload can unpack to gigabytes (a ZIP bomb), declare a million rows or a billion
shared strings, or carry XML entities that expand without end. ``check_docx`` and ``check_xlsx`` judge the archive
before either library opens it: its table of contents first (the number of parts, their unpacked sizes, how hard
they are compressed), then every XML part streamed once through expat, which refuses a DTD or an entity
declaration outright, says where a part is not well-formed, and for a workbook counts what openpyxl would hold.
Every refusal is an ``UnsafeFile`` whose message says why in words a person reads; the caps are settings. The
last few files that passed are remembered by their SHA-256, so an import opening its file three times checks it once.
"""

from __future__ import annotations

import hashlib
import io
import pyexpat
import re
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from app.config import Settings, get_settings

MB = 1024 * 1024
RATIO_FLOOR = MB
"""Parts smaller than this may compress as well as they like: the total size cap already bounds them."""
CHUNK = 256 * 1024
TABLE_BYTES_PER_MEMBER = 1024
"""What one entry of the archive's table of contents may take (name, extra fields, comment) before it is suspect."""
OFFICE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
XML_SUFFIXES = (".xml", ".rels", ".vml")
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


class UnsafeFile(ValueError):
    """The upload is refused before any library opens it; the message says why, in words a person reads."""


@dataclass(frozen=True)
class ArchiveLimits:
    """The caps one kind of archive is held to (the worksheet caps apply to workbooks only)."""

    unzipped_bytes: int
    members: int
    ratio: int
    whole_part_bytes: int | None = None
    rows: int | None = None
    columns: int | None = None
    shared_strings: int | None = None


def document_upload_bytes(settings: Settings | None = None) -> int:
    """The largest Word or PDF file accepted as an agreement version or a signed copy, in bytes."""
    return (settings or get_settings()).max_document_mb * MB


def import_upload_bytes(settings: Settings | None = None) -> int:
    """The largest inventory file the import endpoint accepts, in bytes."""
    return (settings or get_settings()).max_import_mb * MB


SANCTIONS_LIST_MB = 64
"""The real Consolidated List is about 2-5 MB; a file many times that is not the list."""


def sanctions_list_upload_bytes(_settings: Settings | None = None) -> int:
    """The largest sanctions-list file the screening endpoints accept, in bytes."""
    return SANCTIONS_LIST_MB * MB


def docx_limits(settings: Settings | None = None) -> ArchiveLimits:
    """The caps of an uploaded Word document, from the settings."""
    settings = settings or get_settings()
    return ArchiveLimits(settings.max_unzipped_docx_mb * MB, settings.max_zip_members, settings.max_zip_ratio)


def xlsx_limits(settings: Settings | None = None) -> ArchiveLimits:
    """The caps of an uploaded workbook, from the settings."""
    settings = settings or get_settings()
    return ArchiveLimits(
        settings.max_unzipped_xlsx_mb * MB,
        settings.max_zip_members,
        settings.max_zip_ratio,
        whole_part_bytes=settings.max_xlsx_part_mb * MB,
        rows=settings.max_xlsx_rows,
        columns=settings.max_xlsx_columns,
        shared_strings=settings.max_xlsx_shared_strings,
    )


def check_docx(source: bytes | IO[bytes], limits: ArchiveLimits | None = None) -> None:
    """Refuse a Word document that unpacks too large or too compressed, has too many parts, or whose XML declares a
    DTD or entities or is not well-formed. A file that is not a ZIP archive at all is left to the reader to refuse."""
    _check(source, limits or docx_limits(), workbook=False)


def check_xlsx(source: bytes | IO[bytes], limits: ArchiveLimits | None = None) -> None:
    """As ``check_docx``, and refuse a workbook whose worksheets declare or hold more rows or columns, or whose
    string table more strings, than the caps. A stream is left at its start."""
    _check(source, limits or xlsx_limits(), workbook=True)


def _check(source: bytes | IO[bytes], limits: ArchiveLimits, *, workbook: bool) -> None:
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        stream.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(MB):
            digest.update(chunk)
            size += len(chunk)
        key = (digest.hexdigest(), limits, workbook)
        if _already_passed(key):
            return  # the same bytes passed the same check: an import opens its file two or three times
        stream.seek(0)
        _check_archive(stream, size, limits, workbook)
        _remember_passed(key)
    finally:
        stream.seek(0)


_passed: OrderedDict[tuple[str, ArchiveLimits, bool], None] = OrderedDict()
_passed_lock = threading.Lock()
PASSED_REMEMBERED = 32


def _already_passed(key: tuple[str, ArchiveLimits, bool]) -> bool:
    with _passed_lock:
        if key in _passed:
            _passed.move_to_end(key)
            return True
    return False


def _remember_passed(key: tuple[str, ArchiveLimits, bool]) -> None:
    with _passed_lock:
        _passed[key] = None
        while len(_passed) > PASSED_REMEMBERED:
            _passed.popitem(last=False)


def _check_archive(stream: IO[bytes], size: int, limits: ArchiveLimits, workbook: bool) -> None:
    _check_table_of_contents(stream, limits)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return  # not an archive zipfile can open, so neither python-docx nor openpyxl will: they say so
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_sizes(infos, size, limits)
        types = _content_types(archive, limits)
        for info in infos:
            if info.filename == CONTENT_TYPES:
                continue  # read just above
            content_type = types.get(info.filename.lower(), "")
            if _is_xml(info.filename, content_type):
                _check_part(archive, info, content_type, limits, workbook)


def _check_table_of_contents(stream: IO[bytes], limits: ArchiveLimits) -> None:
    """Refuse an archive whose table of contents lists too many entries, before zipfile builds one object for each."""
    try:
        # zipfile's reader of the end record (which says how many entries follow, and in how many bytes); it
        # parses nothing else, and is what ZipFile itself calls first.
        end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
    except (OSError, ValueError, EOFError):
        return
    if not end:
        return
    entries, table_bytes = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > limits.members or table_bytes > limits.members * TABLE_BYTES_PER_MEMBER:
        shown = max(entries, table_bytes // TABLE_BYTES_PER_MEMBER)
        raise UnsafeFile(f"the file holds {shown:,} or more parts; at most {limits.members:,} are accepted")


def _check_sizes(infos: list[zipfile.ZipInfo], size: int, limits: ArchiveLimits) -> None:
    if len(infos) > limits.members:
        raise UnsafeFile(f"the file holds {len(infos):,} parts; at most {limits.members:,} are accepted")
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeFile("the file is encrypted; save a copy that opens without a password and upload that")
        if info.compress_type not in OFFICE_METHODS:
            raise UnsafeFile(f"the part {info.filename} is compressed in a way Word and Excel never use")
    total = sum(info.file_size for info in infos)
    if total > limits.unzipped_bytes:
        raise UnsafeFile(
            f"the file expands to more than {_megabytes(limits.unzipped_bytes)} when unpacked "
            f"({_megabytes(total)} declared)"
        )
    for info in infos:
        if info.file_size >= RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise UnsafeFile(
                f"the part {info.filename} is compressed {ratio:,} to 1 ({_megabytes(info.file_size)} unpacked); "
                f"at most {limits.ratio:,} to 1 is accepted"
            )
    if total >= RATIO_FLOOR and total > limits.ratio * max(size, 1):
        raise UnsafeFile(
            f"the file is compressed {total // max(size, 1):,} to 1 ({_megabytes(total)} unpacked); "
            f"at most {limits.ratio:,} to 1 is accepted"
        )


def _megabytes(count: int) -> str:
    return f"{count / MB:,.0f} MB" if count >= 10 * MB else f"{count / MB:,.1f} MB"


def _is_xml(name: str, content_type: str) -> bool:
    """Whether a library parses this part as XML: by its name, or by the content type the package gives it."""
    if name.lower().endswith(XML_SUFFIXES):
        return True
    return content_type.endswith("xml") and not content_type.startswith("image/")


def _content_types(archive: zipfile.ZipFile, limits: ArchiveLimits) -> dict[str, str]:
    """Each member's content type (lower-case name → type) as ``[Content_Types].xml`` declares it."""
    try:
        info = archive.getinfo(CONTENT_TYPES)
    except KeyError:
        return {}
    _check_whole_part(info, limits)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "Default" and "Extension" in attributes:
            defaults[attributes["Extension"].lower()] = attributes.get("ContentType", "")
        elif local == "Override" and "PartName" in attributes:
            overrides[attributes["PartName"].lstrip("/").lower()] = attributes.get("ContentType", "")

    _stream_xml(archive, info, start)
    types = {}
    for name in archive.namelist():
        key = name.lower()
        types[key] = overrides.get(key) or defaults.get(key.rpartition(".")[2], "")
    return types


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, content_type: str, limits: ArchiveLimits, workbook: bool
) -> None:
    name = info.filename
    is_sheet = content_type == WORKSHEET_TYPE or re.fullmatch(r"xl/worksheets/[^/]+\.xml", name) is not None
    if not workbook:
        _stream_xml(archive, info, None)
        return
    if not is_sheet:
        _check_whole_part(info, limits)
    if is_sheet:
        _stream_xml(archive, info, _SheetWatch(name, limits))
    elif content_type == SHARED_STRINGS_TYPE or name == "xl/sharedStrings.xml":
        _stream_xml(archive, info, _StringsWatch(limits))
    else:
        _stream_xml(archive, info, None)


def _check_whole_part(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    if limits.whole_part_bytes is not None and info.file_size > limits.whole_part_bytes:
        raise UnsafeFile(
            f"the part {info.filename} expands to {_megabytes(info.file_size)}; a part read whole may be at most "
            f"{_megabytes(limits.whole_part_bytes)}"
        )


StartHandler = Callable[[str, dict[str, str]], None]


def _stream_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, start: StartHandler | None) -> None:
    """Parse one part as it unpacks: a DTD or an entity is refused, and so is XML that is not well-formed."""
    parser = pyexpat.ParserCreate()  # without namespace processing: twice as fast, and names are all it needs
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> None:
        raise UnsafeFile(
            f"the part {info.filename} declares a DTD or XML entities (a way to make a small file expand without "
            "end); Word and Excel never write one"
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    if start is not None:
        parser.StartElementHandler = start
    try:
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        reason = pyexpat.ErrorString(exc.code) if exc.code is not None else "syntax error"
        raise UnsafeFile(
            f"the part {info.filename} is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}: {reason})"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise UnsafeFile(f"the part {info.filename} is damaged ({type(exc).__name__})") from None


def _column_number(reference: str) -> int:
    """``"XFD1048576"`` → 16384: the column of a cell reference from its letters (0 when it has none)."""
    column = 0
    for letter in reference.lstrip("$")[:5].upper():
        if not "A" <= letter <= "Z":
            break
        column = column * 26 + ord(letter) - 64
    return column


def _row_number(reference: str) -> int:
    """``"XFD1048576"`` → 1048576: the row of a cell reference (0 when it has none)."""
    digits = reference.lstrip("$").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz").lstrip("$")
    return int(digits) if digits.isdigit() else 0


class _SheetWatch:
    """Follows a worksheet as openpyxl reads it: its declared dimension, each row's number, each cell's column."""

    def __init__(self, name: str, limits: ArchiveLimits) -> None:
        self.name = name
        self.rows = limits.rows or 1_048_576
        self.columns = limits.columns or 16_384
        self.row = 0
        self.column = 0

    def __call__(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "c" or tag.endswith(":c"):  # most elements are cells: the cheapest test first
            reference = attributes.get("r")
            if reference is None:
                self.column += 1
            elif reference[1:2].isdigit() and "A" <= reference[0] <= "Z":
                self.column = ord(reference[0]) - 64  # columns A to Z, most cells: no need to work it out
            else:
                self.column = _column_number(reference)
            if self.column > self.columns:
                raise UnsafeFile(
                    f"the worksheet {self.name} has a cell in column {self.column:,}; at most {self.columns:,} "
                    "columns are read"
                )
        elif tag == "row" or tag.endswith(":row"):
            number = attributes.get("r")
            if number is not None and not number.strip().isdigit():
                raise UnsafeFile(f"the worksheet {self.name} numbers a row {number[:20]!r}, which is not a number")
            self.row = int(number) if number is not None else self.row + 1
            self.column = 0
            if self.row > self.rows:
                raise UnsafeFile(
                    f"the worksheet {self.name} has a row numbered {self.row:,}; at most {self.rows:,} rows are read"
                )
        elif tag == "dimension" or tag.endswith(":dimension"):
            last = attributes.get("ref", "").rpartition(":")[2]
            rows, columns = _row_number(last), _column_number(last)
            if rows > self.rows:
                raise UnsafeFile(
                    f"the workbook declares {rows:,} rows (in {self.name}); at most {self.rows:,} are read"
                )
            if columns > self.columns:
                raise UnsafeFile(
                    f"the workbook declares {columns:,} columns (in {self.name}); at most {self.columns:,} are read"
                )


class _StringsWatch:
    """Counts the shared string table's entries (openpyxl keeps them all), refusing a table that declares too many."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.most = limits.shared_strings or 100_000_000
        self.count = 0

    def __call__(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag[tag.rfind(":") + 1 :]
        if local == "si":
            self.count += 1
            if self.count > self.most:
                raise UnsafeFile(
                    f"the workbook holds more than {self.most:,} shared strings; at most that many are read"
                )
        elif local == "sst":
            declared = attributes.get("uniqueCount", "").strip()
            if declared.isdigit() and int(declared) > self.most:
                raise UnsafeFile(
                    f"the workbook declares {int(declared):,} shared strings; at most {self.most:,} are read"
                )
