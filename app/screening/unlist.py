"""Reading the UN Security Council Consolidated List in its published XML format, safely and as a stream.

The file (``consolidated.xml``, a few MB) has the root ``CONSOLIDATED_LIST`` with a ``dateGenerated`` attribute,
``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY`` records with ``DATAID``, ``VERSIONNUM``, ``FIRST_NAME`` …
``FOURTH_NAME``, ``UN_LIST_TYPE``, ``REFERENCE_NUMBER``, ``LISTED_ON``, ``NAME_ORIGINAL_SCRIPT``, ``COMMENTS1``,
aliases (``INDIVIDUAL_ALIAS`` / ``ENTITY_ALIAS`` with ``QUALITY`` and ``ALIAS_NAME``), addresses with ``COUNTRY``,
``NATIONALITY/VALUE`` and ``LAST_DAY_UPDATED/VALUE``. defusedxml refuses DTDs, entity declarations and external
references; the file's size is bounded before it is read, and each record is dropped from memory once read.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any
from xml.etree.ElementTree import Element

import pycountry
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from app.uploads import sanctions_list_upload_bytes

MAX_LIST_BYTES = sanctions_list_upload_bytes()
"""The real list is about 2-5 MB; a file many times that is not the list."""

NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
COUNTRY_WORDS = {
    "democratic people's republic of korea": "KP",
    "iran (islamic republic of)": "IR",
    "syrian arab republic": "SY",
    "russian federation": "RU",
    "united republic of tanzania": "TZ",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "libya": "LY",
    "yemen": "YE",
    "turkey": "TR",
    "türkiye": "TR",
    "viet nam": "VN",
    "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE",
    "state of palestine": "PS",
    "republic of korea": "KR",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
}


class ListFormatError(ValueError):
    """The file is not a readable Consolidated List; ``line`` says where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class ListEntry:
    """One individual or entity as the list describes it."""

    data_id: str
    version_num: int
    kind: str
    primary_name: str
    reference_number: str | None = None
    un_list_type: str | None = None
    listed_on: date | None = None
    names: list[dict[str, str]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """A SHA-256 of everything the entry says: a change of any of it changes the hash."""
        payload = {
            "version": self.version_num, "kind": self.kind, "name": self.primary_name,
            "reference": self.reference_number, "list": self.un_list_type,
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "names": self.names, "countries": self.countries, "details": self.details,
        }  # fmt: skip
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class ParsedList:
    """The list's date and its entries, in file order."""

    date_generated: datetime | None
    entries: list[ListEntry]
    sha256: str


def country_code(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country as the list writes it ("Iraq", "Syrian Arab Republic"), or None."""
    if not name or not name.strip():
        return None
    text = name.strip()
    if text.casefold() in COUNTRY_WORDS:
        return COUNTRY_WORDS[text.casefold()]
    for lookup in (pycountry.countries.get,):
        for key in ("name", "official_name", "common_name", "alpha_2", "alpha_3"):
            try:
                found = lookup(**{key: text})
            except (KeyError, LookupError):
                found = None
            if found is not None:
                return found.alpha_2
    return None


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = re.sub(r"\s+", " ", element.text).strip()
    return value or None


def _values(record: Element, tag: str) -> list[str]:
    return [value for node in record.findall(tag) for item in node.findall("VALUE") if (value := _text(item))]


def _date(value: str | None, what: str, data_id: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ListFormatError(f"entry {data_id}: {what} {value!r} is not a date (YYYY-MM-DD)") from exc


def _entry(record: Element, kind: str) -> ListEntry:
    data_id = _text(record.find("DATAID"))
    if not data_id:
        raise ListFormatError(f"an {record.tag} without DATAID")
    version_text = _text(record.find("VERSIONNUM")) or "1"
    if not version_text.isdigit():
        raise ListFormatError(f"entry {data_id}: VERSIONNUM {version_text!r} is not a number")
    primary = " ".join(part for tag in NAME_PARTS if (part := _text(record.find(tag))))
    if not primary:
        raise ListFormatError(f"entry {data_id}: no name (FIRST_NAME is empty)")
    names = [{"name": primary, "quality": "primary"}]
    original = _text(record.find("NAME_ORIGINAL_SCRIPT"))
    if original:
        names.append({"name": original, "quality": "original script"})
    for alias in record.findall(f"{record.tag}_ALIAS"):
        alias_name, quality = _text(alias.find("ALIAS_NAME")), _text(alias.find("QUALITY")) or ""
        for one in (alias_name or "").split(";"):
            if one.strip():
                names.append({"name": one.strip(), "quality": quality})
    addresses = []
    countries: list[str] = []
    for address in record.findall(f"{record.tag}_ADDRESS"):
        parts = {tag.lower(): value for tag in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY", "NOTE")
                 if (value := _text(address.find(tag)))}  # fmt: skip
        if parts:
            addresses.append(parts)
        code = country_code(parts.get("country"))
        if code and code not in countries:
            countries.append(code)
    nationalities = _values(record, "NATIONALITY")
    for nationality in nationalities:
        code = country_code(nationality)
        if code and code not in countries:
            countries.append(code)
    details: dict[str, Any] = {
        "comments": _text(record.find("COMMENTS1")),
        "name_original_script": original,
        "designation": _values(record, "DESIGNATION"),
        "title": _values(record, "TITLE"),
        "nationality": nationalities,
        "list_type": _values(record, "LIST_TYPE"),
        "last_updated": _values(record, "LAST_DAY_UPDATED"),
        "addresses": addresses,
    }
    births = [
        " ".join(value for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR") if (value := _text(node.find(tag))))
        for node in record.findall("INDIVIDUAL_DATE_OF_BIRTH")
    ]
    if any(births):
        details["date_of_birth"] = [birth for birth in births if birth]
    details = {key: value for key, value in details.items() if value}
    return ListEntry(
        data_id=data_id,
        version_num=int(version_text),
        kind=kind,
        primary_name=primary[:500],
        reference_number=_text(record.find("REFERENCE_NUMBER")),
        un_list_type=_text(record.find("UN_LIST_TYPE")),
        listed_on=_date(_text(record.find("LISTED_ON")), "LISTED_ON", data_id),
        names=names,
        countries=countries,
        details=details,
    )


def read_list(stream: IO[bytes], *, max_bytes: int = MAX_LIST_BYTES) -> ParsedList:
    """Parse a Consolidated List from a binary stream; raise :class:`ListFormatError` for anything else.

    Refused: a file over ``max_bytes``, a DTD or entity declaration (no expansion ever happens), XML that is not
    well formed, another root element, a record without DATAID or name, two records with one DATAID.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ListFormatError(f"the file is larger than {max_bytes // (1024 * 1024)} MB; it is not the list")
    if not data.strip():
        raise ListFormatError("the file is empty")
    sha256 = hashlib.sha256(data).hexdigest()
    return ParsedList(*_parse(data), sha256=sha256)


def _parse(data: bytes) -> tuple[datetime | None, list[ListEntry]]:
    import io

    entries: list[ListEntry] = []
    seen: set[str] = set()
    root: Element | None = None
    generated: datetime | None = None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if root is None:
                    root = element
                    if element.tag != "CONSOLIDATED_LIST":
                        raise ListFormatError(f"the root element is <{element.tag}>, not <CONSOLIDATED_LIST>")
                    generated = _generated(element.get("dateGenerated"))
                continue
            if element.tag in ("INDIVIDUAL", "ENTITY"):
                entry = _entry(element, "individual" if element.tag == "INDIVIDUAL" else "entity")
                if entry.data_id in seen:
                    raise ListFormatError(f"entry {entry.data_id} is listed twice")
                seen.add(entry.data_id)
                entries.append(entry)
                element.clear()  # the record is read: keep memory flat on a large file
    except DefusedXmlException as exc:
        raise ListFormatError(f"the file declares a DTD or entities, which a list never does ({exc})") from exc
    except SyntaxError as exc:  # xml.etree.ElementTree.ParseError
        line = getattr(exc, "position", (None, None))[0]
        raise ListFormatError(f"the file is not well-formed XML: {exc}", line=line) from exc
    if root is None:
        raise ListFormatError("the file is empty")
    return generated, entries


def _generated(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ListFormatError(f"dateGenerated {value!r} is not a date and time") from exc
