"""Hostile uploads built on the fly: ZIP bombs, billion-laughs XML, lying workbooks, broken XML, endless bodies.

Shared by tests/security/test_upload_bounds.py and bench/bench_upload_bounds.py (which measures them against a
running server); nothing here imports the application, so the benchmark can aim them at an older checkout.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

MB = 1024 * 1024
SHEET_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
INVENTORY_HEADER = ["Organisation name", "Partner type", "Country", "Partnership title"]
INVENTORY_ROWS = [
    ["Kituo Cha Sheria", "NGO", "Kenya", "Legal aid"],
    ["Refugee Consortium of Kenya", "NGO", "Kenya", "Protection"],
]
BILLION_LAUGHS_DTD = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, (b"&lol%s;" % (b"" if level == 1 else str(level - 1).encode())) * 10)
        for level in range(1, 10)
    )
    + b"]>"
)
"""Nine levels of ten references each: ``&lol9;`` stands for a billion copies of "lol" (3 GB)."""


def docx(text: str = "This memorandum of understanding is made between the parties.") -> bytes:
    """A small, genuine Word document."""
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def inventory_xlsx(rows: list[list[str]] | None = None) -> bytes:
    """A small, genuine inventory workbook (its strings in ``xl/sharedStrings.xml``)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(INVENTORY_HEADER)
    for row in INVENTORY_ROWS if rows is None else rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_shared_strings(buffer.getvalue())


def _with_shared_strings(archive: bytes) -> bytes:
    """openpyxl writes its strings inline; Excel keeps them in a shared table, which is what the attacks aim at."""
    parts = members(archive)
    strings: list[bytes] = []

    def shared(match: re.Match[bytes]) -> bytes:
        strings.append(match.group(2))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (match.group(1), len(strings) - 1)

    sheet = re.sub(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', shared,
                   parts["xl/worksheets/sheet1.xml"])  # fmt: skip
    table = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d" uniqueCount="%d">'
        % (SHEET_NS, len(strings), len(strings))
        + b"".join(b"<si><t>%s</t></si>" % text for text in strings)
        + b"</sst>"
    )
    types = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    relationships = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml" Id="rIdStrings"/></Relationships>',
    )
    changes = {"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": table, "[Content_Types].xml": types,
               "xl/_rels/workbook.xml.rels": relationships}  # fmt: skip
    return rezip(archive, changes)


def members(archive: bytes) -> dict[str, bytes]:
    """Every member of a ZIP archive, by name."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def rezip(archive: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The archive with members replaced or added (``None`` removes one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        parts = members(archive)
        for name, content in {**parts, **changes}.items():
            if content is not None:
                out.writestr(name, content)
    return buffer.getvalue()


def padded(archive: bytes, name: str, size: int) -> bytes:
    """The archive with ``size`` bytes of padding in member ``name``: spaces before the last closing tag of an XML
    part the reader really parses (so the document stays valid), zeros in a new member otherwise.

    Deflated as it is written, in 1 MB chunks: a 300 MB part costs about 300 KB of memory and disk, and a second.
    """
    parts = members(archive)
    original = parts.get(name)
    head, tail = (original[: original.rindex(b"</")], original[original.rindex(b"</") :]) if original else (b"", b"")
    filler = (b" " if original else b"\0") * MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for member, content in parts.items():
            if member != name:
                out.writestr(member, content)
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as stream:
            stream.write(head)
            left = size - len(head) - len(tail)
            while left > 0:
                stream.write(filler[: min(left, MB)])
                left -= MB
            stream.write(tail)
    return buffer.getvalue()


def docx_bomb(size: int = 300 * MB) -> bytes:
    """A genuine Word document whose body is padded to ``size`` bytes with spaces (about 1,000 to 1 compressed),
    which python-docx reads into memory and parses whole."""
    return padded(docx(), "word/document.xml", size)


def with_billion_laughs(archive: bytes, part: str) -> bytes:
    """The archive with ``part`` declaring the billion-laughs entities and using them in its first text."""
    xml = members(archive)[part]
    declaration = re.match(rb"<\?xml[^>]*\?>\s*", xml)
    start = declaration.end() if declaration else 0
    bombed = xml[:start] + BILLION_LAUGHS_DTD + xml[start:]
    bombed = re.sub(rb"<(w:t|t)(\s[^>]*)?>", lambda m: m.group(0) + b"&lol9;", bombed, count=1)
    return rezip(archive, {part: bombed})


def xlsx_declaring(
    dimension: str | None = None,
    shared_strings: int | None = None,
    row_number: int | None = None,
    *,
    keep_dimension: bool = False,
) -> bytes:
    """An inventory whose sheet declares ``dimension``, whose string table declares ``shared_strings`` entries, or
    whose last row is numbered ``row_number`` (the rows in between absent, as a sparse sheet writes them; the
    dimension follows unless ``keep_dimension``)."""
    archive = inventory_xlsx()
    parts = members(archive)
    changes: dict[str, bytes | None] = {}
    sheet = parts["xl/worksheets/sheet1.xml"]
    if dimension is not None:
        sheet = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="%s"' % dimension.encode(), sheet)
    if row_number is not None:
        last = len(INVENTORY_ROWS) + 1
        if not keep_dimension:
            sheet = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:D%d"' % row_number, sheet)
        sheet = sheet.replace(b'<row r="%d"' % last, b'<row r="%d"' % row_number)
        sheet = re.sub(rb'r="([A-Z]+)%d"' % last, lambda m: b'r="%s%d"' % (m.group(1), row_number), sheet)
    changes["xl/worksheets/sheet1.xml"] = sheet
    if shared_strings is not None:
        table = parts["xl/sharedStrings.xml"]
        table = re.sub(rb'(count|uniqueCount)="\d+"', lambda m: b'%s="%d"' % (m.group(1), shared_strings), table)
        changes["xl/sharedStrings.xml"] = table
    return rezip(archive, changes)


def xlsx_with_many_strings(count: int) -> bytes:
    """An inventory whose string table holds ``count`` entries (declaring just the few it uses)."""
    archive = inventory_xlsx()
    table = members(archive)["xl/sharedStrings.xml"]
    filler = b"<si><t>x</t></si>" * count
    return rezip(archive, {"xl/sharedStrings.xml": table.replace(b"</sst>", filler + b"</sst>")})


def xlsx_with_broken_xml(part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """An inventory whose ``part`` is not well-formed XML (a closing tag that does not match)."""
    archive = inventory_xlsx()
    xml = members(archive)[part]
    closing = xml.rindex(b"</")
    return rezip(archive, {part: xml[:closing] + b"</mismatched>"})


def counted_body(total: int, chunk: int = 64 * 1024) -> tuple[Iterator[bytes], list[int]]:
    """A body of ``total`` bytes produced on demand, and a one-item list holding how many bytes were pulled so far."""
    pulled = [0]

    def produce() -> Iterator[bytes]:
        block = b"a" * chunk
        left = total
        while left > 0:
            piece = block[: min(chunk, left)]
            pulled[0] += len(piece)
            left -= len(piece)
            yield piece

    return produce(), pulled
