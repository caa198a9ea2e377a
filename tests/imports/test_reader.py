"""Streaming readers: encodings and delimiters of CSV, XLSX in read-only mode, the header row found, unusable files."""

from __future__ import annotations

import codecs
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


def _table(content: bytes, name: str = "inventory.csv", **options):
    """The opened table and its data rows, read to the end."""
    table = open_table(name, io.BytesIO(content), **options)
    try:
        return table, list(table.rows)
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
    table, rows = _table(content)
    assert table.headers == ["Name", "Country"]
    assert rows == [(2, ["Côte Solidaire", "CI"])]
    assert table.encoding == encoding
    assert (table.header_line, table.skipped) == (1, [])
    assert table.delimiter == (";" if b";" in content else ",")
    assert table.bom is (encoding == "utf-8-sig")


def test_title_row_notes_and_blank_lines_above_the_header_are_skipped():
    content = (
        "Inventory of CSO partners — West Africa office, 2025\n"
        "\n"
        "Note: one row per partnership; dates day first;;\n"
        "Raison sociale;Type de partenaire;Pays;Date de fin\n"
        "Côte Solidaire;ONG;CI;31/12/2026\n"
        "\n"
        "Espoir, Rural;Association;SN;\n"
    ).encode("utf-8-sig")
    table, rows = _table(content)
    assert table.format == "csv"
    assert (table.encoding, table.bom, table.delimiter) == ("utf-8-sig", True, ";")
    assert table.header_line == 4
    assert table.skipped == [
        (1, "Inventory of CSO partners — West Africa office, 2025"),
        (3, "Note: one row per partnership dates day first"),
    ]
    assert table.headers == ["Raison sociale", "Type de partenaire", "Pays", "Date de fin"]
    assert rows == [(5, ["Côte Solidaire", "ONG", "CI", "31/12/2026"]), (7, ["Espoir, Rural", "Association", "SN", ""])]


def test_utf16_with_bom_and_tabs():
    table, rows = _table("Name\tCountry\tType\nA\tKE\tNGO\n".encode("utf-16"))
    assert (table.encoding, table.bom, table.delimiter) == ("utf-16", True, "\t")
    assert rows == [(2, ["A", "KE", "NGO"])]


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        # A quoted cell holding the other delimiter does not fool the sniffer.
        (b'Name,Country,Notes\n"A; B",KE,"x;y;z;w"\n"C; D",UG,"p;q;r;s"\n', ","),
        (b'Name;Country;Notes\n"A, B";KE;"x,y,z,w"\nC, D;UG;p, q, r\n', ";"),
        (b"Name|Country|Type\nA|KE|NGO\nB, C|UG|NGO\n", "|"),
        # The title has a comma; the table has semicolons.
        (b"Partners, 2025\nName;Country;Type\nA;KE;NGO\n", ";"),
        (b"Name\nA\n", ","),
    ],
)
def test_the_delimiter_is_the_one_most_lines_agree_on(content, delimiter):
    from app.imports.reader import _sniff_delimiter

    assert _sniff_delimiter(content.decode()) == delimiter


def test_the_header_is_the_row_naming_the_most_fields_and_ties_go_to_the_earliest():
    content = b"Country: Kenya,\nName,Country\nName,Country\nA,KE\n"
    table, rows = _table(content)
    assert table.header_line == 2
    assert table.skipped == [(1, "Country: Kenya")]
    assert rows == [(3, ["Name", "Country"]), (4, ["A", "KE"])]


def test_the_header_must_be_within_the_first_ten_non_empty_rows():
    notes = "".join(f"Note {number}: fill in every row\n" for number in range(1, 11))
    content = f"Inventory 2025\n{notes}Name,Type,Country\nA,NGO,KE\n".encode()
    with pytest.raises(UnusableFile) as raised:
        _table(content)
    message = str(raised.value)
    assert "no header row found in the first 10 non-empty rows" in message
    assert '"Inventory 2025"' in message


def test_blank_lines_do_not_count_towards_the_ten_rows():
    content = ("Inventory 2025\n" + "\n" * 20 + "Name,Type,Country\nA,NGO,KE\n").encode()
    table, rows = _table(content)
    assert table.header_line == 22
    assert rows == [(23, ["A", "NGO", "KE"])]


def test_a_file_where_no_row_names_two_fields_has_no_header():
    with pytest.raises(UnusableFile, match='the first row reads "Partenaire Genre Lieu"'):
        _table(b"Partenaire,Genre,Lieu\nA,ONG,Dakar\n")


