"""Lines of a table that are not records (a total, a note under the table), and the plain header matcher."""

from __future__ import annotations

import re
from functools import lru_cache
from numbers import Real

from app.imports import vocabulary as vocab
from app.imports.categories import organisation_kind
from app.imports.countries import country_code
from app.imports.phrases import split_words
from app.imports.reading import Unreadable, plain_key

_TOTAL = re.compile(rf"^(?:{'|'.join(sorted(vocab.TOTAL_WORDS, key=len, reverse=True))})\b(.*)$")
_NUMBER = re.compile(r"^[\s\d.,%$€£+\-()']*\d[\s\d.,%$€£+\-()']*$")
_COUNT = re.compile(r"^\W*\d[\d\s.,]*\b\D*$")  # "142", "8 partners", "1,204 organisations"


def _is_number(cell: object) -> bool:
    if isinstance(cell, Real) and not isinstance(cell, bool):
        return True
    return bool(_NUMBER.match(str(cell)))


def _total_label(cell: object) -> bool:
    """Whether a cell is a total's label: a total word followed by nothing, counts or words like "partners"."""
    found = _TOTAL.match(" ".join(split_words(str(cell))))
    return found is not None and all(
        word.isdigit() or word in vocab.TOTAL_QUALIFIERS or word in vocab.STOPWORDS for word in found[1].split()
    )  # "Total Energies" names something


def _names_a_country_or_type(cell: object) -> bool:
    """Whether a cell reads as a country or a partner type: what makes a line an organisation's."""
    text = str(cell).strip()
    for reader in (country_code, organisation_kind):
        try:
            reader(text)
        except Unreadable:
            continue
        return True
    return False


def is_total_row(cells: list[object]) -> bool:
    """Whether a line is a sheet's total or summary ("TOTAL", "Sous-total", "Totales", "Count: 142"), not data.

    One of its texts starts with a total word followed by nothing, a count or words like "général" or "partners"
    ("TOTAL: 12 parceiros"); the rest is counts, with at most one other word ("TOTAL", "organisations", 142). An
    organisation called "Total Energies", or "Total" with a country or a type, is data.
    """
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    texts = [cell for cell in filled if not _is_number(cell)]  # a leading line number is not the label
    label = next((cell for cell in texts if _total_label(cell)), None)
    if label is None:
        return False
    counted = any(word.isdigit() for word in split_words(str(label))) or any(
        _is_number(cell) or _COUNT.match(str(cell)) for cell in filled if cell is not label
    )
    words = [cell for cell in texts if cell is not label and not _COUNT.match(str(cell))]
    if len(words) == 1 and counted:
        return not _names_a_country_or_type(words[0])  # "Total", "Kenya", 12 is an organisation's line
    return not words


@lru_cache(maxsize=1)
def _note_markers() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(split_words(marker)) for marker in vocab.NOTE_MARKERS}, key=len, reverse=True))


_NOTE_SYMBOL = re.compile(r"^\s*(?:[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3]+|\(\d{1,2}\)|\[\d{1,2}\]|\d{1,2}\))")
_NOTE_WORD = re.compile(r"^\s*([^\W\d_]+(?:\.[^\W\d_]+)*\.?)(.*)$", re.DOTALL)


def _starts_with_note_marker(text: str) -> bool:
    """ "Note: …", "N.B. …", "Fuente: DTM", "* …", "(1) …", "† …", "Note that …", "Source of data: …"; not "Source of
    Hope Foundation" (a name goes on in capitals)."""
    if _NOTE_SYMBOL.match(text):
        return True
    words = split_words(text)
    for marker in _note_markers():
        if tuple(words[: len(marker)]) != marker:
            continue
        rest = text.strip()
        for _ in marker:  # the marker's words as written, then what follows them
            found = _NOTE_WORD.match(rest)
            rest = found[2] if found else ""
        if not rest.strip() or rest.lstrip()[0] in ":.;-\u2013\u2014)=>":
            return True
        following = [word for word in rest.split() if " ".join(split_words(word)) not in vocab.NAME_PARTICLES]
        if not following:  # "Note de la", "Source of"
            return True
        return following[0][0].islower() or following[0][0].isdigit() or text.isupper()
    return False


