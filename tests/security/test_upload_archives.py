"""The archive check itself (``app.uploads``) and the import command: what an Office file may hold, said plainly.

The HTTP side is in test_upload_bounds.py; here each limit is hit directly, genuine files are shown to pass, and
``agreements import`` prints the reason and exits 2 instead of a traceback.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.config import get_settings
from app.drafting.outputs import to_docx
from app.imports import reader
from app.imports.reader import UnusableFile, open_table
from app.uploads import ArchiveLimits, UnsafeFile, check_docx, check_xlsx, docx_limits
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.conftest import ROOT
from tests.security import upload_attacks as attacks

MB = attacks.MB
SMALL = ArchiveLimits(unzipped_bytes=50 * MB, members=20, ratio=100)


def _refusal(check, content: bytes, limits: ArchiveLimits | None = None) -> str:
    with pytest.raises(UnsafeFile) as refused:
        check(content, limits)
    return str(refused.value)


def test_genuine_documents_and_workbooks_pass():
    check_docx(attacks.docx())
    check_docx(to_docx("# MOU\n\nThe parties agree.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n", reference="X"))
    check_xlsx(attacks.inventory_xlsx())
    for workbook in sorted((ROOT / "tests" / "imports" / "corpus").glob("*.xlsx")):
        with workbook.open("rb") as stream:
            check_xlsx(stream)
            assert stream.tell() == 0  # left where the reader expects it


def test_a_table_of_contents_listing_too_many_parts_is_refused_before_zipfile_reads_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(50):
            archive.writestr(f"word/part{number}.txt", b"x")
    assert "holds 50 or more parts; at most 20 are accepted" in _refusal(check_docx, buffer.getvalue(), SMALL)


def test_a_part_compressed_a_thousand_to_one_is_refused_even_under_the_total():
    bomb = attacks.padded(attacks.docx(), "word/media/image1.png", 20 * MB)
    reason = _refusal(check_docx, bomb)
    assert "the part word/media/image1.png is compressed 1," in reason and "at most 100 to 1" in reason


def test_an_xml_part_of_spaces_is_a_bomb_too():
    bomb = attacks.padded(attacks.docx(), "word/document.xml", 100 * MB)
    assert "the file expands to more than 50 MB when unpacked (10" in _refusal(check_docx, bomb)


def test_an_encrypted_part_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    content = bytearray(buffer.getvalue())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # zipfile writes no encrypted part
        content[content.index(signature) + flag_at] |= 0x1
    assert "is encrypted" in _refusal(check_docx, bytes(content))


def test_entities_are_refused_in_any_encoding_and_under_any_name():
    laughs = attacks.members(attacks.with_billion_laughs(attacks.docx(), "word/document.xml"))["word/document.xml"]
    utf16 = laughs.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")
    assert "declares a DTD" in _refusal(check_docx, attacks.rezip(attacks.docx(), {"word/document.xml": utf16}))
    # A part python-docx would parse as XML because the package says so, though its name does not end in .xml.
    types = attacks.members(attacks.docx())["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="dat" ContentType="application/xml"/></Types>'
    )
    hidden = attacks.rezip(attacks.docx(), {"[Content_Types].xml": types, "word/notes.dat": laughs})
    assert "the part word/notes.dat declares a DTD" in _refusal(check_docx, hidden)
    external = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    assert "declares a DTD" in _refusal(check_docx, attacks.rezip(attacks.docx(), {"word/document.xml": external}))


def test_a_lying_workbook_is_refused_through_the_reader_by_path(tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(attacks.xlsx_declaring(dimension="A1:D999999"))
    with pytest.raises(UnusableFile, match="the workbook declares 999,999 rows"):
        reader.open_xlsx(path)


def test_the_reader_stops_at_the_row_cap_even_if_the_check_were_skipped(monkeypatch):
    monkeypatch.setattr(reader, "check_xlsx", lambda *_args: None)
    monkeypatch.setattr(get_settings(), "max_xlsx_rows", 100)
    with pytest.raises(UnusableFile, match="more than 100 rows"):
        table = open_table("x.xlsx", io.BytesIO(attacks.xlsx_declaring(row_number=1_048_576)))
        list(table.rows)


def test_docx_limits_follow_the_settings(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_unzipped_docx_mb", 1)
    assert docx_limits().unzipped_bytes == MB
    reason = _refusal(check_docx, attacks.padded(attacks.docx(), "word/media/a.bin", 2 * MB))
    assert "the file expands to more than 1.0 MB" in reason


# --- the import command ----------------------------------------------------------------------------------------


@pytest.fixture
def importer(cli_database):
    with db.unit_of_work() as session:
        create_user(session, UserCreate(email="admin@example.org", full_name="Admin", roles=[Role.ADMIN]), actor=SET_UP)
    return cli_database


def _import(path: Path):
    return CliRunner().invoke(cli, ["import", str(path), "--dry-run"], catch_exceptions=False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: attacks.xlsx_with_broken_xml(), "the part xl/worksheets/sheet1.xml is not well-formed XML (line 1"),
        (lambda: attacks.xlsx_with_broken_xml("xl/workbook.xml"), "the part xl/workbook.xml is not well-formed XML"),
        (lambda: attacks.xlsx_declaring(dimension="A1:XFD1048576"), "the workbook declares 1,048,576 rows"),
        (
            lambda: attacks.with_billion_laughs(attacks.inventory_xlsx(), "xl/sharedStrings.xml"),
            "xl/sharedStrings.xml declares a DTD or XML entities",
        ),
    ],
    ids=["broken-sheet", "broken-workbook", "dimension", "laughs"],
)
def test_the_import_command_says_why_and_exits_2(importer, tmp_path, content, message):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(content())
    result = _import(path)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_the_import_command_still_reads_a_genuine_workbook(importer, tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(attacks.inventory_xlsx())
    result = _import(path)
    assert result.exit_code == 0, result.output