def test_given_headers_help_find_the_header_row():
    content = b"Liste 2025\nPartenaire,Genre,Lieu\nA,ONG,Dakar\n"
    table, rows = _table(content, given={"Lieu": "country"})
    assert (table.header_line, table.headers) == (2, ["Partenaire", "Genre", "Lieu"])
    assert rows == [(3, ["A", "ONG", "Dakar"])]


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
    table, rows = _table(path.read_bytes(), "anything.bin")
    assert table.headers == ["Name", "Country", "Start date"]
    assert (table.format, table.encoding, table.delimiter, table.bom, table.header_line) == (
        "xlsx",
        None,
        None,
        False,
        1,
    )
    assert rows[0] == (2, ["A", "KE", datetime(2026, 12, 31)])
    assert rows[1] == (4, ["B", "UG", 46387])


def test_xlsx_with_a_merged_title_row_and_a_date_column(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Inventaire des partenaires — Bureau Afrique de l'Ouest, 2025"
    sheet.merge_cells("A1:E1")
    sheet["A3"] = "Mise à jour : mars 2025"
    for column, header in enumerate(["Raison sociale", "Type", "Pays", "Date de début", "Budget (USD)"], start=1):
        sheet.cell(row=5, column=column, value=header)
    sheet.append(["Côte Solidaire", "ONG", "CI", datetime(2025, 3, 1), 12000])
    path = tmp_path / "inventaire.xlsx"
    workbook.save(path)
    table, rows = _table(path.read_bytes(), "inventaire.xlsx")
    assert table.header_line == 5
    assert table.skipped == [
        (1, "Inventaire des partenaires — Bureau Afrique de l'Ouest, 2025"),
        (3, "Mise à jour : mars 2025"),
    ]
    assert table.headers == ["Raison sociale", "Type", "Pays", "Date de début", "Budget (USD)"]
    assert rows == [(6, ["Côte Solidaire", "ONG", "CI", datetime(2025, 3, 1), 12000])]


def test_xlsx_without_a_header_row_is_unusable(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Inventory of partners"
    workbook.active["A2"] = "to be completed"
    path = tmp_path / "inventory.xlsx"
    workbook.save(path)
    with pytest.raises(UnusableFile, match=r'no header row found .*the first row reads "Inventory of partners"'):
        _table(path.read_bytes(), "inventory.xlsx")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n,,\n", "empty"),
        ("bom-only.csv", codecs.BOM_UTF8, "empty"),
        ("binary.csv", b"\x00\x01\x02abc", "not a text"),
        ("old.xls", b"\xd0\xcf\x11\xe0 old excel", "unknown format"),
        ("fake.xlsx", b"Name,Country\n", "not an XLSX"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX"),
    ],
)
def test_unusable_files_are_named(name, content, message):
    with pytest.raises(UnusableFile, match=message):
        open_table(name, io.BytesIO(content))


def test_a_two_row_header_joins_each_group_to_the_columns_under_it():
    content = (
        b"Partners of the Nairobi office\n"
        b"Organisation,,,Focal point,,,Agreement,\n"
        b"Name,Country,Type,Name,Email,Phone,Start,End\n"
        b"Lake Fishers,Uganda,CBO,Grace Akello,grace@lakefishers.ug,+256 700 123456,2024-01-01,2026-12-31\n"
    )
    table, rows = _table(content)
    assert table.header_line == 3
    assert table.skipped == [(1, "Partners of the Nairobi office")]
    assert table.headers == [
        "Organisation Name", "Organisation Country", "Organisation Type", "Focal point Name", "Focal point Email",
        "Focal point Phone", "Agreement Start", "Agreement End",
    ]  # fmt: skip
    assert rows[0][0] == 4


def test_xlsx_groups_in_merged_cells_and_a_column_merged_down(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["D1"], sheet["F1"] = "Réf.", "Partenaire", "Point focal", "Convention"
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:E1")
    sheet.merge_cells("F1:G1")
    for column, header in enumerate(["", "Nom", "Pays", "Nom", "Courriel", "Début", "Fin"], start=1):
        sheet.cell(row=2, column=column, value=header or None)
    sheet.append(["P-1", "Côte Solidaire", "CI", "Awa Koné", "awa@cote.ci", datetime(2024, 1, 1), datetime(2026, 1, 1)])
    path = tmp_path / "partenaires.xlsx"
    workbook.save(path)
    table, rows = _table(path.read_bytes(), "partenaires.xlsx")
    assert (table.header_line, table.skipped) == (2, [])
    assert table.headers == [
        "Réf.", "Partenaire Nom", "Partenaire Pays", "Point focal Nom", "Point focal Courriel", "Convention Début",
        "Convention Fin",
    ]  # fmt: skip
    assert rows[0][1][:2] == ["P-1", "Côte Solidaire"]


def test_a_note_above_the_header_is_not_a_group_row():
    table, _rows_read = _table(b"Note: one line per partner; dates day first\nName;Country;Type\nA;KE;NGO\n")
    assert table.headers == ["Name", "Country", "Type"]
