"""Reading the Consolidated List: its real structure, and every malformed or hostile file refused."""

from __future__ import annotations

import io

import pytest

from app.screening.unlist import ListFormatError, country_code, read_list
from tests.builders import SCREENING_LIST
from tests.screening.support import FIXTURE_TEXT, variant


def test_the_fixture_reads_as_the_real_list_is_structured() -> None:
    with SCREENING_LIST.open("rb") as stream:
        parsed = read_list(stream)
    assert parsed.date_generated is not None and parsed.date_generated.isoformat().startswith("2026-11-30T10:05:03")
    kinds = {entry.kind for entry in parsed.entries}
    assert kinds == {"individual", "entity"} and len(parsed.entries) == 13
    crescent = next(entry for entry in parsed.entries if entry.data_id == "6900001")
    assert crescent.primary_name == "NORTHERN CRESCENT RELIEF FOUNDATION"
    assert crescent.reference_number == "QDe.901" and crescent.un_list_type == "Al-Qaida"
    assert str(crescent.listed_on) == "2004-01-26" and crescent.countries == ["SO"]
    qualities = {item["name"]: item["quality"] for item in crescent.names}
    assert qualities["Northern Crescent Foundation"] == "Good" and qualities["NCRF"] == "Low"
    assert qualities["Crescent Relief Committee"] == "f.k.a."
    assert qualities["مؤسسة الهلال الشمالي للإغاثة"] == "original script"
    assert crescent.details["last_updated"] == ["2019-03-11"]
    sokolov = next(entry for entry in parsed.entries if entry.data_id == "6908001")
    assert sokolov.primary_name == "IVAN PETROVICH SOKOLOV" and sokolov.countries == ["RU"]
    assert sokolov.details["date_of_birth"] == ["1961-05-02"]
    korea = next(entry for entry in parsed.entries if entry.data_id == "6900005")
    assert korea.version_num == 3 and korea.countries == ["KP"]


def test_a_content_change_changes_the_hash_and_nothing_else_does() -> None:
    first = {entry.data_id: entry.content_hash for entry in read_list(io.BytesIO(FIXTURE_TEXT.encode())).entries}
    again = {entry.data_id: entry.content_hash for entry in read_list(io.BytesIO(FIXTURE_TEXT.encode())).entries}
    changed = read_list(io.BytesIO(variant(("Rashid Trust", "Rashid Welfare Trust")))).entries
    assert first == again
    assert [entry.data_id for entry in changed if entry.content_hash != first[entry.data_id]] == ["6900002"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", "not well-formed"),
        (b"<OTHER_LIST/>", "not <CONSOLIDATED_LIST>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<CONSOLIDATED_LIST>&lol2;</CONSOLIDATED_LIST>",
            "DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<CONSOLIDATED_LIST>&xxe;</CONSOLIDATED_LIST>",
            "DTD",
        ),
        (
            b"<CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME>X</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>",
            "without DATAID",
        ),
        (b"<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID></ENTITY></ENTITIES></CONSOLIDATED_LIST>", "no name"),
        (
            b"<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID><VERSIONNUM>two</VERSIONNUM><FIRST_NAME>X"
            b"</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>",
            "VERSIONNUM",
        ),
        (
            b"<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID><FIRST_NAME>X</FIRST_NAME><LISTED_ON>soon"
            b"</LISTED_ON></ENTITY></ENTITIES></CONSOLIDATED_LIST>",
            "LISTED_ON",
        ),
        (variant(("<DATAID>6900002</DATAID>", "<DATAID>6900001</DATAID>")), "listed twice"),
        (b'<CONSOLIDATED_LIST dateGenerated="yesterday"/>', "dateGenerated"),
    ],
)
def test_a_file_that_is_not_the_list_is_refused_with_its_reason(data: bytes, words: str) -> None:
    with pytest.raises(ListFormatError) as refused:
        read_list(io.BytesIO(data))
    assert words in str(refused.value)


def test_a_file_far_larger_than_the_list_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(ListFormatError, match="larger than"):
        read_list(io.BytesIO(b"<CONSOLIDATED_LIST>" + b" " * 2048), max_bytes=1024)


def test_countries_are_read_as_the_list_writes_them() -> None:
    assert country_code("Syrian Arab Republic") == "SY"
    assert country_code("Democratic People's Republic of Korea") == "KP"
    assert country_code("Iraq") == "IQ" and country_code("Iran (Islamic Republic of)") == "IR"
    assert country_code("") is None and country_code("Atlantis") is None