def _is_sentence(text: str) -> bool:
    """Six words or more, or four or more ending with a full stop; not a name in capitals ("Association pour la
    Promotion des Droits des Femmes du Sénégal")."""
    words = [word for word in text.split() if any(char.isalpha() for char in word)]
    if not (len(words) >= 6 or (len(words) >= 4 and text.rstrip().endswith("."))):
        return False
    if text.isupper():
        return True
    content = [word for word in words if " ".join(split_words(word)) not in vocab.NAME_PARTICLES]
    return not all(word[0].isupper() or not word[0].isalpha() for word in content)


def is_note_row(cells: list[object]) -> bool:
    """Whether a line is a remark under (or over) a table, not a partner: one filled cell, anywhere, that starts with
    a note marker ("Note:", "NB", "Obs.", "Source:", "Fuente:", "*", "(1)", "†") or is a sentence.

    A line with a name and a country or a type has two cells: never a note.
    """
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    if len(filled) != 1 or _is_number(filled[0]):
        return False
    text = str(filled[0]).strip()
    return _starts_with_note_marker(text) or _is_sentence(text)


# Headers ------------------------------------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation_ref": ("organisation ref", "org ref", "organisation id", "org id", "partner id", "partner ref",
                         "organisation reference", "external id", "ref organisation"),
    "organisation_name": ("organisation name", "organisation", "name", "legal name", "partner", "partner name",
                          "org name", "nom", "nom de l organisation", "organisme"),
    "acronym": ("acronym", "short name", "abbreviation", "sigle"),
    "partner_type": ("partner type", "kind", "type", "organisation type", "category", "type de partenaire",
                     "partner category"),
    "country": ("country", "country code", "pays", "iso", "iso2", "country name", "country iso"),
    "region": ("region", "sub region"),
    "registration_number": ("registration number", "registration no", "reg no", "registration", "reg number",
                            "registration id", "numero d enregistrement"),
    "website": ("website", "web", "url", "site web", "web site", "site"),
    "email": ("email", "e mail", "organisation email", "org email", "general email"),
    "contact_name": ("contact name", "contact", "focal point", "contact person", "focal point name"),
    "contact_email": ("contact email", "focal point email", "contact e mail"),
    "areas": ("areas", "area", "areas of engagement", "area of engagement", "thematic areas", "sectors", "themes",
              "domaines"),
    "partnership_ref": ("partnership ref", "partnership id", "partnership reference", "agreement ref"),
    "partnership_title": ("partnership title", "partnership", "title", "partnership name", "titre"),
    "modality": ("modality", "stage", "partnership type", "modalite", "type of partnership"),
    "role": ("role", "party role", "partner role"),
    "start_date": ("start date", "start", "from", "date start", "date de debut", "starts"),
    "end_date": ("end date", "end", "to", "date end", "until", "date de fin", "expiry date", "ends"),
    "owner_email": ("owner email", "owner", "project manager", "manager email", "project manager email"),
    "notes": ("notes", "note", "comments", "remarks", "observations"),
}  # fmt: skip
REQUIRED_COLUMNS = ("organisation_name", "country", "partner_type")
_HEADER_WORDS = {plain_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


def match_headers(headers: list[str]) -> tuple[dict[int, str], list[str], list[str]]:
    """Map header cells to columns: ``(index → column, missing required columns, ignored headers)``.

    Matching ignores case, accents, spaces and punctuation; the first cell naming a column wins.
    """
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        column = _HEADER_WORDS.get(plain_key(str(header or "")))
        if column is None or column in mapping.values():
            if str(header or "").strip():
                ignored.append(str(header).strip())
            continue
        mapping[index] = column
    missing = [column for column in REQUIRED_COLUMNS if column not in mapping.values()]
    return mapping, missing, ignored
