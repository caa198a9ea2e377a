"""Streaming readers: encodings and delimiters of CSV, XLSX in read-only mode, unusable files named."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from app.imports.reader import BrokenLine, UnusableFile, open_table


def _rows(content: bytes, name: str = "inventory.csv"):
    table = open_table(name, io.BytesIO(content))
    try:
        return table.headers, list(table.rows), table.encoding
    finally:
        table.close()


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("Name;Country\nCôte Solidaire;CI\n".encode(), "utf-8"),
        ("Name;Country\nCôte Solidaire;CI\n".encode("utf-8-sig"), "utf-8-sig"),
        ("Name;Country\nCôte Solidaire;CI\n".encode("latin-1"), "latin-1"),
        ("Name,Country\nCôte Solidaire,CI\n".encode("latin-1"), "latin-1"),
    ],
)
def test_csv_encodings_and_delimiters(content, encoding):
    headers, rows, found = _rows(content)
    assert headers == ["Name", "Country"]
    assert rows == [(2, ["Côte Solidaire", "CI"])]
    assert found == encoding


def test_blank_lines_are_skipped_and_line_numbers_kept():
    _headers, rows, _ = _rows(b"Name,Country\nA,KE\n\n,\nB,UG\n")
    assert rows == [(2, ["A", "KE"]), (5, ["B", "UG"])]


def test_a_line_the_csv_parser_cannot_split_is_reported():
    _, rows, _ = _rows(b"Name,Country\nA,KE\n" + b'"' + b"x" * (1024 * 1024 + 10) + b'",UG\nB,UG\n')
    assert rows[0] == (2, ["A", "KE"])
    assert isinstance(rows[1][1], BrokenLine) and "field larger" in rows[1][1].reason


def test_xlsx_keeps_date_cells_and_line_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Country", "Start date"])
    sheet.append(["A", "KE", datetime(2026, 12, 31)])
    sheet.append([])
    sheet.append(["B", "UG", 46387])
    path = tmp_path / "inventory.xlsx"
    workbook.save(path)
    headers, rows, _ = _rows(path.read_bytes(), "anything.bin")
    assert headers == ["Name", "Country", "Start date"]
    assert rows[0] == (2, ["A", "KE", datetime(2026, 12, 31)])
    assert rows[1] == (4, ["B", "UG", 46387])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("binary.csv", b"\x00\x01\x02abc", "not a text"),
        ("old.xls", b"\xd0\xcf\x11\xe0 old excel", "unknown format"),
        ("fake.xlsx", b"Name,Country\n", "not an XLSX"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX"),
    ],
)
def test_unusable_files_are_named(name, content, message):
    with pytest.raises(UnusableFile, match=message):
        open_table(name, io.BytesIO(content))
